"""Tables, one module per aggregate. Importing this package registers every table on ``Base.metadata``."""

from omnidesk.models.accounts import LoginToken, Permission, PermissionRole, Role, User, UserRole
from omnidesk.models.settings import Setting

__all__ = ["LoginToken", "Permission", "PermissionRole", "Role", "Setting", "User", "UserRole"]
