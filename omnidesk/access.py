"""Who is acting, and what they may do. Every permission check goes through here.

Grants are read from the database at most once per request, so a ``permissions.update`` or a role
change takes effect on the very next request.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session, lazyload

from omnidesk.errors import ApiError, Failure, Forbidden, NotFound
from omnidesk.models import (
    Call,
    CannedResponse,
    DepartmentAgent,
    LoginToken,
    Message,
    PermissionRole,
    Room,
    RoomParticipant,
    Upload,
    User,
    UserRole,
    Visitor,
)
from omnidesk.models.accounts import AGENT_ROLE

T = TypeVar("T")


@dataclass(frozen=True)
class Grants:
    role_ids: frozenset[str]
    permissions: frozenset[str]


@dataclass
class Actor:
    user: User
    grants: Grants | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.user.id

    def permissions(self, session: Session) -> frozenset[str]:
        if self.grants is None:
            self.grants = grants_of(session, self.user.id)
        return self.grants.permissions

    def can(self, session: Session, permission: str) -> bool:
        return permission in self.permissions(session)

    def has_role(self, role_id: str) -> bool:
        if self.grants is not None:
            return role_id in self.grants.role_ids
        return role_id in self.user.role_ids


# Built once: each request reads its actor's grants, and building and keying a statement costs more
# than running it.
_GRANTS = (
    select(UserRole.role_id, PermissionRole.permission_id)
    .outerjoin(PermissionRole, PermissionRole.role_id == UserRole.role_id)
    .where(UserRole.user_id == bindparam("user_id"))
)


def grants_of(session: Session, user_id: str) -> Grants:
    """A user's roles and the permissions they grant, in one statement."""
    rows = session.execute(_GRANTS, {"user_id": user_id}).all()
    return Grants(
        role_ids=frozenset(role_id for role_id, _ in rows),
        permissions=frozenset(permission for _, permission in rows if permission is not None),
    )


def active_actors(session: Session, user_ids: Collection[str]) -> dict[str, Actor]:
    """The actors among ``user_ids`` whose users exist and are active, each with its grants: two
    statements for any number of users (the realtime hub asks this of everyone listening)."""
    if not user_ids:
        return {}
    users = session.scalars(
        select(User).where(User.id.in_(list(user_ids)), User.active.is_(True)).options(lazyload(User.roles))
    ).all()
    rows = session.execute(
        select(UserRole.user_id, UserRole.role_id, PermissionRole.permission_id)
        .outerjoin(PermissionRole, PermissionRole.role_id == UserRole.role_id)
        .where(UserRole.user_id.in_([user.id for user in users]))
    ).all()
    roles: dict[str, set[str]] = {user.id: set() for user in users}
    permissions: dict[str, set[str]] = {user.id: set() for user in users}
    for user_id, role_id, permission in rows:
        roles[user_id].add(role_id)
        if permission is not None:
            permissions[user_id].add(permission)
    return {
        user.id: Actor(
            user=user,
            grants=Grants(role_ids=frozenset(roles[user.id]), permissions=frozenset(permissions[user.id])),
        )
        for user in users
    }


def require(session: Session, actor: Actor, *permissions: str) -> None:
    """Refuse unless the actor holds every one of ``permissions``."""
    granted = actor.permissions(session)
    if not all(permission in granted for permission in permissions):
        raise Forbidden()


def require_any(session: Session, actor: Actor, *permissions: str) -> None:
    granted = actor.permissions(session)
    if not any(permission in granted for permission in permissions):
        raise Forbidden()


def fetch_for_admin(
    session: Session,
    actor: Actor,
    model: type[T],
    row_id: str,
    *,
    permission: str,
    missing: str = "Resource not found",
) -> T:
    """A row an administrator manages (a voice line, an email inbox, a messaging channel): the
    permission first, then the row, so that who lacks the permission learns nothing of which ids exist."""
    require(session, actor, permission)
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(missing)
    return row


def may_view_private_settings(session: Session, actor: Actor) -> bool:
    """Whether the actor may read the settings that are not public (the REST API and the realtime
    ``private-settings-changed`` ask alike)."""
    return actor.can(session, "view-privileged-setting")


