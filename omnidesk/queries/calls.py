"""Read paths for calls and voice lines: the Calls listing with its search, one call with the caller's
previous call, a contact's calls, and the lookups the intake needs (caller's voice channel, routing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from omnidesk.access import Actor, can_see_call, require
from omnidesk.errors import ApiError, Forbidden
from omnidesk.models import Call, Contact, ContactChannel, User, Visitor, VoiceLine
from omnidesk.phones import to_e164
from omnidesk.queries.search.contacts import matching_contact_ids
from omnidesk.queries.search.index import digits, needle_for
from omnidesk.queries.settings import default_phone_region, region_for_phone, setting_value
from omnidesk.queries.visitors import visitor_on_channel

VOICE_SOURCE = "voice"


# --- the caller behind a number ----------------------------------------------------------------------


def number_key(session: Session, number: str, *, via: str | None) -> tuple[str | None, str]:
    """The E.164 form of ``number`` (None when it does not parse; a national number is read in the
    region of ``via``, the line it came through) and the key its voice visitor is filed under: the
    E.164 form, else the number as received."""
    e164 = to_e164(number, default_region=region_for_phone(session, via=via)) if number.strip() else None
    return e164, e164 or number.strip() or "unknown"


def voice_visitor(session: Session, number: str, *, line_number: str) -> Visitor | None:
    _, key = number_key(session, number, via=line_number)
    return visitor_on_channel(session, channel_type=VOICE_SOURCE, address=key)


def voice_channel(session: Session, *, visitor_id: str, line_number: str) -> ContactChannel | None:
    return session.scalar(
        select(ContactChannel).where(
            ContactChannel.visitor_id == visitor_id,
            ContactChannel.source_type == VOICE_SOURCE,
            ContactChannel.source_id == line_number,
        )
    )


def caller_is_blocked(session: Session, *, number: str, line_number: str) -> bool:
    """Whether staff blocked this caller's voice channel on this line (contacts.block)."""
    visitor = voice_visitor(session, number, line_number=line_number)
    if visitor is None:
        return False
    channel = voice_channel(session, visitor_id=visitor.id, line_number=line_number)
    return channel is not None and channel.blocked


def agent_for_incoming_call(session: Session, call: Call) -> User | None:
    """The agent to ring first: the caller's contact manager when that routing is on and the manager
    is taking conversations. Otherwise the caller waits in the line's queue."""
    if not call.contact_id or not setting_value(session, "Omnichannel_contact_manager_routing"):
        return None
    contact = session.get(Contact, call.contact_id)
    if contact is None or not contact.contact_manager_id:
        return None
    manager = session.get(User, contact.contact_manager_id)
    if manager is None or not manager.active or manager.livechat_status != "available":
        return None
    return manager


def call_by_external_id(session: Session, *, provider: str, external_id: str) -> Call | None:
    return session.scalar(select(Call).where(Call.provider == provider, Call.external_id == external_id))


# --- who may see what --------------------------------------------------------------------------------


def call_for_staff(session: Session, actor: Actor, call_id: str) -> Call:
    """Fetch a call for a staff member: supervisors see every call, an agent the calls it handled."""
    require(session, actor, "view-l-room")
    call = session.get(Call, call_id) if call_id else None
    if call is None:
        raise ApiError("error-call-not-found", "Call not found", status_code=404)
    if not can_see_call(session, actor, call):
        raise Forbidden()
    return call


# --- the Calls listing -------------------------------------------------------------------------------


@dataclass
class CallFilters:
    agents: Sequence[str] = ()
    direction: str | None = None
    states: Sequence[str] = ()
    queue: str | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    search: str | None = None
    contact_id: str | None = None
    follow_up: bool | None = None


SORTABLE_CALL_FIELDS: dict[str, Any] = {
    "ts": Call.started_at,
    "fname": Contact.name,
    "phone": Call.customer_e164,
    "queue": Call.queue,
    "direction": Call.direction,
    "state": Call.state,
    "callDuration": Call.talk_seconds,
    "callWaitingTime": Call.waiting_seconds,
    "endedAt": Call.ended_at,
    "servedBy.username": Call.agent_username,
}


