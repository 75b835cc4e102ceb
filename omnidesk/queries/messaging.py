"""Read paths for messaging channels: the accounts admins configure, which account a webhook is for,
a provider message already received, and the customer's last message (WhatsApp's 24-hour window)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from omnidesk.models import ChannelMessage, MessagingChannel


def list_messaging_channels(
    session: Session, *, offset: int, count: int, type: str | None = None
) -> tuple[list[MessagingChannel], int]:
    query = select(MessagingChannel)
    if type is not None:
        query = query.where(MessagingChannel.type == type)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    channels = session.scalars(
        query.order_by(MessagingChannel.created_at, MessagingChannel.id).offset(offset).limit(count)
    )
    return list(channels), total


def channel_with_number(session: Session, *, type: str, phone_number: str) -> MessagingChannel | None:
    return session.scalar(
        select(MessagingChannel).where(
            MessagingChannel.type == type, MessagingChannel.phone_number == phone_number
        )
    )


def channel_with_routing_value(session: Session, *, field: str, value: str) -> MessagingChannel | None:
    """The account whose routing column ``field`` (a channel module's ``routing_field``: unique, so
    indexed) holds ``value``."""
    column = MessagingChannel.__table__.c[field]
    return session.scalar(select(MessagingChannel).where(column == value))


def channel_with_phone_number_id(session: Session, phone_number_id: str) -> MessagingChannel | None:
    return channel_with_routing_value(session, field="phone_number_id", value=phone_number_id)


def channel_with_service_sid(session: Session, service_sid: str) -> MessagingChannel | None:
    return channel_with_routing_value(session, field="messaging_service_sid", value=service_sid)


def sms_channel_for(session: Session, *, to_e164: str | None, service_sid: str) -> MessagingChannel | None:
    """The SMS account an incoming message is for: by our number (``To``), else by its messaging service."""
    if to_e164:
        found = channel_with_number(session, type="sms", phone_number=to_e164)
        if found is not None:
            return found
    return channel_with_service_sid(session, service_sid) if service_sid else None


def sms_channel_for_codes(
    session: Session, *, source_type: str, source_id: str, department_id: str | None
) -> MessagingChannel | None:
    """The SMS account a chat's verification code goes out through: the chat's own when it is an SMS
    chat, else one of the chat's department, else the first one connected. None when there is none."""
    if source_type == "sms":
        own = session.get(MessagingChannel, source_id)
        if own is not None:
            return own
    of_department = case((MessagingChannel.department_id == department_id, 0), else_=1)
    return session.scalar(
        select(MessagingChannel)
        .where(MessagingChannel.type == "sms")
        .order_by(of_department, MessagingChannel.created_at, MessagingChannel.id)
        .limit(1)
    )


def provider_message(session: Session, *, provider: str, external_id: str) -> ChannelMessage | None:
    return session.scalar(
        select(ChannelMessage).where(
            ChannelMessage.provider == provider, ChannelMessage.external_id == external_id
        )
    )


def last_customer_message_at(session: Session, *, channel_id: str, customer: str) -> datetime | None:
    return session.scalar(
        select(func.max(ChannelMessage.occurred_at)).where(
            ChannelMessage.channel_id == channel_id,
            ChannelMessage.customer == customer,
            ChannelMessage.direction == "in",
        )
    )


def outbound_job(
    session: Session, *, provider: str, reference: str | None, external_id: str | None
) -> ChannelMessage | None:
    """The reply a status is about: by our own id when the provider hands it back (it may report a status
    before our worker has recorded the provider's id), else by the provider's id."""
    if reference:
        job = session.get(ChannelMessage, reference)
        if job is not None and job.provider == provider and job.direction == "out":
            return job
    if not external_id:
        return None
    return session.scalar(
        select(ChannelMessage).where(
            ChannelMessage.provider == provider,
            ChannelMessage.external_id == external_id,
            ChannelMessage.direction == "out",
        )
    )