def user_by_id_for_admin(session: Session, actor: Actor, user_id: str, permission: str) -> User:
    """Fetch another user for an administrative change; acting on oneself needs no permission."""
    if user_id != actor.id:
        require(session, actor, permission)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    return user


# --- who a login token speaks for ----------------------------------------------------------------------
# A login token is known only by its SHA-256 (``security.hash_token``); its user must be active. Built
# once: the REST API runs the first on every request. The user's roles come with its grants
# (``grants_of``), so they are not loaded a second time through ``User.roles``.
_USER_BY_TOKEN = (
    select(User)
    .join(LoginToken, LoginToken.user_id == User.id)
    .where(
        LoginToken.token_hash == bindparam("token_hash"),
        User.id == bindparam("user_id"),
        User.active.is_(True),
    )
    .options(lazyload(User.roles))
)
_LOGIN_BY_TOKEN = (
    select(User, LoginToken)
    .join(LoginToken, LoginToken.user_id == User.id)
    .where(LoginToken.token_hash == bindparam("token_hash"), User.active.is_(True))
)


def logged_in_user(session: Session, *, token_hash: str, user_id: str) -> User | None:
    """The active user ``user_id`` if this login token is one of theirs (REST, pages, realtime)."""
    return session.scalar(_USER_BY_TOKEN, {"token_hash": token_hash, "user_id": user_id})


def login_by_token(session: Session, *, token_hash: str) -> tuple[User, LoginToken] | None:
    """The login a token belongs to, with its active user (a DDP ``resume`` names no user)."""
    row = session.execute(_LOGIN_BY_TOKEN, {"token_hash": token_hash}).first()
    return (row[0], row[1]) if row is not None else None


# --- livechat -------------------------------------------------------------------------------------


def widget_visitor(session: Session, token: str | None) -> Visitor | None:
    """The visitor a widget or API client speaks for; its token is its only credential. A visitor a
    channel created (SMS, WhatsApp, email, voice) is reached through its channel and by staff only, so
    it is never found here, whatever token is given."""
    if not token:
        return None
    return session.scalar(select(Visitor).where(Visitor.token == token, Visitor.channel_type.is_(None)))


def visitor_by_token(session: Session, token: str, *, meteor_error: bool = False) -> Visitor:
    """``widget_visitor``, refusing an unknown token (and a channel visitor's, alike). Rocket.Chat's
    routes answer ``invalid-token``, but those that raise it as a Meteor error without a reason
    (``livechat/visitor/{token}``, ``visitor.status``) answer ``[invalid-token]``."""
    visitor = widget_visitor(session, token)
    if visitor is None:
        raise Failure("invalid-token", "[invalid-token]") if meteor_error else ApiError("invalid-token")
    return visitor


def room_of_visitor(session: Session, visitor: Visitor, room_id: str) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise ApiError("invalid-room")
    return check_room_of_visitor(visitor, room)


def room_for_visitor_transcript(session: Session, token: str, room_id: str) -> Room:
    """The room whose transcript a visitor asks for, in the words of Rocket.Chat's sendTranscript
    (``error-invalid-visitor``, ``error-invalid-room``). The token is checked first, so that a wrong
    token learns nothing of which rooms exist, and another visitor's room is one that does not."""
    visitor = widget_visitor(session, token)
    if visitor is None:
        raise ApiError("error-invalid-visitor")
    room = session.get(Room, room_id)
    if room is None or room.visitor_id != visitor.id:
        raise ApiError("error-invalid-room")
    return room


def check_room_of_visitor(visitor: Visitor, room: Room) -> Room:
    """Another visitor's room is refused as if it did not exist."""
    if room.visitor_id != visitor.id:
        raise ApiError("invalid-room")
    return room


def open_room_of_visitor(session: Session, token: str | None, room_id: str) -> tuple[Visitor, Room]:
    """The visitor a widget token speaks for and its open room, for an upload: Rocket.Chat answers 403
    for a missing or unknown token, another visitor's room and a closed one alike."""
    visitor = widget_visitor(session, token)
    room = session.get(Room, room_id) if visitor is not None else None
    if visitor is None or room is None or room.visitor_id != visitor.id or not room.open:
        raise Forbidden()
    return visitor, room


