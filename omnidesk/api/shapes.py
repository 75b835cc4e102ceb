"""Wire shapes shared by the routers: dates, paging, the success envelope, users."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from omnidesk.dates import iso
from omnidesk.errors import ApiError
from omnidesk.input_rules import loads_json
from omnidesk.models import Permission, Role, User

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def ok(**fields: Any) -> dict[str, Any]:
    return {**fields, "success": True}


def total_fields(total: int, exact: bool) -> dict[str, Any]:
    """``total`` of a list; ``totalCapped: true`` when counting stopped at a limit and ``total`` is
    that limit (a lower bound): searches and listings that would otherwise count every match."""
    return {"total": total} if exact else {"total": total, "totalCapped": True}


def page_bounds(offset: int | None, count: int | None) -> tuple[int, int]:
    offset = max(offset or 0, 0)
    count = DEFAULT_PAGE_SIZE if count is None or count <= 0 else min(count, MAX_PAGE_SIZE)
    return offset, count


def parse_sort(raw: str | None, allowed: Collection[str]) -> list[tuple[str, int]]:
    """Parse Rocket.Chat's ``sort`` parameter: a JSON object of field -> 1 or -1."""
    if not raw:
        return []
    try:
        parsed = loads_json(raw)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict) or not all(direction in (1, -1) for direction in parsed.values()):
        raise ApiError("error-invalid-sort", f'Invalid sort parameter provided "{raw}"')
    unknown = [name for name in parsed if name not in allowed]
    if unknown:
        raise ApiError("error-invalid-sort-field", f"Sorting by {unknown[0]} is not supported")
    return [(name, int(direction)) for name, direction in parsed.items()]


def user_public(user: User, *, with_emails: bool) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "_id": user.id,
        "username": user.username,
        "name": user.name,
        "type": user.type,
        "status": user.status,
        "statusText": user.status_text,
        "active": user.active,
        "roles": user.role_ids,
        "createdAt": iso(user.created_at),
        "_updatedAt": iso(user.updated_at),
        "lastLogin": iso(user.last_login),
    }
    if with_emails and user.email:
        shape["emails"] = [{"address": user.email, "verified": user.email_verified}]
    return shape


def user_me(user: User) -> dict[str, Any]:
    return {
        **user_public(user, with_emails=True),
        "email": user.email,
        "requirePasswordChange": user.require_password_change,
        "statusConnection": user.status,
        "utcOffset": 0,
        "settings": {"preferences": {}},
    }


def role_shape(role: Role) -> dict[str, Any]:
    return {
        "_id": role.id,
        "name": role.id,
        "description": role.description,
        "scope": role.scope,
        "protected": role.protected,
        "mandatory2fa": False,
        "_updatedAt": iso(role.updated_at),
    }


def permission_shape(permission: Permission) -> dict[str, Any]:
    return {
        "_id": permission.id,
        "roles": [role.id for role in permission.roles],
        "group": permission.group,
        "_updatedAt": iso(permission.updated_at),
    }
