"""The webhooks SMS and WhatsApp providers call: a customer's message arriving, and what became of the
messages we sent. No user authentication: each request is proven by the provider's signature with the
account's secret, and refused with 403 ``error-invalid-signature`` otherwise."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session

from omnidesk.actions.messaging_intake import InboundText, department_by_id_or_name, receive_message
from omnidesk.actions.messaging_replies import apply_delivery_status
from omnidesk.api.shapes import ok
from omnidesk.api.voice_lines import TwilioRequest, TwilioRequestDep
from omnidesk.channels import sms_twilio, whatsapp_cloud
from omnidesk.channels.registry import config_of
from omnidesk.channels.twilio_signature import is_valid_signature
from omnidesk.errors import ApiError, InvalidParams, NotFound
from omnidesk.http.deps import ServicesDep, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.input_rules import check_value, loads_json
from omnidesk.models import MessagingChannel
from omnidesk.phones import to_e164
from omnidesk.queries.messaging import channel_with_phone_number_id, outbound_job, sms_channel_for
from omnidesk.queries.settings import default_phone_region
from omnidesk.services import Services

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/livechat", tags=["messaging webhooks"])


def _invalid_signature(header: str) -> ApiError:
    return ApiError("error-invalid-signature", f"Invalid {header}", status_code=403)


def _twiml(document: str = sms_twilio.EMPTY_RESPONSE) -> Response:
    return Response(content=document, media_type=sms_twilio.TWIML_MEDIA_TYPE)


def _check_twilio_signature(services: Services, channel: MessagingChannel, form: TwilioRequest) -> None:
    """The signed URL is rebuilt from OMNIDESK_PUBLIC_URL, the address Twilio was given."""
    url = services.settings.public_url + form.path_and_query
    auth_token = config_of(channel, sms_twilio.CHANNEL).auth_token
    if not is_valid_signature(auth_token or "", url, form.params, form.signature):
        raise _invalid_signature("X-Twilio-Signature")


# --- SMS through Twilio ---------------------------------------------------------------------------------


@router.post("/sms-incoming/twilio")
def twilio_sms_incoming(
    form: TwilioRequestDep, request: Request, session: SessionDep, services: ServicesDep
) -> Response:
    sms = sms_twilio.IncomingSms.from_params(form.params)
    if not sms.get("To"):
        raise InvalidParams("must have required property 'To'")
    to_e164_number = to_e164(sms.get("To"), default_region=default_phone_region(session))
    channel = sms_channel_for(session, to_e164=to_e164_number, service_sid=sms.get("MessagingServiceSid"))
    if channel is None:
        raise NotFound("No SMS channel for this number")
    _check_twilio_signature(services, channel, form)
    if (missing := sms_twilio.missing_field(sms)) is not None:
        raise InvalidParams(f"must have required property '{missing}'")
    department = request.query_params.get("department")  # Rocket.Chat's ?department=, by id or name
    receive_message(
        session,
        channel=channel,
        department_id=department_by_id_or_name(session, department) if department else None,
        inbound=InboundText(
            external_id=sms.message_sid,
            from_number=sms.get("From"),
            to_number=sms.get("To"),
            text=sms.text,
            payload=dict(form.params),
        ),
    )
    return _twiml()


@router.post("/sms-incoming/twilio/{channelId}/status")
def twilio_sms_status(
    channelId: str, form: TwilioRequestDep, request: Request, session: SessionDep, services: ServicesDep
) -> Response:
    channel = session.get(MessagingChannel, channelId)
    if channel is None or channel.type != "sms":
        raise NotFound("SMS channel not found")
    _check_twilio_signature(services, channel, form)
    callback = sms_twilio.status_callback(form.params)
    job = outbound_job(
        session,
        provider=channel.provider,
        reference=request.query_params.get("ref"),
        external_id=callback.message_sid,
    )
    if job is not None and callback.delivery_status is not None:
        apply_delivery_status(
            session,
            job=job,
            status=callback.delivery_status,
            error=callback.error,
            external_id=callback.message_sid,
        )
    return _twiml()


# --- WhatsApp Cloud API ---------------------------------------------------------------------------------


def _whatsapp_channel(session: Session, channel_id: str) -> MessagingChannel:
    channel = session.get(MessagingChannel, channel_id)
    if channel is None or channel.type != "whatsapp":
        raise NotFound("WhatsApp channel not found")
    return channel


@router.get("/whatsapp-incoming/{channelId}")
def whatsapp_verify(channelId: str, request: Request, session: SessionDep) -> Response:
    channel = _whatsapp_channel(session, channelId)
    challenge = whatsapp_cloud.verification_answer(
        dict(request.query_params), verify_token=config_of(channel, whatsapp_cloud.CHANNEL).verify_token or ""
    )
    if challenge is None:
        raise ApiError("error-invalid-verify-token", "The verify token does not match", status_code=403)
    return PlainTextResponse(challenge)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _notification(body: bytes) -> dict[str, Any]:
    """A notification's JSON, checked for its outline before the signature, as any body is."""
    try:
        payload = loads_json(body)
    except ValueError:
        raise InvalidParams("must be valid JSON") from None
    if not isinstance(payload, dict):
        raise InvalidParams("must be object")
    check_value(payload)
    if not isinstance(payload.get("entry"), list):
        raise InvalidParams("must have required property 'entry'")
    return payload


def account_for_change(
    session: Session, signed_by: MessagingChannel, phone_number_id: str
) -> MessagingChannel | None:
    """The WhatsApp account a notification's change is for. Meta sends all of an app's notifications to
    one callback URL, so a change may be for another number of the same app: it is accepted for an
    account with the same app secret (the signature proved the app), never for another app's number."""
    if not phone_number_id or phone_number_id == signed_by.phone_number_id:
        return signed_by
    other = channel_with_phone_number_id(session, phone_number_id)
    if other is None or other.type != "whatsapp":
        return None
    module = whatsapp_cloud.CHANNEL
    return other if whatsapp_cloud.same_app(config_of(other, module), config_of(signed_by, module)) else None


@router.post("/whatsapp-incoming/{channelId}")
def whatsapp_notification(
    channelId: str, body: RawBody, request: Request, session: SessionDep
) -> dict[str, Any]:
    payload = _notification(body)
    channel = _whatsapp_channel(session, channelId)
    signature = request.headers.get(whatsapp_cloud.SIGNATURE_HEADER, "")
    if not whatsapp_cloud.is_valid_signature(
        config_of(channel, whatsapp_cloud.CHANNEL).app_secret or "", body, signature
    ):
        raise _invalid_signature(whatsapp_cloud.SIGNATURE_HEADER)
    messages, statuses = whatsapp_cloud.parse_notification(payload)
    for message in messages:
        target = account_for_change(session, channel, message.phone_number_id)
        if target is None:
            continue
        receive_message(
            session,
            channel=target,
            inbound=InboundText(
                external_id=message.wamid,
                from_number="+" + message.wa_id.lstrip("+"),
                to_number=target.phone_number or "",
                text=message.text,
                profile_name=message.profile_name,
                sent_at=message.sent_at,
                payload=message.raw,
            ),
        )
    for status in statuses:
        job = outbound_job(
            session, provider=channel.provider, reference=status.reference, external_id=status.wamid
        )
        if job is not None and status.delivery_status is not None:
            target = account_for_change(session, channel, status.phone_number_id)
            if target is not None and job.channel_id == target.id:
                apply_delivery_status(
                    session,
                    job=job,
                    status=status.delivery_status,
                    error=status.error,
                    external_id=status.wamid,
                )
    return ok()
