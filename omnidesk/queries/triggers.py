"""Read paths for the widget's proactive triggers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from omnidesk.models import LivechatTrigger

SORTABLE_TRIGGER_FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "_id": LivechatTrigger.id,
    "name": LivechatTrigger.name,
    "description": LivechatTrigger.description,
    "enabled": LivechatTrigger.enabled,
    "_updatedAt": LivechatTrigger.updated_at,
}


def list_triggers(
    session: Session, *, sort: Sequence[tuple[str, int]], offset: int, count: int
) -> tuple[list[LivechatTrigger], int]:
    """A page of every trigger, by name unless ``sort`` says otherwise (Rocket.Chat's order)."""
    total = session.scalar(select(func.count()).select_from(LivechatTrigger)) or 0
    order = [
        SORTABLE_TRIGGER_FIELDS[name].asc() if direction > 0 else SORTABLE_TRIGGER_FIELDS[name].desc()
        for name, direction in sort
    ] or [LivechatTrigger.name.asc()]
    query = select(LivechatTrigger).order_by(*order, LivechatTrigger.id).offset(offset).limit(count)
    return list(session.scalars(query)), total


def enabled_triggers(session: Session) -> list[LivechatTrigger]:
    """What the widget runs (``livechat/config``'s ``triggers``)."""
    query = select(LivechatTrigger).where(LivechatTrigger.enabled.is_(True))
    return list(session.scalars(query.order_by(LivechatTrigger.name, LivechatTrigger.id)))
