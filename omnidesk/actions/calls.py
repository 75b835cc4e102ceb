"""Every write to the call log: calls and their events from any source, the contact behind a number,
wrap-up notes, and calls an agent logs by hand.

A call is the fold of its events. Each event is stored once (a repeated delivery has the same dedup
key), then the call's state, times, agent and durations are recomputed from all of its events in time
order. Whatever order callbacks arrive in, and however often, the same set of events gives the same
record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omnidesk.actions.contact_audit import contact_snapshot
from omnidesk.actions.contact_links import add_channel, add_contact_phones
from omnidesk.actions.visitors import channel_visitor
from omnidesk.channels.voice import CallIdentity, ReportedEvent, is_web_url
from omnidesk.db import utcnow
from omnidesk.errors import ApiError, InvalidParams
from omnidesk.events import CallChanged, send_event_on_commit
from omnidesk.models import Call, CallEvent, Contact, ContactChannel, User, Visitor, VoiceLine
from omnidesk.models.calls import ENDED_STATES, MISSED_STATES
from omnidesk.queries.calls import (
    VOICE_SOURCE,
    call_by_external_id,
    caller_is_blocked,
    number_key,
    voice_channel,
    voice_line_by_number,
)
from omnidesk.queries.contacts import contact_of_visitor, contact_with_phone
from omnidesk.queries.settings import region_for_phone
from omnidesk.queries.users import user_by_username

# Events at the same instant apply in the order a call goes through them.
_ORDER = ("ringing", "offered", "declined", "answered", "dequeued", "held", "resumed", "transferred", "info")
_RANK = {kind: rank for rank, kind in enumerate(_ORDER)} | {"ended": len(_ORDER)}

IfBlocked = Literal["refuse", "ignore", "allow"]


@dataclass(frozen=True)
class CallRoute:
    """Where a new call is heading."""

    line: VoiceLine | None = None
    queue: str | None = None
    department_id: str | None = None


class CallerBlocked(ApiError):
    def __init__(self) -> None:
        super().__init__("error-contact-channel-blocked", "The caller's voice channel is blocked")


# --- intake -----------------------------------------------------------------------------------------


def record_call_events(
    session: Session,
    *,
    identity: CallIdentity,
    events: Sequence[ReportedEvent],
    route: CallRoute | None = None,
    if_blocked: IfBlocked = "refuse",
) -> Call | None:
    """Add ``events`` to the call ``identity`` names, creating the call (and linking its contact) on its
    first event. A new inbound call from a blocked caller raises ``CallerBlocked`` (``refuse``), is
    dropped and gives None (``ignore``), or is logged anyway (``allow``: a record of the past)."""
    call = None
    if identity.external_id:
        call = call_by_external_id(session, provider=identity.provider, external_id=identity.external_id)
    created = False
    if call is None:
        try:
            call, created = _create_call(
                session, identity=identity, route=route or CallRoute(), events=events, if_blocked=if_blocked
            )
        except CallerBlocked:
            if if_blocked == "ignore":
                return None
            raise
    handled_by = call.agent_id
    added = [event for event in events if _add_event(session, call, event)]
    if added or created:
        refold_call(session, call)
        lost = handled_by if handled_by != call.agent_id else None  # a transfer: both agents are told
        send_event_on_commit(session, _changed("created" if created else "updated", call, previous=lost))
    return call


def _changed(op: str, call: Call, *, previous: str | None = None) -> CallChanged:
    return CallChanged(
        op=op,
        call_id=call.id,
        state=call.state,
        agent_id=call.agent_id,
        contact_id=call.contact_id,
        previous_agent_id=previous,
    )


def _create_call(
    session: Session,
    *,
    identity: CallIdentity,
    route: CallRoute,
    events: Sequence[ReportedEvent],
    if_blocked: IfBlocked,
) -> tuple[Call, bool]:
    inbound = identity.direction == "inbound"
    customer = (identity.from_number if inbound else identity.to_number).strip()
    ours = (
        route.line.phone_number if route.line else (identity.to_number if inbound else identity.from_number)
    )
    # Our own number: E.164 when it is one of our lines; a national one can only be read in the default.
    line_e164, line_key = number_key(session, ours, via=None) if ours.strip() else (None, "")
    line = route.line or voice_line_by_number(session, line_e164 or line_key)
    if not customer:
        raise ApiError(
            "error-call-number-required",
            "The first event of a call must give the other party's number (from inbound, to outbound)",
        )
    if (
        inbound
        and if_blocked != "allow"
        and caller_is_blocked(session, number=customer, line_number=line_key)
    ):
        raise CallerBlocked()
    customer_e164, _ = number_key(session, customer, via=line_key)
    from_e164, _ = number_key(session, identity.from_number, via=line_key)
    to_e164, _ = number_key(session, identity.to_number, via=line_key)
    started = min((event.at for event in events), default=utcnow())
    for attempt in (1, 2):
        try:
            # A savepoint: another request may be creating the same call (or the same caller's contact)
            # right now; the loser of that race finds the winner's rows on its second try.
            with session.begin_nested():
                contact, channel, visitor = resolve_caller(
                    session, number=customer, line_number=line_key, caller_name=identity.caller_name
                )
                call = Call(
                    provider=identity.provider,
                    external_id=identity.external_id,
                    line_id=line.id if line else None,
                    direction=identity.direction,
                    from_number=identity.from_number.strip()[:60],
                    from_e164=from_e164,
                    to_number=identity.to_number.strip()[:60],
                    to_e164=to_e164,
                    customer_number=customer[:60],
                    customer_e164=customer_e164,
                    caller_name=(identity.caller_name or "")[:200] or None,
                    contact_id=contact.id,
                    visitor_id=visitor.id,
                    queue=route.queue or (line.queue if line else None),
                    department_id=route.department_id or (line.department_id if line else None),
                    started_at=started,
                    tags=[],
                    wrapup_history=[],
                )
                session.add(call)
                session.flush()
                if channel.last_chat_at is None or channel.last_chat_at <= started:
                    channel.last_chat_room_id, channel.last_chat_at = call.id, started
                session.flush()
                return call, True
        except IntegrityError:
            if identity.external_id:
                existing = call_by_external_id(
                    session, provider=identity.provider, external_id=identity.external_id
                )
                if existing is not None:
                    return existing, False
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def resolve_caller(
    session: Session, *, number: str, line_number: str, caller_name: str | None
) -> tuple[Contact, ContactChannel, Visitor]:
    """The contact behind a phone number calling (or called on) ``line_number``.

    Each number is one voice visitor (``channel_type`` "voice", the E.164 number as ``channel_address``)
    with one channel per line. The contact is
    the one that already has that channel; else the enabled contact having the number among its phones
    in any formatting (known contacts first); else the contact of the same visitor on another line; else
    a new unknown contact named after the caller. A national number is read in the line's region
    (else the contact's country when it joins one, else the workspace default)."""
    e164, key = number_key(session, number, via=line_number)
    visitor = channel_visitor(
        session, channel_type=VOICE_SOURCE, address=key, name=caller_name, phone=number[:60] or None
    )
    channel = voice_channel(session, visitor_id=visitor.id, line_number=line_number)
    if channel is not None:
        linked = session.get(Contact, channel.contact_id)
        if linked is not None and linked.enabled:
            return linked, channel, visitor
        session.delete(channel)  # its contact was deleted: the caller starts afresh
        session.flush()
    contact = contact_with_phone(session, e164=e164, number=number) or contact_of_visitor(session, visitor.id)
    before = contact_snapshot(contact) if contact is not None else None
    if contact is None:
        contact = Contact(
            name=(caller_name or number or "Unknown caller")[:200],
            unknown=True,
            custom_fields={},
            conflicting_fields=[],
        )
        session.add(contact)
    if number:
        region = region_for_phone(session, via=line_number, custom_fields=contact.custom_fields)
        add_contact_phones(contact, [number[:60]], regions=[region])
    source = {"type": VOICE_SOURCE, "id": line_number, "label": VOICE_SOURCE}
    channel = add_channel(session, contact=contact, visitor_id=visitor.id, source=source, before=before)
    return contact, channel, visitor


def _add_event(session: Session, call: Call, event: ReportedEvent) -> bool:
    """Store ``event`` unless this call already has it; True when it was new."""
    dedup_key = event.dedup_key[:128]
    known = select(CallEvent.id).where(CallEvent.call_id == call.id, CallEvent.dedup_key == dedup_key)
    if session.scalar(known) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                CallEvent(
                    call_id=call.id,
                    kind=event.kind,
                    occurred_at=event.at,
                    sequence=event.sequence,
                    source=event.source,
                    dedup_key=dedup_key,
                    data=_with_agent(session, event.data),
                )
            )
            session.flush()
    except IntegrityError:  # the same delivery, committed by a concurrent request
        return False
    return True


