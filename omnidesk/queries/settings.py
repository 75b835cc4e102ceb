"""Reading workspace settings from code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnidesk import defaults
from omnidesk.models import MessagingChannel, Setting, VoiceLine
from omnidesk.phones import region_code, region_of


def settings_by_id(session: Session, setting_ids: Sequence[str]) -> dict[str, Setting]:
    """The rows of these settings, by id (one statement; ids without a row are left out)."""
    return {row.id: row for row in session.scalars(select(Setting).where(Setting.id.in_(setting_ids)))}


PRELOADED = "omnidesk_setting_values"  # session.info: values preload_settings read, by id


def setting_value(session: Session, setting_id: str) -> Any:
    """The current value of a seeded setting (its shipped default if the row is missing)."""
    preloaded = session.info.get(PRELOADED)
    if preloaded is not None and setting_id in preloaded:
        return preloaded[setting_id]
    setting = session.get(Setting, setting_id)
    if setting is not None:
        return setting.value
    return defaults.SETTINGS[setting_id].value


def limit_setting(session: Session, setting_id: str) -> int:
    """A limit from the workspace settings; below 1 it is 1, since a limit cannot be switched off, and a
    value that is not a whole number is the default."""
    value = setting_value(session, setting_id)
    if not isinstance(value, int) or isinstance(value, bool):
        value = defaults.SETTINGS[setting_id].value
    return max(1, int(value))


def setting_values(session: Session, *setting_ids: str) -> dict[str, Any]:
    """Several settings' values in one statement (their shipped defaults for missing rows)."""
    query = select(Setting.id, Setting.value).where(Setting.id.in_(setting_ids))
    rows: dict[str, Any] = {row.id: row.value for row in session.execute(query).all()}
    return {
        setting_id: rows.get(setting_id, defaults.SETTINGS[setting_id].value) for setting_id in setting_ids
    }


def email_delivery_on(session: Session) -> bool:
    """Whether the workspace's email leaves: an empty ``SMTP_Host`` turns delivery off, and queued
    email then waits in ``outbound_emails`` (``workers/mail_delivery``) until it is set."""
    return bool(str(setting_value(session, "SMTP_Host") or "").strip())


# Rocket.Chat's "CRM integration" section: the livechat webhook and lead capture, which read them on
# every message.
CRM_INTEGRATION_SETTINGS = (
    "Livechat_webhookUrl",
    "Livechat_webhook_on_start",
    "Livechat_webhook_on_close",
    "Livechat_webhook_on_chat_taken",
    "Livechat_webhook_on_chat_queued",
    "Livechat_webhook_on_forward",
    "Livechat_webhook_on_offline_msg",
    "Livechat_webhook_on_visitor_message",
    "Livechat_webhook_on_agent_message",
    "Livechat_webhook_on_capture",
    "Livechat_webhook_on_sla_overdue",
    "Livechat_lead_email_regex",
    "Livechat_lead_phone_regex",
)


def preload_settings(session: Session, setting_ids: Sequence[str]) -> None:
    """Read the values of the settings the session has not read yet in one statement (the values only:
    loading them as rows cost more than the statement), so that ``setting_value`` then finds them
    (a message reads a dozen, once each). ``forget_setting`` drops one a change makes stale."""
    preloaded: dict[str, Any] = session.info.setdefault(PRELOADED, {})
    missing = [
        setting_id
        for setting_id in setting_ids
        if setting_id not in preloaded
        and Session.identity_key(Setting, setting_id) not in session.identity_map
    ]
    if missing:
        preloaded.update(setting_values(session, *missing))


def forget_setting(session: Session, setting_id: str) -> None:
    session.info.get(PRELOADED, {}).pop(setting_id, None)


def default_phone_region(session: Session) -> str:
    """The region national phone numbers are read in (``Omnichannel_Default_Phone_Region``)."""
    return str(setting_value(session, "Omnichannel_Default_Phone_Region") or "")


def contact_country_field(session: Session) -> str:
    """The key of the contact custom field that holds a contact's country
    (``Omnichannel_Contact_Country_Field``), "" when the workspace names none."""
    return str(setting_value(session, "Omnichannel_Contact_Country_Field") or "")


def contact_country(session: Session, custom_fields: Mapping[str, Any] | None) -> str | None:
    """The region ("DE") a contact's country custom field names, or None (no such field, no value, not a
    country)."""
    key = contact_country_field(session)
    value = (custom_fields or {}).get(key) if key else None
    return region_code(value) if isinstance(value, str) else None


def region_for_phone(
    session: Session, *, via: str | None = None, custom_fields: Mapping[str, Any] | None = None
) -> str:
    """The region a national number is read in: that of our number it came through (``via``: the
    voice line, the SMS or WhatsApp number), else the contact's country (``custom_fields``), else the
    workspace default."""
    return (
        (region_of(via) if via else None)
        or contact_country(session, custom_fields)
        or default_phone_region(session)
    )


def phone_regions(session: Session) -> list[str]:
    """The regions a national number may be written in: the workspace default first, then those of the
    workspace's own voice lines and SMS/WhatsApp numbers (a team with a London line gets UK callers)."""
    regions = [default_phone_region(session).upper()]
    numbers = session.scalars(
        select(VoiceLine.phone_number).union(
            select(MessagingChannel.phone_number).where(MessagingChannel.phone_number.is_not(None))
        )
    )
    for number in numbers:
        region = region_of(number or "")
        if region and region not in regions:
            regions.append(region)
    return [region for region in regions if region]


def list_settings(
    session: Session, *, public_only: bool, offset: int, count: int
) -> tuple[list[Setting], int]:
    query = select(Setting)
    if public_only:
        query = query.where(Setting.public.is_(True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(session.scalars(query.order_by(Setting.id).offset(offset).limit(count))), total
