"""``omnichannel/voice.lines``: the phone numbers admins connect, and the Twilio Voice webhooks each line
receives (form-encoded, signed with the line's auth token, answered with TwiML). Each line as returned
names the webhook URLs to paste into the provider's console; secrets are masked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field
from sqlalchemy.orm import Session

from omnidesk.access import fetch_for_admin, require
from omnidesk.actions import voice_lines as line_actions
from omnidesk.actions.calls import CallRoute, record_call_events
from omnidesk.api.shapes import ok, page_bounds
from omnidesk.api.validation import Body, QueryParams
from omnidesk.channels import voice_twilio as twilio
from omnidesk.channels.config import api_name, mask_secret
from omnidesk.channels.voice_registry import PROVIDERS, line_config_of, provider_for
from omnidesk.dates import iso
from omnidesk.db import utcnow
from omnidesk.errors import ApiError, InvalidParams, NotFound
from omnidesk.http.deps import CurrentActor, ServicesDep, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.input_rules import check_value, loads_json
from omnidesk.models import VoiceLine
from omnidesk.queries.calls import agent_for_incoming_call, list_voice_lines
from omnidesk.services import Services

PERMISSION = "manage-voice-lines"
MISSING = "Voice line not found"

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/omnichannel", tags=["voice lines"])


def line_shape(line: VoiceLine, *, public_url: str) -> dict[str, Any]:
    shape: dict[str, Any] = {"_id": line.id, "phoneNumber": line.phone_number, "provider": line.provider}
    provider = provider_for(line.provider)
    config = line_config_of(line, provider)
    for field in provider.fields():
        value = getattr(config, field)
        if field in provider.secrets:
            value = mask_secret(value) if value else None
        shape[api_name(field)] = value
    return shape | {
        "queue": line.queue,
        "departmentId": line.department_id,
        **provider.webhook_urls(public_url, line.id),
        "_createdAt": iso(line.created_at),
        "_updatedAt": iso(line.updated_at),
    }


class PageQuery(QueryParams):
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)


@router.get("/voice.lines")
def list_lines(
    params: Annotated[PageQuery, Query()], actor: CurrentActor, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    require(session, actor, "manage-voice-lines")
    offset, count = page_bounds(params.offset, params.count)
    lines, total = list_voice_lines(session, offset=offset, count=count)
    shapes = [line_shape(line, public_url=services.settings.public_url) for line in lines]
    return ok(lines=shapes, count=len(shapes), offset=offset, total=total)


class VoiceLineCreate(Body):
    phoneNumber: str = Field(min_length=1, max_length=60)
    provider: Literal["twilio"]
    # Twilio
    accountSid: str = Field(max_length=64)
    authToken: str = Field(min_length=1, max_length=255)
    queue: str = Field(min_length=1, max_length=120)
    departmentId: str | None = None


@router.post("/voice.lines")
def create_line(
    body: VoiceLineCreate, actor: CurrentActor, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    require(session, actor, "manage-voice-lines")
    line = line_actions.create_voice_line(
        session,
        phone_number=body.phoneNumber,
        provider=body.provider,
        config=_config(body),
        queue=body.queue,
        department_id=body.departmentId,
    )
    return ok(line=line_shape(line, public_url=services.settings.public_url))


@router.get("/voice.lines/{lineId}")
def get_line(lineId: str, actor: CurrentActor, session: SessionDep, services: ServicesDep) -> dict[str, Any]:
    line = fetch_for_admin(session, actor, VoiceLine, lineId, permission=PERMISSION, missing=MISSING)
    return ok(line=line_shape(line, public_url=services.settings.public_url))


class VoiceLineUpdate(Body):
    phoneNumber: str | None = Field(default=None, min_length=1, max_length=60)
    provider: Literal["twilio"] | None = None
    # Twilio
    accountSid: str | None = Field(default=None, max_length=64)
    authToken: str | None = Field(default=None, min_length=1, max_length=255)
    queue: str | None = Field(default=None, min_length=1, max_length=120)
    departmentId: str | None = None  # null removes the department


# Each config field of every voice provider, by its name in the API (the bodies above list them all).
CONFIG_FIELDS = {api_name(field): field for provider in PROVIDERS.values() for field in provider.fields()}
assert all(set(CONFIG_FIELDS) <= set(body.model_fields) for body in (VoiceLineCreate, VoiceLineUpdate)), (
    "a voice provider's config field is not in the API"
)


def _config(body: Body) -> dict[str, str]:
    """The provider settings a body gives, by their field names."""
    given = body.model_dump()
    return {field: given[name] for name, field in CONFIG_FIELDS.items() if given.get(name) is not None}


@router.put("/voice.lines/{lineId}")
def update_line(
    lineId: str, body: VoiceLineUpdate, actor: CurrentActor, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    line = fetch_for_admin(session, actor, VoiceLine, lineId, permission=PERMISSION, missing=MISSING)
    line_actions.update_voice_line(
        session,
        line=line,
        phone_number=body.phoneNumber,
        config=_config(body),
        queue=body.queue,
        department_id=body.departmentId,
        clear_department="departmentId" in body.model_fields_set and body.departmentId is None,
    )
    return ok(line=line_shape(line, public_url=services.settings.public_url))


@router.delete("/voice.lines/{lineId}")
def delete_line(lineId: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    line_actions.delete_voice_line(
        session,
        line=fetch_for_admin(session, actor, VoiceLine, lineId, permission=PERMISSION, missing=MISSING),
    )
    return ok()


# --- Twilio Voice webhooks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TwilioRequest:
    params: list[tuple[str, str]]
    signature: str
    path_and_query: str
    agent_id: str | None  # our <Dial> action URL names the agent it rang


async def twilio_request(request: Request) -> TwilioRequest:
    """Read a Twilio webhook: a form-encoded body. Anything else is refused before the signature check,
    with the same 400s as a malformed JSON body elsewhere."""
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        try:
            parsed = loads_json(body) if body else None
        except ValueError:
            raise InvalidParams("must be valid JSON") from None
        if not isinstance(parsed, dict):
            raise InvalidParams("must be object")
        raise InvalidParams("must be application/x-www-form-urlencoded")
    try:
        params = twilio.parse_form(body)
    except ValueError:
        raise InvalidParams("must be application/x-www-form-urlencoded") from None
    check_value(params)
    query = request.url.query
    return TwilioRequest(
        params=params,
        signature=request.headers.get(twilio.SIGNATURE_HEADER, ""),
        path_and_query=request.url.path + (f"?{query}" if query else ""),
        agent_id=request.query_params.get("agentId"),
    )


TwilioRequestDep = Annotated[TwilioRequest, Depends(twilio_request)]


def _signed_callback(
    session: Session, services: Services, line_id: str, form: TwilioRequest
) -> tuple[VoiceLine, twilio.VoiceCallback]:
    """The line a webhook is for, once its signature proves it came from that line's Twilio account.
    The signed URL is rebuilt from OMNIDESK_PUBLIC_URL, the address Twilio was given."""
    line = session.get(VoiceLine, line_id)
    if line is None or line.provider != twilio.PROVIDER.provider:
        raise NotFound("Voice line not found")
    token = line_config_of(line, twilio.PROVIDER).auth_token or ""
    url = services.settings.public_url + form.path_and_query
    if not twilio.is_valid_signature(token, url, form.params, form.signature):
        raise ApiError("error-invalid-signature", "Invalid X-Twilio-Signature", status_code=403)
    callback = twilio.VoiceCallback.from_params(form.params)
    if (missing := twilio.missing_field(callback)) is not None:
        raise InvalidParams(f"must have required property '{missing}'")
    return line, callback


def _twiml(document: str) -> Response:
    return Response(content=document, media_type=twilio.TWIML_MEDIA_TYPE)


@router.post("/voice/twilio/{lineId}/incoming")
def twilio_incoming(
    lineId: str, form: TwilioRequestDep, session: SessionDep, services: ServicesDep
) -> Response:
    line, callback = _signed_callback(session, services, lineId, form)
    call = record_call_events(
        session,
        identity=twilio.call_identity(callback, line_number=line.phone_number),
        events=[twilio.incoming_event(form.params, received_at=utcnow())],
        route=CallRoute(line=line),
        if_blocked="ignore",
    )
    if call is None:
        return _twiml(twilio.reject())
    status_url = twilio.status_callback_url(services.settings.public_url, line.id)
    agent = agent_for_incoming_call(session, call)
    if agent is not None:
        action_url = f"{status_url}?agentId={agent.id}"
        return _twiml(twilio.dial_agent(agent.username, action_url=action_url, status_url=status_url))
    return _twiml(twilio.enqueue(call.queue or line.queue, action_url=status_url))


@router.post("/voice/twilio/{lineId}/status")
def twilio_status(
    lineId: str, form: TwilioRequestDep, session: SessionDep, services: ServicesDep
) -> Response:
    line, callback = _signed_callback(session, services, lineId, form)
    event = twilio.status_event(form.params, received_at=utcnow(), dialled_agent_id=form.agent_id)
    call = record_call_events(
        session,
        identity=twilio.call_identity(callback, line_number=line.phone_number),
        events=[event],
        route=CallRoute(line=line),
        if_blocked="ignore",
    )
    if callback.get("DialCallStatus") and callback.get("DialCallStatus") != "completed" and call is not None:
        # The agent did not pick up: the caller waits in the queue instead.
        status_url = twilio.status_callback_url(services.settings.public_url, line.id)
        return _twiml(twilio.enqueue(call.queue or line.queue, action_url=status_url))
    if callback.get("DialCallStatus") or callback.get("QueueResult"):
        return _twiml(twilio.hangup())
    return _twiml(twilio.empty_response())
