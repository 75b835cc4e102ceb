"""``permissions.*`` and ``roles.*``: the grants that decide what each role may do."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from omnidesk.access import require
from omnidesk.actions.accounts import add_user_to_role, remove_user_from_role
from omnidesk.actions.permissions import set_permission_roles
from omnidesk.api.shapes import ok, permission_shape, role_shape
from omnidesk.api.validation import Body, QueryParams
from omnidesk.errors import ApiError
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Role, User
from omnidesk.queries.permissions import all_permissions, all_roles
from omnidesk.queries.users import user_by_username

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["permissions"])


class ListAllQuery(QueryParams):
    updatedSince: str | None = None


@router.get("/permissions.listAll")
def list_all(
    params: Annotated[ListAllQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    since = None
    if params.updatedSince:
        try:
            since = datetime.fromisoformat(params.updatedSince.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError("error-updatedSince-param-invalid", "Invalid date for `updatedSince`") from None
        if since.tzinfo is None:
            raise ApiError("error-updatedSince-param-invalid", "Invalid date for `updatedSince`")
    permissions = all_permissions(session, updated_since=since)
    return ok(update=[permission_shape(permission) for permission in permissions], remove=[])


class PermissionGrant(Body):
    id: str = Field(alias="_id")
    roles: list[str]


class PermissionsUpdateBody(Body):
    permissions: list[PermissionGrant]


@router.post("/permissions.update")
def update(body: PermissionsUpdateBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "access-permissions")
    set_permission_roles(session, grants=[(grant.id, grant.roles) for grant in body.permissions])
    permissions = all_permissions(session)
    return ok(permissions=[permission_shape(permission) for permission in permissions])


@router.get("/roles.list")
def list_roles(actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    roles = all_roles(session)
    return ok(roles=[role_shape(role) for role in roles])


class RoleMembershipBody(Body):
    username: str
    roleId: str | None = None
    roleName: str | None = None  # deprecated in Rocket.Chat, still sent by older clients
    roomId: str | None = None
    scope: str | None = None


def _role_and_user(session: Any, body: RoleMembershipBody) -> tuple[Role, User]:
    role_id = body.roleId or body.roleName
    if not role_id:
        raise ApiError("error-invalid-role-properties", "The role property cannot be empty")
    role = session.get(Role, role_id)
    if role is None:
        raise ApiError("error-role-not-found", "Role not found")
    user = user_by_username(session, body.username)
    if user is None:
        raise ApiError("error-invalid-user", "There is no user with this username")
    return role, user


@router.post("/roles.addUserToRole")
def add_to_role(body: RoleMembershipBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "access-permissions")
    role, user = _role_and_user(session, body)
    if role.id in user.role_ids:
        raise ApiError("error-user-already-in-role", "User already in role")
    add_user_to_role(session, user=user, role=role)
    return ok(role=role_shape(role))


@router.post("/roles.removeUserFromRole")
def remove_from_role(body: RoleMembershipBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "access-permissions")
    role, user = _role_and_user(session, body)
    remove_user_from_role(session, user=user, role=role)
    return ok(role=role_shape(role))
