"""Every write to messaging channels: an admin connects a Twilio SMS number or a WhatsApp Cloud API number,
changes it, removes it. Secrets are kept as given (they are HMAC keys and bearer tokens) and masked by
the API; a masked value sent back keeps the saved secret, so a client may send back what it read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.channels.config import api_name, mask_secret
from omnidesk.channels.registry import CHANNELS, config_of, store_config
from omnidesk.channels.transports import ChannelModule
from omnidesk.errors import ApiError
from omnidesk.models import Department, MessagingChannel
from omnidesk.phones import to_e164
from omnidesk.queries.messaging import channel_with_number, channel_with_routing_value
from omnidesk.queries.settings import default_phone_region


@dataclass(frozen=True)
class ChannelSettings:
    """What an admin sends; ``None`` (or a config field left out) leaves a field as it is (on update)
    or unset (on create). ``config`` holds the channel module's settings by their field names."""

    name: str | None = None
    phone_number: str | None = None
    department_id: str | None = None
    clear_department: bool = False
    config: dict[str, str] = field(default_factory=dict)


def _invalid(error_type: str, reason: str) -> ApiError:
    return ApiError(error_type, reason)


def _check_fields_belong(module: ChannelModule[Any], given: ChannelSettings) -> None:
    own = module.fields()
    for other in CHANNELS.values():
        for name in other.fields():
            if name not in own and name in given.config:
                raise _invalid("error-invalid-params", f"{api_name(name)} is not a setting of {module.noun}")


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
    if current is not None and raw == mask_secret(current):
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
    module = CHANNELS[channel.type]
    current = config_of(channel, module)
    changes: dict[str, str | None] = {}
    for name in module.fields():  # settings first, then secrets, each in the schema's order
        raw = given.config.get(name)
        if raw is None or name in module.secrets:
            continue
        value = module.clean(name, raw)
        if name == module.routing_field and value:
            existing = channel_with_routing_value(session, field=name, value=value)
            if existing is not None and existing.id != channel.id:
                raise _invalid(
                    "error-messaging-channel-exists",
                    f"A channel for {module.routing_label} {value} already exists",
                )
        changes[name] = value
    for name in module.secrets:
        raw = given.config.get(name)
        if raw is not None:
            changes[name] = _secret(raw, getattr(current, name), api_name(name))
    if changes:
        store_config(channel, module, current.model_copy(update=changes))


def _check_complete(channel: MessagingChannel) -> None:
    module = CHANNELS[channel.type]
    module.check_complete(config_of(channel, module), channel.phone_number)


def create_messaging_channel(session: Session, *, type: str, settings: ChannelSettings) -> MessagingChannel:
    module = CHANNELS.get(type)
    if module is None:
        raise _invalid("error-invalid-params", f"Unknown channel type {type!r}")
    _check_fields_belong(module, settings)
    channel = MessagingChannel(type=type, provider=module.provider, name="", config={})
    _apply(session, channel, settings)
    _check_complete(channel)
    if not channel.name:
        routing = getattr(channel, module.routing_field) if module.routing_field else None
        channel.name = f"{module.label} {channel.phone_number or routing}"
    session.add(channel)
    session.flush()
    return channel


def update_messaging_channel(
    session: Session, *, channel: MessagingChannel, settings: ChannelSettings
) -> MessagingChannel:
    _check_fields_belong(CHANNELS[channel.type], settings)
    _apply(session, channel, settings)
    _check_complete(channel)
    session.flush()
    return channel


def delete_messaging_channel(session: Session, *, channel: MessagingChannel) -> None:
    """Remove an account: its chats and their messages stay; their replies can no longer be delivered."""
    session.delete(channel)
    session.flush()