def upload_for_staff(session: Session, actor: Actor, upload: Upload) -> Upload:
    """A file in a chat the staff member may see (``can_see_room``); else 403."""
    room = session.get(Room, upload.room_id)
    if room is None or not actor.can(session, "view-l-room") or not can_see_room(session, actor, room):
        raise Forbidden()
    return upload


def message_in_room(session: Session, room: Room, message_id: str) -> Message:
    """A message of the visitor's room (Rocket.Chat's widget reads any of them)."""
    message = session.get(Message, message_id)
    if message is None or message.room_id != room.id:
        raise ApiError("invalid-message")
    return message


def message_of_visitor(
    session: Session, visitor: Visitor, room: Room, message_id: str, *, verb: str
) -> Message:
    """A message the visitor wrote in their room, to edit or delete (``verb``: "editing",
    "deleting"); someone else's is refused in Rocket.Chat's words."""
    message = message_in_room(session, room, message_id)
    if message.author_id != visitor.id:
        raise ApiError("error-action-not-allowed", f"Message {verb} not allowed")
    return message


def can_see_room(session: Session, actor: Actor, room: Room) -> bool:
    """Managers and monitors see every chat; an agent sees the chats it serves and the queued chats it
    could take."""
    if actor.can(session, "view-livechat-rooms"):
        return True
    if not actor.can(session, "view-l-room"):
        return False
    if room.served_by_id == actor.id:
        return True
    return (
        room.is_queued
        and actor.has_role(AGENT_ROLE)
        and agent_serves_department(session, actor.id, room.department_id)
    )


def agent_serves_department(session: Session, agent_id: str, department_id: str | None) -> bool:
    if department_id is None:
        return True
    return bool(
        session.scalar(
            select(
                exists().where(
                    DepartmentAgent.agent_id == agent_id, DepartmentAgent.department_id == department_id
                )
            )
        )
    )


def room_for_staff(session: Session, actor: Actor, room_id: str, *, unknown: ApiError | None = None) -> Room:
    """Fetch a livechat room for a staff member, refusing what the actor may not see; an unknown room is
    ``unknown``, by default "Invalid room [error-invalid-room]" (Rocket.Chat's hand-offs throw a bare
    ``error-invalid-room``)."""
    require(session, actor, "view-l-room")
    room = session.get(Room, room_id)
    if room is None:
        raise unknown or ApiError("error-invalid-room", "Invalid room")
    if not can_see_room(session, actor, room):
        raise Forbidden()
    return room


def room_to_act_on(
    session: Session, actor: Actor, room_id: str, *, others_permission: str, refusal: ApiError
) -> Room:
    """A livechat room a staff member closes, holds or resumes: the agent serving it may, anyone else
    needs ``others_permission``. Rocket.Chat refuses the others with a 400 of each action's own
    (``refusal``), not a 403, and asks no more than that: whoever holds the permission acts on any chat."""
    require(session, actor, "view-l-room")
    room = session.get(Room, room_id)
    if room is None:
        raise ApiError("error-invalid-room")  # Rocket.Chat's bare Error: the id is the whole text
    if room.served_by_id != actor.id and not actor.can(session, others_permission):
        raise refusal
    return room


def may_act_on_room(session: Session, actor: Actor, room: Room, *, others_permission: str) -> None:
    """Serving agents act on their own chats; acting on someone else's needs ``others_permission``."""
    if room.served_by_id != actor.id:
        require(session, actor, others_permission)


def writes_in_room(session: Session, user_id: str, room: Room) -> bool:
    """Whether a staff member writes in a chat: the agent serving it, and whoever joined it
    (``livechat/room.join``) beside that agent."""
    if room.served_by_id == user_id:
        return True
    return session.get(RoomParticipant, (room.id, user_id)) is not None


def sees_all_chats(session: Session, actor: Actor) -> bool:
    """Whether the actor sees every chat and call (admins, managers, monitors by default) rather than
    only those it served; listings that scope to the actor's own rows ask this."""
    return actor.can(session, "view-livechat-rooms")


def can_see_call(session: Session, actor: Actor, call: Call) -> bool:
    """Supervisors see every call; an agent the calls it handled."""
    if not actor.can(session, "view-l-room"):
        return False
    return call.agent_id == actor.id or sees_all_chats(session, actor)


def can_see_contacts(session: Session, actor: Actor) -> bool:
    """Every staff member who may look contacts up sees them all (they are not scoped by agent)."""
    return actor.can(session, "view-livechat-contact")


