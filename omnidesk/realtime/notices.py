"""The workspace's notices: what Rocket.Chat pushes when users, roles, permissions, settings, agents,
departments and priorities change, and Omnidesk's own notice to staff that a chat, call or contact
changed. Same stream, event name and arguments as Rocket.Chat (``listeners.module.ts``):

- ``stream-notify-logged``: ``user-status``, ``Users:NameChanged``, ``roles-change``,
  ``permissions-changed``, ``private-settings-changed`` (only to who may view private settings),
  ``omnichannel.priority-changed``, and ``omnidesk.contact-center-changed`` (each staff member hears
  only of the chats, calls and contacts it may see);
- ``stream-notify-all``: ``public-settings-changed`` and ``public-info``;
- ``stream-notify-user``: ``<uid>/userData`` (the user's own record) and ``<uid>/departmentAgentData``.

Nothing is read from the database unless somebody listens.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.orm import Session

from omnidesk.events import (
    AgentStatusChanged,
    CallChanged,
    ContactChanged,
    DepartmentChanged,
    Event,
    LivechatPriorityChanged,
    PermissionChanged,
    RolesChanged,
    RoomChanged,
    SettingChanged,
    UserChanged,
    UserStatusChanged,
)
from omnidesk.realtime import audiences, documents
from omnidesk.realtime.streams import CONTACT_CENTER, NOTIFY_ALL, NOTIFY_LOGGED, NOTIFY_USER, PRIVATE_SETTINGS

P = ParamSpec("P")
T = TypeVar("T")


class Pusher(Protocol):
    """What the notices use of the hub (``hub.Realtime``)."""

    def listening(self, collection: str, key: str) -> bool: ...

    def listening_users(self, collection: str, key: str) -> set[str]: ...

    def fan_out(
        self, collection: str, key: str, args: list[Any], *, only_users: Collection[str] | None = None
    ) -> int: ...

    async def read(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T: ...


async def push(pusher: Pusher, event: Event) -> None:
    if isinstance(event, RoomChanged):
        await _contact_center(pusher, "room", event.room_id, event.op, audiences.room_audience, event)
    elif isinstance(event, CallChanged):
        await _contact_center(pusher, "call", event.call_id, event.op, audiences.call_audience, event)
    elif isinstance(event, ContactChanged):
        await _contact_center(pusher, "contact", event.contact_id, event.op, _contact_audience, event)
    elif isinstance(event, UserStatusChanged):
        await _presence(pusher, event)
    elif isinstance(event, UserChanged):
        await _user_changed(pusher, event)
    elif isinstance(event, RolesChanged):
        await _roles_changed(pusher, event)
    elif isinstance(event, PermissionChanged):
        if pusher.listening(NOTIFY_LOGGED, "permissions-changed"):
            permission = await pusher.read(documents.permission_document, event.permission_id)
            if permission is not None:
                pusher.fan_out(NOTIFY_LOGGED, "permissions-changed", ["updated", permission])
    elif isinstance(event, SettingChanged):
        await _setting_changed(pusher, event)
    elif isinstance(event, AgentStatusChanged):
        diff = {"statusLivechat": event.status}
        _user_data(pusher, event.user_id, {"type": "updated", "id": event.user_id, "diff": diff, "unset": {}})
    elif isinstance(event, DepartmentChanged):
        for change in event.agents:
            data = {
                "action": change.action,
                "_id": change.membership_id,
                "agentId": change.agent_id,
                "departmentId": event.department_id,
            }
            pusher.fan_out(NOTIFY_USER, f"{change.agent_id}/departmentAgentData", [data])
    elif isinstance(event, LivechatPriorityChanged):
        notice: dict[str, Any] = {"id": event.priority_id, "clientAction": "updated"}
        if event.name is not None:  # a reset priority has its default name back: none to tell
            notice["name"] = event.name
        pusher.fan_out(NOTIFY_LOGGED, "omnichannel.priority-changed", [notice])


def _contact_audience(session: Session, _event: ContactChanged, user_ids: Collection[str]) -> set[str]:
    return audiences.contact_audience(session, user_ids)


async def _contact_center(
    pusher: Pusher,
    kind: str,
    item_id: str,
    op: str,
    audience: Callable[[Session, Any, Collection[str]], set[str]],
    event: Event,
) -> None:
    """``omnidesk.contact-center-changed``: which item changed, to the staff who may see it. The pages
    fetch what they show again: the notice carries no data, so it cannot show more than REST would."""
    listeners = pusher.listening_users(NOTIFY_LOGGED, CONTACT_CENTER)
    if not listeners:
        return
    heard = await pusher.read(audience, event, listeners)
    if heard:
        notice = {"type": kind, "_id": item_id, "op": op}
        pusher.fan_out(NOTIFY_LOGGED, CONTACT_CENTER, [notice], only_users=heard)


def _user_data(pusher: Pusher, user_id: str, data: dict[str, Any]) -> None:
    """``<uid>/userData``: the user's own record changed (only its own connections may listen)."""
    pusher.fan_out(NOTIFY_USER, f"{user_id}/userData", [data], only_users={user_id})


