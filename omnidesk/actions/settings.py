"""Writes to workspace settings, with each value checked against its setting's type."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from omnidesk.actions import verification
from omnidesk.actions.business_hours import apply_business_hours
from omnidesk.actions.messages import MAX_MESSAGE_LENGTH
from omnidesk.actions.routing import route_waiting_chats
from omnidesk.errors import ApiError
from omnidesk.events import SettingChanged, send_event_on_commit
from omnidesk.models import CustomField, EmailInbox, MessagingChannel, Setting, VoiceLine
from omnidesk.phones import region_code
from omnidesk.queries.settings import forget_setting
from omnidesk.secret_box import box


def validate_setting_value(setting: Setting, value: Any) -> Any:
    keys = [option["key"] for option in setting.values or []]
    valid = {
        "boolean": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "select": isinstance(value, str) and value in keys,
        "multiSelect": isinstance(value, list)
        and all(isinstance(item, str) and item in keys for item in value),
    }.get(setting.type, False)
    if not valid:
        expected = {
            "boolean": "a boolean",
            "int": "an integer",
            "string": "a string",
            "select": "one of " + ", ".join(str(key) for key in keys),
            "multiSelect": "a list of " + ", ".join(str(key) for key in keys),
        }.get(setting.type, setting.type)
        raise ApiError("error-invalid-setting-value", f"The value of {setting.id} must be {expected}")
    if setting.type == "multiSelect":
        return list(dict.fromkeys(value))
    return value


def _phone_region_setting(session: Session, setting: Setting, value: str) -> str:
    """A region national numbers are read in: an ISO 3166 code phone numbers know, or "" for none."""
    if not value.strip():
        return ""
    region = region_code(value)
    if region is None:
        raise ApiError(
            "error-invalid-setting-value",
            f"The value of {setting.id} must be a region's ISO 3166 code, such as US or GB",
        )
    return region


def _contact_country_field_setting(session: Session, setting: Setting, value: str) -> str:
    """The contact custom field holding a contact's country: the key of a visitor-scope field, or ""."""
    key = value.strip()
    field = session.get(CustomField, key) if key else None
    if key and (field is None or field.scope != "visitor"):
        raise ApiError(
            "error-invalid-setting-value",
            f"The value of {setting.id} must be the key of a contact custom field (or empty)",
        )
    return key


def _non_negative_setting(session: Session, setting: Setting, value: int) -> int:
    if value < 0 or value > 1_000_000:
        raise ApiError("error-invalid-setting-value", f"The value of {setting.id} must be from 0 to 1000000")
    return value


# A colour the widget puts in its CSS: #rgb, #rgba, #rrggbb or #rrggbbaa, nothing a stylesheet could
# read as more than a colour.
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


def _colour_setting(session: Session, setting: Setting, value: str) -> str:
    colour = value.strip()
    if not _HEX_COLOUR.fullmatch(colour):
        raise ApiError(
            "error-invalid-setting-value", f"The value of {setting.id} must be a hex colour, such as #1D74F5"
        )
    return colour


def _optional_colour_setting(session: Session, setting: Setting, value: str) -> str:
    return _colour_setting(session, setting, value) if value.strip() else ""


# The widget's texts: a title or a paragraph, never a document.
MAX_WIDGET_TEXT = 5000


def _widget_text_setting(session: Session, setting: Setting, value: str) -> str:
    if len(value) > MAX_WIDGET_TEXT:
        raise ApiError(
            "error-invalid-setting-value",
            f"The value of {setting.id} cannot be longer than {MAX_WIDGET_TEXT} characters",
        )
    return value


