"""Settings as clients see them: a secret's value never leaves the server, not even encrypted."""

from __future__ import annotations

from typing import Any

from omnidesk.actions.settings import SECRET_SETTINGS
from omnidesk.models import Setting


def shown_value(setting: Setting) -> Any:
    """The value, or for a secret setting only whether one is set."""
    if setting.id in SECRET_SETTINGS:
        return "********" if setting.value else ""
    return setting.value
