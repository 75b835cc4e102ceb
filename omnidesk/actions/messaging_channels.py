"""Every write to messaging channels: an admin connects a Twilio SMS number or a WhatsApp Cloud API number,
changes it, removes it. Secrets are kept as given (they are HMAC keys and bearer tokens) and masked by
the API; a masked value sent back keeps the saved secret, so a client may send back what it read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from omnidesk.actions.voice_lines import mask_token
from omnidesk.errors import ApiError
from omnidesk.models import Department, MessagingChannel
from omnidesk.models.messaging import PROVIDERS
from omnidesk.phones import to_e164
from omnidesk.queries.messaging import (
    channel_with_number,
    channel_with_phone_number_id,
    channel_with_service_sid,
)
from omnidesk.queries.settings import default_phone_region

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_PHONE_NUMBER_ID = re.compile(r"^[0-9]{1,64}$")
SECRETS = ("auth_token", "access_token", "app_secret", "verify_token")
SMS_FIELDS = ("account_sid", "auth_token", "messaging_service_sid")
WHATSAPP_FIELDS = ("phone_number_id", "access_token", "app_secret", "verify_token")
API_NAMES = {
    "account_sid": "accountSid",
    "auth_token": "authToken",
    "messaging_service_sid": "messagingServiceSid",
    "phone_number_id": "phoneNumberId",
    "access_token": "accessToken",
    "app_secret": "appSecret",
    "verify_token": "verifyToken",
    "phone_number": "phoneNumber",
}


@dataclass(frozen=True)
class ChannelSettings:
    """What an admin sends; ``None`` leaves a field as it is (on update) or unset (on create)."""

    name: str | None = None
    phone_number: str | None = None
    department_id: str | None = None
    clear_department: bool = False
    account_sid: str | None = None
    auth_token: str | None = None
    messaging_service_sid: str | None = None
    phone_number_id: str | None = None
    access_token: str | None = None
    app_secret: str | None = None
    verify_token: str | None = None


def _invalid(error_type: str, reason: str) -> ApiError:
    return ApiError(error_type, reason)


def _check_fields_belong(type: str, given: ChannelSettings) -> None:
    foreign = WHATSAPP_FIELDS if type == "sms" else SMS_FIELDS
    for field in foreign:
        if getattr(given, field) is not None:
            label = "an SMS" if type == "sms" else "a WhatsApp"
            raise _invalid("error-invalid-params", f"{API_NAMES[field]} is not a setting of {label} channel")


def _phone(session: Session, raw: str, *, type: str, channel_id: str | None) -> str:
    e164 = to_e164(raw, default_region=default_phone_region(session))
    if e164 is None:
        raise _invalid("error-invalid-phone-number", f"{raw!r} is not a valid phone number")
    existing = channel_with_number(session, type=type, phone_number=e164)
    if existing is not None and existing.id != channel_id:
        raise _invalid("error-messaging-channel-exists", f"A {type} channel for {e164} already exists")
    return e164


def _department_id(session: Session, department_id: str) -> str | None:
    if not department_id:
        return None
    if session.get(Department, department_id) is None:
        raise _invalid("error-invalid-department", "The selected department is invalid")
    return department_id


def _secret(raw: str, current: str | None, name: str) -> str:
    if current is not None and raw == mask_token(current):
        return current
    value = raw.strip()
    if not value:
        raise _invalid("error-invalid-params", f"The {name} must not be empty")
    return value


def _apply(session: Session, channel: MessagingChannel, given: ChannelSettings) -> None:
    if given.name is not None:
        if not given.name.strip():
            raise _invalid("error-invalid-params", "The name must not be empty")
        channel.name = given.name.strip()
    if given.phone_number is not None:
        channel.phone_number = (
            _phone(session, given.phone_number, type=channel.type, channel_id=channel.id)
            if given.phone_number.strip() or channel.type == "whatsapp"
            else None
        )
    if given.clear_department:
        channel.department_id = None
    elif given.department_id is not None:
        channel.department_id = _department_id(session, given.department_id)
    if given.account_sid is not None:
        if not _ACCOUNT_SID.match(given.account_sid.strip()):
            raise _invalid(
                "error-invalid-account-sid", "A Twilio account SID is AC followed by 32 hex digits"
            )
        channel.account_sid = given.account_sid.strip()
    if given.messaging_service_sid is not None:
        sid = given.messaging_service_sid.strip()
        if sid and not _SERVICE_SID.match(sid):
            raise _invalid(
                "error-invalid-messaging-service-sid",
                "A Twilio messaging service SID is MG followed by 32 hex digits",
            )
        existing = channel_with_service_sid(session, sid) if sid else None
        if existing is not None and existing.id != channel.id:
            raise _invalid(
                "error-messaging-channel-exists", f"A channel for messaging service {sid} already exists"
            )
        channel.messaging_service_sid = sid or None
    if given.phone_number_id is not None:
        number_id = given.phone_number_id.strip()
        if not _PHONE_NUMBER_ID.match(number_id):
            raise _invalid(
                "error-invalid-phone-number-id", "A WhatsApp phone number id is a string of digits"
            )
        existing = channel_with_phone_number_id(session, number_id)
        if existing is not None and existing.id != channel.id:
            raise _invalid(
                "error-messaging-channel-exists", f"A channel for phone number id {number_id} already exists"
            )
        channel.phone_number_id = number_id
    for field in SECRETS:
        raw = getattr(given, field)
        if raw is not None:
            setattr(channel, field, _secret(raw, getattr(channel, field), API_NAMES[field]))


def _check_complete(channel: MessagingChannel) -> None:
    if channel.type == "sms":
        required = ["account_sid", "auth_token"]
        if not channel.phone_number and not channel.messaging_service_sid:
            raise _invalid(
                "error-invalid-params",
                "An SMS channel needs its phoneNumber or its messagingServiceSid (or both)",
            )
    else:
        required = ["phone_number", "phone_number_id", "access_token", "app_secret", "verify_token"]
    for field in required:
        if not getattr(channel, field):
            raise _invalid("invalid-params", f"must have required property '{API_NAMES[field]}'")


def create_messaging_channel(session: Session, *, type: str, settings: ChannelSettings) -> MessagingChannel:
    if type not in PROVIDERS:
        raise _invalid("error-invalid-params", f"Unknown channel type {type!r}")
    _check_fields_belong(type, settings)
    channel = MessagingChannel(type=type, provider=PROVIDERS[type], name="")
    _apply(session, channel, settings)
    _check_complete(channel)
    if not channel.name:
        label = "SMS" if type == "sms" else "WhatsApp"
        channel.name = f"{label} {channel.phone_number or channel.messaging_service_sid}"
    session.add(channel)
    session.flush()
    return channel


def update_messaging_channel(
    session: Session, *, channel: MessagingChannel, settings: ChannelSettings
) -> MessagingChannel:
    _check_fields_belong(channel.type, settings)
    _apply(session, channel, settings)
    _check_complete(channel)
    session.flush()
    return channel


def delete_messaging_channel(session: Session, *, channel: MessagingChannel) -> None:
    """Remove an account: its chats and their messages stay; their replies can no longer be delivered."""
    session.delete(channel)
    session.flush()