# --- canned responses ------------------------------------------------------------------------------
# Rocket.Chat's rules: a response of the ``user`` scope is its keeper's, one of a ``department`` the
# department's agents', a ``global`` one everyone's; ``view-all-canned-responses`` lists them all
# (managers keep them). Departments a user supervises (monitors, managers: Omnidesk has no units, so
# they supervise every department) count as theirs, as a monitor's units do in Rocket.Chat.

SUPERVISE_DEPARTMENTS = ("view-livechat-departments", "manage-livechat-departments")


@dataclass(frozen=True)
class CannedResponseReach:
    """Which responses an actor reaches: ``department_ids`` None is every department."""

    user_id: str
    department_ids: frozenset[str] | None
    sees_all: bool  # view-all-canned-responses: others' own responses too (to manage them)


def canned_response_reach(session: Session, actor: Actor) -> CannedResponseReach:
    """The responses the actor may read; refused without ``view-canned-responses``."""
    require(session, actor, "view-canned-responses")
    return _reach(session, actor)


def _reach(session: Session, actor: Actor) -> CannedResponseReach:
    return CannedResponseReach(
        user_id=actor.id,
        department_ids=_canned_response_departments(session, actor),
        sees_all=actor.can(session, "view-all-canned-responses"),
    )


def _canned_response_departments(session: Session, actor: Actor) -> frozenset[str] | None:
    if any(actor.can(session, permission) for permission in SUPERVISE_DEPARTMENTS):
        return None
    rows = session.scalars(select(DepartmentAgent.department_id).where(DepartmentAgent.agent_id == actor.id))
    return frozenset(rows)


def reaches_canned_response(reach: CannedResponseReach, response: CannedResponse) -> bool:
    if reach.sees_all or response.scope == "global":
        return True
    if response.scope == "user":
        return response.user_id == reach.user_id
    return response.department_id is not None and (
        reach.department_ids is None or response.department_id in reach.department_ids
    )


def canned_response_for_staff(session: Session, actor: Actor, response_id: str) -> CannedResponse | None:
    """A response the actor may read, or None when it does not exist or is out of reach (alike, so
    nobody learns of another agent's own responses)."""
    reach = canned_response_reach(session, actor)
    response = session.get(CannedResponse, response_id)
    if response is None or not reaches_canned_response(reach, response):
        return None
    return response


def _not_allowed_on(scope: str) -> ApiError:
    return ApiError("error-not-allowed", f"Not allowed to modify canned responses on *{scope}* scope")


def check_may_write_canned_response(
    session: Session, actor: Actor, *, scope: str, department_id: str | None, keeper_id: str | None
) -> None:
    """Whether the actor may write a response of ``scope`` (kept by ``keeper_id`` when ``user``):
    ``save-all-canned-responses`` writes any; ``save-department-canned-responses`` one of a department
    of the actor's; everyone their own. Rocket.Chat checks the scope alone; Omnidesk also the
    department and the keeper, so an agent cannot change another's or a department's responses."""
    if actor.can(session, "save-all-canned-responses"):
        return
    if scope == "global":
        raise _not_allowed_on("global")
    if scope == "department":
        if not actor.can(session, "save-department-canned-responses"):
            raise _not_allowed_on("department")
        departments = _canned_response_departments(session, actor)
        if department_id is not None and departments is not None and department_id not in departments:
            raise _not_allowed_on("department")
        return
    if keeper_id is not None and keeper_id != actor.id:
        raise _not_allowed_on("user")


def writable_canned_response(
    session: Session, actor: Actor, response_id: str, *, permission: str
) -> CannedResponse:
    """An existing response the actor saves again (``save-canned-responses``) or removes
    (``remove-canned-responses``): missing when it does not exist or is out of the actor's reach,
    refused when the actor may not write what it is now."""
    require(session, actor, permission)
    response = session.get(CannedResponse, response_id)
    if response is None or not (
        reaches_canned_response(_reach(session, actor), response)
        or actor.can(session, "save-all-canned-responses")
    ):
        raise ApiError("error-canned-response-not-found", "Canned Response not found")
    check_may_write_canned_response(
        session, actor, scope=response.scope, department_id=response.department_id, keeper_id=response.user_id
    )
    return response
