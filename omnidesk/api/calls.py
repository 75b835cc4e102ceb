"""``omnichannel/calls*``: the call log of the contact center's Calls tab, the generic call-event API for
PBXs and dialers, manual logging, wrap-up, and a contact's calls (``omnichannel/contacts.calls``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from omnidesk.access import Actor, require, sees_all_chats
from omnidesk.actions import calls as call_actions
from omnidesk.api.openapi import errors
from omnidesk.api.shapes import ok, page_bounds, parse_sort
from omnidesk.api.validation import Body, QueryParams, parse_date_range, parse_instant, parse_query
from omnidesk.channels.voice import CallIdentity
from omnidesk.dates import iso
from omnidesk.db import utcnow
from omnidesk.errors import ApiError, Failure, Forbidden
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Call, Contact, User
from omnidesk.queries.calls import (
    SORTABLE_CALL_FIELDS,
    CallFilters,
    call_for_staff,
    contacts_of,
    list_calls,
    previous_call,
)
from omnidesk.queries.contacts import enabled_contact
from omnidesk.shapes.calls import call_shape

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/omnichannel", tags=["calls"])

# The states of models/calls.py (CALL_STATES), spelled out for the schema.
EndedState = Literal["completed", "no-answer", "busy", "failed", "canceled", "voicemail"]
CallState = Literal["ringing", "in-progress", "on-hold", EndedState]
Direction = Literal["inbound", "outbound"]


def call_detail(session: Session, call: Call) -> dict[str, Any]:
    """One call with its wrap-up history and the same contact's previous call."""
    contact = session.get(Contact, call.contact_id) if call.contact_id else None
    shape = call_shape(call, contact=contact)
    shape["wrapUp"]["history"] = list(call.wrapup_history or [])
    before = previous_call(session, call)
    shape["previousCall"] = (
        {"_id": before.id, "ts": iso(before.started_at), "state": before.state, "direction": before.direction}
        if before is not None
        else None
    )
    return shape


def _agent(session: Session, agent_id: str | None) -> User | None:
    if agent_id is None:
        return None
    agent = session.get(User, agent_id)
    if agent is None:
        raise ApiError("error-invalid-agent", "Invalid agent")
    return agent


# --- the Calls tab -----------------------------------------------------------------------------------


class CallsQuery(QueryParams):
    searchText: str | None = None
    agents: list[str] | None = None
    direction: Direction | None = None
    state: list[CallState] | None = None
    queue: str | None = None
    createdAt: str | None = None
    followUp: bool | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None