def _offline_email_setting(session: Session, setting: Setting, value: str) -> str:
    address = value.strip()
    if address and (len(address) > 320 or not re.fullmatch(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+", address)):
        raise ApiError("error-invalid-setting-value", f"The value of {setting.id} must be an email address")
    return address


def _character_limit_setting(session: Session, setting: Setting, value: int) -> int:
    if value < 0 or value > MAX_MESSAGE_LENGTH:
        raise ApiError(
            "error-invalid-setting-value", f"The value of {setting.id} must be from 0 to {MAX_MESSAGE_LENGTH}"
        )
    return value


def _max_file_size_setting(session: Session, setting: Setting, value: int) -> int:
    if value < -1:
        raise ApiError("error-invalid-setting-value", f"The value of {setting.id} must be -1 or more")
    return value


_WIDGET_TEXTS = (
    "Livechat_title",
    "Livechat_offline_title",
    "Livechat_offline_message",
    "Livechat_offline_success_message",
    "Livechat_offline_form_unavailable",
    "Livechat_conversation_finished_message",
    "Livechat_conversation_finished_text",
    "Livechat_registration_form_message",
    "Livechat_transcript_message",
)


MAX_WEBHOOK_URL_LENGTH = 2048
WEBHOOK_TIMEOUT_RANGE_MS = (1000, 20_000)


def _invalid(setting: Setting, what: str) -> ApiError:
    return ApiError("error-invalid-setting-value", f"The value of {setting.id} must be {what}")


def _webhook_url_setting(session: Session, setting: Setting, value: str) -> str:
    """Where the livechat webhook posts: an absolute http or https URL without credentials, or ""."""
    url = value.strip()
    if not url:
        return ""
    what = "an http or https URL (or empty)"
    if len(url) > MAX_WEBHOOK_URL_LENGTH or any(ord(character) <= 0x20 for character in url):
        raise _invalid(setting, what)
    try:
        parts = urlsplit(url)
        port_given = parts.port is not None  # a port that is not a number raises here
    except ValueError:
        raise _invalid(setting, what) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or (port_given and not parts.port):
        raise _invalid(setting, what)
    if parts.username is not None or parts.password is not None:
        raise _invalid(setting, "a URL without credentials (the secret token is sent in a header)")
    return url


def _webhook_token_setting(session: Session, setting: Setting, value: str) -> str:
    """Sent as an HTTP header: printable ASCII only, so no value can add a header of its own."""
    token = value.strip()
    if len(token) > 1000 or any(not 0x20 <= ord(character) < 0x7F for character in token):
        raise _invalid(setting, "at most 1000 printable ASCII characters")
    return token


def _webhook_timeout_setting(session: Session, setting: Setting, value: int) -> int:
    low, high = WEBHOOK_TIMEOUT_RANGE_MS
    if not low <= value <= high:
        raise _invalid(setting, f"between {low} and {high} (milliseconds)")
    return value


def _pattern_setting(session: Session, setting: Setting, value: str) -> str:
    """A regular expression the lead capture runs over visitors' messages, or "" for none."""
    if len(value) > 1000:
        raise _invalid(setting, "a regular expression of at most 1000 characters")
    try:
        re.compile(value)
    except re.error as error:
        raise _invalid(setting, f"a regular expression ({error})") from None
    return value


# Settings whose value means more than its type says: checked (and normalised) before they are saved.
_VALUE_CHECKS: dict[str, Callable[[Session, Setting, Any], Any]] = {
    "Omnichannel_Default_Phone_Region": _phone_region_setting,
    "Omnichannel_Contact_Country_Field": _contact_country_field_setting,
    "Livechat_maximum_chats_per_agent": _non_negative_setting,
    "Livechat_agent_leave_action_timeout": _non_negative_setting,
    "Livechat_visitor_inactivity_timeout": _non_negative_setting,
    "Livechat_auto_transfer_chat_timeout": _non_negative_setting,
    "Livechat_title_color": _colour_setting,
    "Livechat_offline_title_color": _colour_setting,
    "Livechat_background": _optional_colour_setting,
    "Livechat_offline_email": _offline_email_setting,
    "Livechat_message_character_limit": _character_limit_setting,
    "FileUpload_MaxFileSize": _max_file_size_setting,
    **dict.fromkeys(_WIDGET_TEXTS, _widget_text_setting),
    "Livechat_webhookUrl": _webhook_url_setting,
    "Livechat_secret_token": _webhook_token_setting,
    "Livechat_http_timeout": _webhook_timeout_setting,
    "Livechat_lead_email_regex": _pattern_setting,
    "Livechat_lead_phone_regex": _pattern_setting,
}

# Settings that may give agents room or take it: the queue is routed again after they change.
_QUEUE_SETTINGS = frozenset(
    {
        "Livechat_Routing_Method",
        "Livechat_waiting_queue",
        "Livechat_maximum_chats_per_agent",
        "Livechat_enabled_when_agent_idle",
    }
)
_HOURS_SETTINGS = frozenset({"Livechat_enable_business_hours", "Livechat_business_hour_type"})


# Settings that hold a secret: stored encrypted (``secret_box``), never sent back (``api/settings``
# shows ``SECRET_MASK`` when one is set).
SECRET_SETTINGS = frozenset({"SMTP_Password", "Livechat_secret_token"})
SECRET_MASK = "********"


def set_setting(session: Session, *, setting: Setting, value: Any) -> Setting:
    if setting.id in SECRET_SETTINGS and value == SECRET_MASK:
        return setting  # the mask a form shows, sent back: the stored secret stays
    value = validate_setting_value(setting, value)
    if (check := _VALUE_CHECKS.get(setting.id)) is not None:
        value = check(session, setting, value)
    if setting.id in SECRET_SETTINGS and isinstance(value, str) and value:
        value = box().encrypt(value)
    setting.value = value
    forget_setting(session, setting.id)
    session.flush()
    shown = "" if setting.id in SECRET_SETTINGS else setting.value
    send_event_on_commit(session, SettingChanged(setting_id=setting.id, value=shown))
    if setting.id == verification.REQUIREMENT_SETTING:
        # A relaxed requirement strands nobody: chats it no longer holds are queued and routed.
        verification.release_chats_no_longer_held(session)
    if setting.id in _HOURS_SETTINGS:
        apply_business_hours(session)
    if setting.id in _QUEUE_SETTINGS | _HOURS_SETTINGS:
        route_waiting_chats(session)
    return setting


def rotate_secrets(session: Session) -> int:
    """Write every encrypted value again: ``EncryptedJSON`` encrypts under the current key. Each table
    named keeps its provider config, secrets and all, as one encrypted document."""
    count = 0
    columns = {
        MessagingChannel: ("config",),
        VoiceLine: ("config",),
        EmailInbox: ("config",),
    }
    for model, names in columns.items():
        for row in session.scalars(select(model)):
            for name in names:
                if getattr(row, name) is not None:
                    flag_modified(row, name)
                    count += 1
    for setting_id in SECRET_SETTINGS:
        setting = session.get(Setting, setting_id)
        if setting is not None and isinstance(setting.value, str) and setting.value:
            setting.value = box().rotate(setting.value)
            count += 1
    session.flush()
    return count
