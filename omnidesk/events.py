"""Typed events and the bus that carries them.

Actions queue events on their session; the events are published only after that session commits
and are dropped when it rolls back, so nobody is ever told about a change that did not happen
(Zulip's ``send_event_on_commit``). Subscribers run on the committing thread and must be quick:
the realtime layer hands events to its event loop with ``call_soon_threadsafe``.

The bus is an interface: the in-process backend serves one server process; the Redis backend
(``cluster/bus.py``) carries the same events, as their payloads, between the processes of a cluster,
and says through ``healthy`` whether its server answers (the readiness check).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from typing import Any, ClassVar, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING = "omnidesk_pending_events"


EVENT_TYPES: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class Event:
    type: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        EVENT_TYPES[cls.type] = cls

    def payload(self) -> dict[str, Any]:
        return {"type": self.type, **asdict(self)}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Event:
        """The event of ``payload()``'s fields, after a trip through JSON (which made tuples lists)."""
        tuples = {field.name for field in dataclass_fields(cls) if str(field.type).startswith("tuple")}
        return cls(**{name: tuple(v) if name in tuples else v for name, v in fields.items()})


def event_from_payload(payload: dict[str, Any]) -> Event:
    """The event a ``payload()`` describes; KeyError or TypeError when it describes none."""
    fields = dict(payload)
    return EVENT_TYPES[fields.pop("type")].from_fields(fields)


@dataclass(frozen=True)
class UserChanged(Event):
    """A user was updated or deleted (``op`` says which); ``renamed`` when its username changed."""

    type: ClassVar[str] = "user"
    op: str
    user_id: str
    renamed: bool = False


@dataclass(frozen=True)
class UserStatusChanged(Event):
    type: ClassVar[str] = "user_status"
    user_id: str
    username: str
    status: str
    status_text: str


@dataclass(frozen=True)
class RolesChanged(Event):
    """A user gained or lost a role."""

    type: ClassVar[str] = "roles"
    op: str  # "added" | "removed"
    role_id: str
    user_id: str


@dataclass(frozen=True)
class PermissionChanged(Event):
    type: ClassVar[str] = "permission"
    permission_id: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class SettingChanged(Event):
    type: ClassVar[str] = "setting"
    setting_id: str
    value: Any


@dataclass(frozen=True)
class RoomChanged(Event):
    """A livechat room changed. ``op``: opened, served, on_hold, resumed, transferred, updated, closed,
    deleted, sla_overdue (``ChatOverdue``). ``agent_id`` is the serving agent after the change (None
    while queued); ``previous_agent_id`` the agent who lost the room in this change, if one did: both
    are told."""

    type: ClassVar[str] = "room"
    op: str
    room_id: str
    visitor_id: str
    agent_id: str | None
    department_id: str | None
    previous_agent_id: str | None = None


@dataclass(frozen=True)
class ChatOverdue(RoomChanged):
    """An open chat's SLA came due before an agent answered it (``op`` ``sla_overdue``); published once
    per chat and SLA. A room change like any other to its consumers (the serving agent's room, the
    Contact Center's lists), with the SLA and the moment it was due for those that act on a breach."""

    type: ClassVar[str] = "room_overdue"
    sla_id: str = ""
    due_at: str = ""  # ISO 8601


@dataclass(frozen=True)
class MessageSent(Event):
    """A message was written. ``message`` is its row as written (``message_row``: columns by name,
    dates in ISO 8601) and ``agent_id`` the agent serving its room then, so that the realtime layer
    pushes it without reading it back."""

    type: ClassVar[str] = "message"
    room_id: str
    message_id: str
    author_kind: str  # "visitor" | "user" | "system"
    message: dict[str, Any] | None = None
    agent_id: str | None = None


@dataclass(frozen=True)
class InquiryChanged(Event):
    """A queue entry appeared (``queued``), was taken (``taken``) or left the queue (``removed``)."""

    type: ClassVar[str] = "inquiry"
    op: str
    inquiry_id: str
    room_id: str
    department_id: str | None


@dataclass(frozen=True)
class ContactChanged(Event):
    """A contact was created, updated, blocked, unblocked, had conflicts resolved, was deleted, gained a
    channel, had a visitor's details merged in, or had a channel verified (the audit's actions)."""

    type: ClassVar[str] = "contact"
    op: str
    contact_id: str