def _search_condition(session: Session, text: str) -> ColumnElement[bool] | None:
    """By the contact's name, emails or phones (the contact search index), or by the caller's number
    in any formatting: a phone-like search is compared digit by digit with the E.164 form."""
    needle = needle_for(session, text)
    if not needle:
        return None
    conditions: list[ColumnElement[bool]] = []
    matches = matching_contact_ids(session, needle)
    if matches is not None:
        conditions.append(Call.contact_id.in_(matches))
    if needle.isdigit():
        needles = {needle}
        e164 = to_e164(text, default_region=default_phone_region(session))
        if e164:
            needles.add(digits(e164))
        conditions += [Call.customer_e164.contains(each, autoescape=True) for each in needles]
    conditions.append(func.lower(Call.customer_number).contains(text.strip().lower(), autoescape=True))
    return or_(*conditions)


def list_calls(
    session: Session, *, filters: CallFilters, sort: Sequence[tuple[str, int]], offset: int, count: int
) -> tuple[list[Call], int]:
    query = select(Call).outerjoin(Contact, Contact.id == Call.contact_id)
    if filters.agents:
        query = query.where(Call.agent_id.in_(filters.agents))
    if filters.direction:
        query = query.where(Call.direction == filters.direction)
    if filters.states:
        query = query.where(Call.state.in_(filters.states))
    if filters.queue:
        query = query.where(Call.queue == filters.queue)
    if filters.started_from is not None:
        query = query.where(Call.started_at >= filters.started_from)
    if filters.started_to is not None:
        query = query.where(Call.started_at <= filters.started_to)
    if filters.contact_id:
        query = query.where(Call.contact_id == filters.contact_id)
    if filters.follow_up is not None:
        query = query.where(Call.follow_up.is_(filters.follow_up))
    if filters.search and (condition := _search_condition(session, filters.search)) is not None:
        query = query.where(condition)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    # Calls without a value (no talk time yet...) sort last either way, on both engines.
    order = [
        (
            SORTABLE_CALL_FIELDS[name].asc() if direction > 0 else SORTABLE_CALL_FIELDS[name].desc()
        ).nulls_last()
        for name, direction in sort
    ] or [Call.started_at.desc()]
    calls = session.scalars(query.order_by(*order, Call.id.desc()).offset(offset).limit(count)).all()
    return list(calls), total


def contacts_of(session: Session, calls: Sequence[Call]) -> dict[str, Contact]:
    ids = {call.contact_id for call in calls if call.contact_id}
    if not ids:
        return {}
    return {contact.id: contact for contact in session.scalars(select(Contact).where(Contact.id.in_(ids)))}


def previous_call(session: Session, call: Call) -> Call | None:
    """The contact's call before this one (Rocket.Chat's "Last call" in the call information)."""
    if not call.contact_id:
        return None
    return session.scalar(
        select(Call)
        .where(
            Call.contact_id == call.contact_id,
            Call.id != call.id,
            or_(
                Call.started_at < call.started_at,
                (Call.started_at == call.started_at) & (Call.id < call.id),
            ),
        )
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(1)
    )


# --- voice lines -------------------------------------------------------------------------------------


def list_voice_lines(session: Session, *, offset: int, count: int) -> tuple[list[VoiceLine], int]:
    total = session.scalar(select(func.count()).select_from(VoiceLine)) or 0
    lines = session.scalars(
        select(VoiceLine).order_by(VoiceLine.phone_number, VoiceLine.id).offset(offset).limit(count)
    ).all()
    return list(lines), total


def voice_line_by_number(session: Session, phone_number: str) -> VoiceLine | None:
    return session.scalar(select(VoiceLine).where(VoiceLine.phone_number == phone_number))
