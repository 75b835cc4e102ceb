"""``users.*``: registration, administration and presence status of user accounts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from omnidesk.access import Actor, require, user_by_id_for_admin
from omnidesk.actions import accounts, presence
from omnidesk.api.openapi import errors
from omnidesk.api.shapes import ok, page_bounds, parse_sort, user_public
from omnidesk.api.validation import Body, QueryParams
from omnidesk.errors import ApiError, InvalidParams, NotFound
from omnidesk.http.deps import CurrentActor, ServicesDep, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Setting, User
from omnidesk.queries.users import (
    SORTABLE_USER_FIELDS,
    any_admin_exists,
    list_users,
    user_by_email,
    user_by_username,
)

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["users"])


def _sees_emails(session: Any, actor: Actor, user: User) -> bool:
    return user.id == actor.id or actor.can(session, "view-full-other-user-info")


class UserRegisterBody(Body):
    username: str
    email: str
    pass_: str = Field(alias="pass")
    name: str | None = None
    secret: str | None = None
    reason: str | None = None
    customFields: dict[str, Any] | None = None


@router.post("/users.register", responses=errors(403))
def register(body: UserRegisterBody, session: SessionDep, services: ServicesDep) -> dict[str, Any]:
    # The first user of a workspace registers and becomes its admin; after that, only when opened.
    form = session.get(Setting, "Accounts_RegistrationForm")
    if any_admin_exists(session) and (form is None or form.value != "Public"):
        raise ApiError("error-user-registration-disabled", "User registration is disabled", status_code=403)
    user = accounts.register_user(
        session,
        passwords=services.passwords,
        username=body.username,
        email=body.email,
        password=body.pass_,
        name=body.name or body.username,
    )
    return ok(user=user_public(user, with_emails=True))


class UserCreateBody(Body):
    email: str
    name: str
    password: str
    username: str
    active: bool | None = None
    bio: str | None = None
    nickname: str | None = None
    statusText: str | None = None
    roles: list[str] | None = None
    joinDefaultChannels: bool | None = None
    requirePasswordChange: bool | None = None
    setRandomPassword: bool | None = None
    sendWelcomeEmail: bool | None = None
    verified: bool | None = None
    customFields: dict[str, Any] | None = None
    fields: str | None = None
    freeSwitchExtension: str | None = None


@router.post("/users.create")
def create(
    body: UserCreateBody, actor: CurrentActor, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    require(session, actor, "create-user")
    if body.roles is not None:
        require(session, actor, "assign-roles")
    user = accounts.create_user(
        session,
        passwords=services.passwords,
        username=body.username,
        email=body.email,
        password=body.password,
        name=body.name,
        roles=body.roles or ["user"],
        active=True if body.active is None else body.active,
        email_verified=bool(body.verified),
        require_password_change=bool(body.requirePasswordChange),
    )
    if body.statusText:
        accounts.set_user_status(session, user=user, status=None, message=body.statusText)
    return ok(user=user_public(user, with_emails=True))


class UsersInfoQuery(QueryParams):
    userId: str | None = None
    username: str | None = None
    email: str | None = None
    importId: str | None = None
    includeUserRooms: str | None = None
    fields: str | None = None


@router.get("/users.info")
def info(
    params: Annotated[UsersInfoQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    if params.userId:
        user = session.get(User, params.userId)
    elif params.username:
        user = user_by_username(session, params.username)
    elif params.email:
        user = user_by_email(session, params.email)
    elif params.importId:
        user = None  # imports keep no foreign ids yet
    else:
        raise InvalidParams("must match a schema in anyOf")
    if user is None:
        raise ApiError("error-invalid-user", "Invalid user")
    return ok(user=user_public(user, with_emails=_sees_emails(session, actor, user)))


class UsersListQuery(QueryParams):
    fields: str | None = None
    query: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None
    email: str | None = Field(default=None, min_length=1)


@router.get("/users.list")
def list_(
    params: Annotated[UsersListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-d-room")
    offset, count = page_bounds(params.offset, params.count)
    sort = parse_sort(params.sort, SORTABLE_USER_FIELDS)
    users, total = list_users(
        session, text=params.query, email=params.email, sort=sort, offset=offset, count=count
    )
    with_emails = actor.can(session, "view-full-other-user-info")
    return ok(
        users=[user_public(user, with_emails=with_emails or user.id == actor.id) for user in users],
        count=len(users),
        offset=offset,
        total=total,
    )


class UserUpdateData(Body):
    email: str | None = None
    name: str | None = None
    password: str | None = None
    username: str | None = None
    bio: str | None = None
    nickname: str | None = None
    statusText: str | None = None
    active: bool | None = None
    roles: list[str] | None = None
    requirePasswordChange: bool | None = None
    setRandomPassword: bool | None = None
    sendWelcomeEmail: bool | None = None
    verified: bool | None = None
    customFields: dict[str, Any] | None = None
    status: str | None = None
    freeSwitchExtension: str | None = None


class UserUpdateBody(Body):
    userId: str = Field(min_length=1)
    confirmRelinquish: bool | None = None
    data: UserUpdateData


@router.post("/users.update", responses=errors(404))
def update(
    body: UserUpdateBody, actor: CurrentActor, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    user = user_by_id_for_admin(session, actor, body.userId, "edit-other-user-info")
    data = body.data
    if data.roles is not None:
        require(session, actor, "assign-roles")
    if data.active is not None:
        require(session, actor, "edit-other-user-active-status")
    if data.password is not None and user.id != actor.id:
        require(session, actor, "edit-other-user-password")
    if user.id == actor.id and (
        data.password is not None or (data.email is not None and data.email != user.email)
    ):
        raise ApiError(
            "error-action-not-allowed",
            "Change your own password or email with users.updateOwnBasicInfo and your current password",
        )
    if data.verified is not None:
        require(session, actor, "edit-other-user-info")  # an email is verified by an admin, not its owner
    accounts.update_user(
        session,
        passwords=services.passwords,
        user=user,
        username=data.username,
        email=data.email,
        password=data.password,
        name=data.name,
        active=data.active,
        roles=data.roles,
        email_verified=data.verified,
        require_password_change=data.requirePasswordChange,
        status_text=data.statusText,
    )
    if data.status is not None:
        presence.set_user_status(session, user=user, status=data.status, message=None)
    return ok(user=user_public(user, with_emails=True))


class UserDeleteBody(Body):
    userId: str = Field(min_length=1)
    confirmRelinquish: bool | None = None


@router.post("/users.delete", responses=errors(404))
def delete(body: UserDeleteBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "delete-user")
    user = session.get(User, body.userId)
    if user is None:
        raise NotFound("User not found")
    accounts.delete_user(session, user=user)
    return ok()


class SetStatusBody(Body):
    message: str | None = None
    status: str | None = None
    expiresAt: str | None = None
    userId: str | None = None
    username: str | None = None
    user: str | None = None


@router.post("/users.setStatus", responses=errors(404))
def set_status(body: SetStatusBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    if body.status is None and body.message is None:
        raise InvalidParams("must have required property 'status'")
    if body.userId:
        target = user_by_id_for_admin(session, actor, body.userId, "edit-other-user-info")
    elif body.username or body.user:
        found = user_by_username(session, body.username or body.user or "")
        if found is None:
            raise ApiError("error-invalid-user", "Invalid user")
        target = user_by_id_for_admin(session, actor, found.id, "edit-other-user-info")
    else:
        target = actor.user
    presence.set_user_status(session, user=target, status=body.status, message=body.message)
    return ok()


class OwnBasicInfo(Body):
    email: str | None = None
    name: str | None = None
    username: str | None = None
    nickname: str | None = None
    statusText: str | None = None
    realname: str | None = None
    bio: str | None = None
    currentPassword: str | None = None
    newPassword: str | None = None


class UpdateOwnBasicInfoBody(Body):
    data: OwnBasicInfo
    customFields: dict[str, Any] | None = None


@router.post("/users.updateOwnBasicInfo")
def update_own_basic_info(
    body: UpdateOwnBasicInfoBody, actor: CurrentActor, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    """Rocket.Chat's own-profile edit: a new password or email needs the current password, sent as
    its SHA-256 hex digest as Meteor clients do (plain text is taken too)."""
    data, user = body.data, actor.user
    changes_secret = data.newPassword is not None or (data.email is not None and data.email != user.email)
    if changes_secret:
        if not data.currentPassword:
            raise ApiError("error-invalid-password", "Invalid password")
        accounts.check_current_password(user, passwords=services.passwords, current=data.currentPassword)
    accounts.update_user(
        session,
        passwords=services.passwords,
        user=user,
        username=data.username,
        email=data.email,
        password=data.newPassword,
        name=data.realname or data.name,
        status_text=data.statusText,
    )
    return ok(user=user_public(user, with_emails=True))