@dataclass(frozen=True)
class MessageUpdated(Event):
    """A message's text was edited."""

    type: ClassVar[str] = "message_updated"
    room_id: str
    message_id: str


@dataclass(frozen=True)
class MessageDeleted(Event):
    type: ClassVar[str] = "message_deleted"
    room_id: str
    message_id: str


Subscriber = Callable[[Event], None]


class EventBus(Protocol):
    def publish(self, event: Event) -> None: ...

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Register a subscriber; the returned function unsubscribes it."""
        ...

    def healthy(self) -> bool:
        """Whether the bus can carry events now (a networked backend pings its server, briefly): the
        readiness check (``http/health.py``) asks it on every probe."""
        ...


class InProcessBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:  # one broken subscriber must not starve the others
                log.exception("event subscriber failed on %s", event.type)

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def healthy(self) -> bool:
        return True  # nothing outside the process to reach


def attach_bus(session: Session, bus: EventBus) -> None:
    """Route the events this session's actions queue to ``bus`` once the session commits."""
    session.info["omnidesk_bus"] = bus


def send_event_on_commit(session: Session, event: Event | Callable[[], Event]) -> None:
    """Publish ``event`` once the session commits. A function instead of an event is called just
    before the commit: an event that carries rows shows them as committed, not as they were when it
    was queued (an SMS reply's delivery state is set after its message is added)."""
    session.info.setdefault(_PENDING, []).append(event)


@sa_event.listens_for(Session, "before_commit")
def _resolve_pending(session: Session) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [item if isinstance(item, Event) else item() for item in pending]


@sa_event.listens_for(Session, "after_commit")
def _publish_pending(session: Session) -> None:
    events: list[Event] = session.info.pop(_PENDING, [])
    bus: EventBus | None = session.info.get("omnidesk_bus")
    if bus is None:
        return
    for queued in events:
        bus.publish(queued)


@sa_event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class AgentStatusChanged(Event):
    """An agent started or stopped taking chats (``status``: "available" | "not-available")."""

    type: ClassVar[str] = "agent_status"
    user_id: str
    username: str
    status: str


@dataclass(frozen=True)
class DepartmentAgentChange:
    """One agent's place in a department: ``inserted`` (it joined), ``updated`` (the department was
    enabled or disabled) or ``removed`` (it left, or the department was deleted)."""

    action: str
    membership_id: str
    agent_id: str


@dataclass(frozen=True)
class DepartmentChanged(Event):
    """The agents of a department changed (``op`` "agents"), or the department they serve was enabled
    or disabled ("updated") or deleted ("deleted"); ``agents`` says whose place changed and how. A change
    that touches no agent queues nothing: only agents are told (``departmentAgentData``)."""

    type: ClassVar[str] = "department"
    op: str
    department_id: str
    agents: tuple[DepartmentAgentChange, ...]

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Event:
        agents = tuple(DepartmentAgentChange(**change) for change in fields.pop("agents"))
        return cls(agents=agents, **fields)


@dataclass(frozen=True)
class LivechatPriorityChanged(Event):
    """A priority was renamed, or reset to its default name (``name`` None)."""

    type: ClassVar[str] = "livechat_priority"
    priority_id: str
    name: str | None


@dataclass(frozen=True)
class CallChanged(Event):
    """A call was logged (``created``), changed state (``updated``), was wrapped up (``wrapped-up``) or
    erased with its contact (``deleted``). ``previous_agent_id`` is the agent a transfer took it from."""

    type: ClassVar[str] = "call"
    op: str
    call_id: str
    state: str
    agent_id: str | None
    contact_id: str | None
    previous_agent_id: str | None = None


@dataclass(frozen=True)
class Resync(Event):
    """The bus may have lost events (a process lost its connection to the bus, or could not hand it
    everything): whoever keeps state built from events builds it again. Only a bus across processes
    publishes it."""

    type: ClassVar[str] = "resync"
    reason: str


@dataclass(frozen=True)
class WebhookQueued(Event):
    """A delivery of the livechat webhook was queued: the worker that sends them wakes."""

    type: ClassVar[str] = "webhook_queued"
    webhook_id: str
