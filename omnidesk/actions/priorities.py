"""Writes to Rocket.Chat's five fixed priorities: admins rename them and reset the names."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.errors import ApiError
from omnidesk.events import LivechatPriorityChanged, send_event_on_commit
from omnidesk.models import Priority
from omnidesk.queries.lists import priority_by_name, renamed_priorities

# i18n key -> sort item (Rocket.Chat's LivechatPriorityWeight: 1 highest .. 5 lowest).
DEFAULT_PRIORITIES: dict[str, int] = {"Highest": 1, "High": 2, "Medium": 3, "Low": 4, "Lowest": 5}
MAX_PRIORITY_NAME = 120


def ensure_default_priorities(session: Session) -> None:
    """Insert any of the five priorities that is missing; never touch an existing one."""
    present = set(session.scalars(select(Priority.sort_item)))
    for i18n, sort_item in DEFAULT_PRIORITIES.items():
        if sort_item not in present:
            session.add(Priority(i18n=i18n, sort_item=sort_item, name=None, dirty=False))


def rename_priority(session: Session, *, priority: Priority, name: str) -> Priority:
    clean = name.strip()
    if not clean:
        raise ApiError("error-invalid-priority-name", "The priority name cannot be empty")
    if len(clean) > MAX_PRIORITY_NAME:
        raise ApiError(
            "error-invalid-priority-name",
            f"The priority name cannot be longer than {MAX_PRIORITY_NAME} characters",
        )
    taken = priority_by_name(session, clean)
    if taken is not None and taken is not priority:
        raise ApiError("error-duplicate-priority-name")
    priority.name = clean
    priority.dirty = True
    session.flush()
    send_event_on_commit(session, LivechatPriorityChanged(priority_id=priority.id, name=clean))
    return priority


def reset_priority(session: Session, *, priority: Priority) -> Priority:
    """Back to the default, translated name."""
    priority.name = None
    priority.dirty = False
    session.flush()
    send_event_on_commit(session, LivechatPriorityChanged(priority_id=priority.id, name=None))
    return priority


def reset_all_priorities(session: Session) -> list[Priority]:
    renamed = renamed_priorities(session)
    if not renamed:
        # Rocket.Chat refuses a reset with nothing to reset.
        raise ApiError("error-no-priorities-to-reset", "No priority has been renamed")
    return [reset_priority(session, priority=priority) for priority in renamed]