@router.get("/calls")
def calls(request: Request, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    params = parse_query(CallsQuery, request.query_params, lists={"agents", "state"})
    if not sees_all_chats(session, actor):
        # As the Chats tab: agents list only their own calls, and must say so.
        require(session, actor, "view-l-room")
        if params.agents != [actor.id]:
            raise Forbidden()
    started_from, started_to = parse_date_range(params.createdAt, "createdAt")
    filters = CallFilters(
        agents=params.agents or (),
        direction=params.direction,
        states=params.state or (),
        queue=params.queue,
        started_from=started_from,
        started_to=started_to,
        search=params.searchText,
        follow_up=params.followUp,
    )
    offset, count = page_bounds(params.offset, params.count)
    sort = parse_sort(params.sort, SORTABLE_CALL_FIELDS)
    found, total = list_calls(session, filters=filters, sort=sort, offset=offset, count=count)
    contacts = contacts_of(session, found)
    shapes = [call_shape(call, contact=contacts.get(call.contact_id or "")) for call in found]
    return ok(calls=shapes, count=len(shapes), offset=offset, total=total)


class CallIdQuery(QueryParams):
    callId: str = Field(min_length=1)


@router.get("/calls.get", responses=errors(404))
def get_call(
    params: Annotated[CallIdQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    return ok(call=call_detail(session, call_for_staff(session, actor, params.callId)))


class ContactCallsQuery(QueryParams):
    contactId: str = Field(min_length=1)
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)


@router.get("/contacts.calls", responses=errors(404))
def contact_calls(
    params: Annotated[ContactCallsQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-livechat-contact-history")
    contact = enabled_contact(session, params.contactId)
    if contact is None:
        # The unknown id a path or query names is a 404 here, as for a call; the words are the
        # contact routes' own.
        raise Failure("error-contact-not-found", status_code=404)
    agents = () if sees_all_chats(session, actor) else (actor.id,)
    offset, count = page_bounds(params.offset, params.count)
    found, total = list_calls(
        session,
        filters=CallFilters(contact_id=contact.id, agents=agents),
        sort=[],
        offset=offset,
        count=count,
    )
    shapes = [call_shape(call, contact=contact) for call in found]
    return ok(calls=shapes, count=len(shapes), offset=offset, total=total)


# --- writes ------------------------------------------------------------------------------------------


class CallEventBody(Body):
    externalId: str = Field(min_length=1, max_length=120)
    event: Literal["ringing", "answered", "held", "resumed", "transferred", "ended"]
    provider: str = Field(default="generic", min_length=1, max_length=40)
    direction: Direction = "inbound"
    from_: str | None = Field(default=None, alias="from", max_length=60)
    to: str | None = Field(default=None, max_length=60)
    callerName: str | None = Field(default=None, max_length=200)
    timestamp: str | None = None
    eventId: str | None = Field(default=None, max_length=100)
    agentId: str | None = None
    queue: str | None = Field(default=None, max_length=120)
    departmentId: str | None = None
    state: EndedState | None = None
    recordingUrl: str | None = Field(default=None, max_length=1000)


@router.post("/calls.event")
def call_event(body: CallEventBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "send-voice-call-events")
    agent = _agent(session, body.agentId)
    if body.event == "transferred" and agent is None:
        raise ApiError("error-invalid-agent", "A transfer must name the agent taking the call")
    identity = CallIdentity(
        provider=body.provider,
        external_id=body.externalId,
        direction=body.direction,
        from_number=body.from_ or "",
        to_number=body.to or "",
        caller_name=body.callerName,
    )
    call = call_actions.report_call_event(
        session,
        identity=identity,
        kind=body.event,
        at=parse_instant(body.timestamp) if body.timestamp else utcnow(),
        event_id=body.eventId,
        agent=agent,
        state=body.state,
        queue=body.queue,
        department_id=body.departmentId,
        recording_url=body.recordingUrl,
    )
    return ok(call=call_detail(session, call))


class CallLogBody(Body):
    direction: Direction
    phoneNumber: str = Field(min_length=1, max_length=60)
    lineNumber: str | None = Field(default=None, max_length=60)
    startedAt: str
    answeredAt: str | None = None
    endedAt: str
    state: EndedState | None = None
    queue: str | None = Field(default=None, max_length=120)
    agentId: str | None = None
    notes: str | None = Field(default=None, max_length=20_000)
    tags: list[Annotated[str, Field(max_length=120)]] | None = Field(default=None, max_length=50)


def _logging_agent(session: Session, actor: Actor, agent_id: str | None) -> User:
    require(session, actor, "inbound-voip-calls")
    if agent_id is None or agent_id == actor.id:
        return actor.user
    require(session, actor, "manage-others-voice-calls")
    agent = _agent(session, agent_id)
    assert agent is not None
    return agent


@router.post("/calls.log")
def log_call(body: CallLogBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    agent = _logging_agent(session, actor, body.agentId)
    started, ended = parse_instant(body.startedAt), parse_instant(body.endedAt)
    answered = parse_instant(body.answeredAt) if body.answeredAt else None
    if not started <= (answered or started) <= ended:
        raise ApiError("error-invalid-call-times", "A call starts, is answered and ends in that order")
    ours, theirs = body.lineNumber or "", body.phoneNumber
    inbound = body.direction == "inbound"
    identity = CallIdentity(
        provider="manual",
        external_id=None,
        direction=body.direction,
        from_number=theirs if inbound else ours,
        to_number=ours if inbound else theirs,
    )
    call = call_actions.log_call(
        session,
        by=actor.user,
        agent=agent,
        identity=identity,
        started_at=started,
        answered_at=answered,
        ended_at=ended,
        state=body.state,
        queue=body.queue,
        notes=body.notes,
        tags=body.tags or [],
    )
    return ok(call=call_detail(session, call))


class WrapUpBody(Body):
    callId: str
    notes: str = Field(max_length=20_000)
    tags: list[Annotated[str, Field(max_length=120)]] | None = Field(default=None, max_length=50)


@router.post("/calls.wrapup", responses=errors(404))
def wrap_up(body: WrapUpBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    call = call_for_staff(session, actor, body.callId)
    require(session, actor, "inbound-voip-calls")
    if call.agent_id != actor.id:
        require(session, actor, "manage-others-voice-calls")
    call_actions.wrap_up_call(session, call=call, by=actor.user, notes=body.notes, tags=body.tags or [])
    return ok(call=call_detail(session, call))