async def _presence(pusher: Pusher, event: UserStatusChanged) -> None:
    diff: dict[str, Any] = {"status": event.status}
    unset: dict[str, int] = {}
    if event.status_text:
        diff["statusText"] = event.status_text
    else:
        unset["statusText"] = 1
    _user_data(pusher, event.user_id, {"type": "updated", "id": event.user_id, "diff": diff, "unset": unset})
    if pusher.listening(NOTIFY_LOGGED, "user-status"):
        status = await pusher.read(documents.user_status, event.user_id)
        if status is not None:
            pusher.fan_out(NOTIFY_LOGGED, "user-status", [status])


async def _user_changed(pusher: Pusher, event: UserChanged) -> None:
    if event.op == "deleted":
        _user_data(pusher, event.user_id, {"type": "removed", "id": event.user_id})
        return
    if pusher.listening(NOTIFY_USER, f"{event.user_id}/userData"):
        data = await pusher.read(documents.user_data_updated, event.user_id)
        if data is not None:
            _user_data(pusher, event.user_id, data)
    # Rocket.Chat tells everyone a new username (a new real name only with UI_Use_Real_Name, a
    # setting Omnidesk does not have: off by default).
    if event.renamed and pusher.listening(NOTIFY_LOGGED, "Users:NameChanged"):
        names = await pusher.read(documents.user_names, event.user_id)
        if names is not None:
            pusher.fan_out(NOTIFY_LOGGED, "Users:NameChanged", [names])


async def _roles_changed(pusher: Pusher, event: RolesChanged) -> None:
    if not pusher.listening(NOTIFY_LOGGED, "roles-change"):
        return
    names = await pusher.read(documents.user_names, event.user_id)
    if names is not None:
        user = {"_id": names["_id"], "username": names["username"]}
        notice = {"type": event.op, "_id": event.role_id, "u": user}
        pusher.fan_out(NOTIFY_LOGGED, "roles-change", [notice])


async def _setting_changed(pusher: Pusher, event: SettingChanged) -> None:
    public_listened = pusher.listening(NOTIFY_ALL, "public-settings-changed") or pusher.listening(
        NOTIFY_ALL, "public-info"
    )
    private_listeners = pusher.listening_users(NOTIFY_LOGGED, PRIVATE_SETTINGS)
    if not public_listened and not private_listeners:
        return
    found = await pusher.read(documents.setting_document, event.setting_id)
    if found is None:
        return
    public, setting = found
    if public:
        pusher.fan_out(NOTIFY_ALL, "public-settings-changed", ["updated", setting])
        pusher.fan_out(NOTIFY_ALL, "public-info", [["public-settings-changed", ["updated", setting]]])
    if private_listeners:
        # Every setting, public or not, as Rocket.Chat; read again per change, not at subscription.
        readers = await pusher.read(audiences.private_settings_readers, private_listeners)
        if readers:
            pusher.fan_out(NOTIFY_LOGGED, PRIVATE_SETTINGS, ["updated", setting], only_users=readers)