def _with_agent(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """Complete an agent reference given by id or by username (a softphone's identity)."""
    agent_id, username = data.get("agentId"), data.get("agentUsername")
    if not agent_id and not username:
        return {key: value for key, value in data.items() if key not in ("agentId", "agentUsername")}
    user = session.get(User, agent_id) if agent_id else user_by_username(session, str(username))
    if user is not None:
        return {**data, "agentId": user.id, "agentUsername": user.username}
    return {**data, "agentId": None, "agentUsername": username}


# --- the fold ---------------------------------------------------------------------------------------


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(round((end - start).total_seconds()), 0)


def _agent_of(data: dict[str, Any]) -> tuple[str | None, str | None] | None:
    if data.get("agentId") or data.get("agentUsername"):
        return data.get("agentId"), data.get("agentUsername")
    return None


def _same_agent(one: tuple[str | None, str | None], other: tuple[str | None, str | None]) -> bool:
    return (one[0] is not None and one[0] == other[0]) or (one[0] is None and one[1] == other[1])


def refold_call(session: Session, call: Call) -> None:
    """Recompute everything a call's events determine."""
    events = sorted(
        session.scalars(select(CallEvent).where(CallEvent.call_id == call.id)),
        key=lambda e: (e.occurred_at, _RANK.get(e.kind, len(_ORDER)), e.sequence or 0, e.id),
    )
    if not events:
        return
    ringing = [event.occurred_at for event in events if event.kind == "ringing"]
    started = min(ringing) if ringing else events[0].occurred_at
    answered_at: datetime | None = None
    agent = reserved = None
    queue_wait: int | None = None
    hold_since: datetime | None = None
    hold = 0.0
    ended: CallEvent | None = None
    for event in events:
        data = event.data or {}
        if data.get("queue"):
            call.queue = str(data["queue"])[:120]
        # Events stored before URLs were checked may still hold another scheme.
        if data.get("recordingUrl") and is_web_url(str(data["recordingUrl"])):
            call.recording_url = str(data["recordingUrl"])[:1000]
            call.recording_sid = data.get("recordingSid")
            call.recording_duration = data.get("recordingDuration")
        who = _agent_of(data)
        if event.kind == "offered" and who:
            reserved = who
        elif event.kind == "declined" and who and reserved and _same_agent(reserved, who):
            reserved = None
        elif event.kind == "answered":
            answered_at = answered_at or event.occurred_at
            agent = who or agent
        elif event.kind == "dequeued" and queue_wait is None:
            queue_wait = int(data.get("queueTime") or 0)
        elif event.kind == "transferred" and who:
            agent = who
        elif event.kind == "held" and hold_since is None and ended is None:
            hold_since = event.occurred_at
        elif event.kind == "resumed" and hold_since is not None:
            hold += (event.occurred_at - hold_since).total_seconds()
            hold_since = None
        elif event.kind == "ended":
            ended = event
    ended_at = ended.occurred_at if ended else None
    if answered_at is None and queue_wait is not None:
        answered_at = started + timedelta(seconds=queue_wait)
    if answered_at is not None and ended_at is not None and answered_at > ended_at:
        answered_at = ended_at
    if hold_since is not None and ended_at is not None:
        hold += max((ended_at - hold_since).total_seconds(), 0)
        hold_since = None
    agent = agent or reserved
    call.agent_id, call.agent_username = agent if agent else (None, None)
    call.started_at, call.answered_at, call.ended_at, call.hold_started_at = (
        started,
        answered_at,
        ended_at,
        hold_since,
    )
    call.hold_seconds = round(hold)
    call.waiting_seconds = _seconds(started, answered_at or ended_at)
    talk = _seconds(answered_at, ended_at)
    call.talk_seconds = max(talk - call.hold_seconds, 0) if talk is not None else None
    call.provider_duration = (ended.data or {}).get("duration") if ended else None
    call.state = _state(call, ended=ended, on_hold=hold_since is not None)
    if ended is not None and call.wrapup_state == "none":
        call.wrapup_state = "pending"
    call.follow_up = _needs_follow_up(call)
    session.flush()


def _state(call: Call, *, ended: CallEvent | None, on_hold: bool) -> str:
    if ended is not None:
        explicit = (ended.data or {}).get("state")
        if explicit in ENDED_STATES:
            return str(explicit)
        if call.answered_at is not None:
            return "completed"
        return "voicemail" if call.recording_url else "no-answer"
    if on_hold:
        return "on-hold"
    return "in-progress" if call.answered_at is not None else "ringing"


def _needs_follow_up(call: Call) -> bool:
    """A missed inbound call waits for someone to call back, until its wrap-up is done."""
    return call.direction == "inbound" and call.state in MISSED_STATES and call.wrapup_state != "completed"


# --- the generic API and manual logging ---------------------------------------------------------------


def report_call_event(
    session: Session,
    *,
    identity: CallIdentity,
    kind: str,
    at: datetime,
    event_id: str | None,
    agent: User | None,
    state: str | None,
    queue: str | None,
    department_id: str | None,
    recording_url: str | None,
) -> Call:
    """``omnichannel/calls.event``: one event from a PBX or a dialer."""
    if recording_url is not None and not is_web_url(recording_url):
        raise InvalidParams("recordingUrl must be an absolute http or https URL")
    data: dict[str, Any] = {"queue": queue, "recordingUrl": recording_url}
    if agent is not None:
        data |= {"agentId": agent.id, "agentUsername": agent.username}
    if kind == "ended":
        data["state"] = state
    event = ReportedEvent(
        kind=kind,
        at=at,
        dedup_key=f"api:{event_id}"
        if event_id
        else f"api:{kind}:{at.isoformat()}:{agent.id if agent else ''}",
        source="api",
        data={key: value for key, value in data.items() if value is not None},
    )
    call = record_call_events(
        session,
        identity=identity,
        events=[event],
        route=CallRoute(queue=queue, department_id=department_id),
        if_blocked="refuse",
    )
    assert call is not None  # "refuse" raises instead of dropping
    return call


def log_call(
    session: Session,
    *,
    by: User,
    agent: User,
    identity: CallIdentity,
    started_at: datetime,
    answered_at: datetime | None,
    ended_at: datetime,
    state: str | None,
    queue: str | None,
    notes: str | None,
    tags: Sequence[str],
) -> Call:
    """``omnichannel/calls.log``: a call an agent made or took outside any connected line."""
    who = {"agentId": agent.id, "agentUsername": agent.username}
    events = [
        ReportedEvent(
            "ringing", started_at, "manual:ringing", "manual", data={"queue": queue} if queue else {}
        ),
        ReportedEvent("offered", started_at, "manual:offered", "manual", data=who),
    ]
    if answered_at is not None:
        events.append(ReportedEvent("answered", answered_at, "manual:answered", "manual", data=who))
    events.append(ReportedEvent("ended", ended_at, "manual:ended", "manual", data={"state": state}))
    call = record_call_events(
        session, identity=identity, events=events, route=CallRoute(queue=queue), if_blocked="allow"
    )
    assert call is not None  # "allow" never drops
    if notes is not None:
        wrap_up_call(session, call=call, by=by, notes=notes, tags=tags)
    return call


# --- wrap-up ----------------------------------------------------------------------------------------


def wrap_up_call(session: Session, *, call: Call, by: User, notes: str, tags: Sequence[str]) -> None:
    """Save the agent's notes and disposition tags and close the wrap-up. Saving again later edits
    them; every version stays in the call's wrap-up history."""
    now = utcnow()
    clean_tags = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    entry = {
        "notes": notes,
        "tags": clean_tags,
        "by": {"_id": by.id, "username": by.username},
        "at": now.isoformat(),
    }
    call.wrapup_history = [*(call.wrapup_history or []), entry]
    call.wrapup_notes, call.tags = notes, clean_tags
    call.wrapup_state, call.wrapup_at = "completed", now
    call.wrapup_by_id, call.wrapup_by_username = by.id, by.username
    call.follow_up = _needs_follow_up(call)
    session.flush()
    send_event_on_commit(session, _changed("wrapped-up", call))
