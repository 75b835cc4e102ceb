"""Every write to livechat visitors: registration from the widget or the API, the visitors channels
create, custom fields, removal."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omnidesk.access import widget_visitor
from omnidesk.actions import webhooks
from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.contact_links import apply_custom_field_to_contacts, sync_visitor_into_contacts
from omnidesk.actions.counters import next_value
from omnidesk.actions.custom_fields import check_widget_value
from omnidesk.actions.uploads import discard_room_files
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.models import CustomField, Department, Room, Visitor
from omnidesk.phones import national_significant_digits
from omnidesk.queries.settings import (
    CRM_INTEGRATION_SETTINGS,
    default_phone_region,
    preload_settings,
    setting_value,
)
from omnidesk.queries.users import user_by_username
from omnidesk.queries.visitors import visitor_on_channel

# ``guest-N`` names are the server's to give: a visitor claiming the next one would make the next
# automatic name collide.
GUEST_USERNAME = re.compile(r"guest-\d+", re.IGNORECASE)
MAX_USERNAME_LENGTH = 120


@dataclass(frozen=True)
class CustomFieldInput:
    key: str
    value: str
    overwrite: bool


@dataclass(frozen=True)
class Connection:
    """Where a visitor's request came from, recorded on the visitor."""

    user_agent: str | None = None
    ip: str | None = None
    host: str | None = None


def new_visitor_token() -> str:
    """A token no one can guess (256 bits): it is the visitor's password."""
    return secrets.token_urlsafe(32)


def new_guest_username(session: Session) -> str:
    """The next free ``guest-N``. The counter is atomic; a name taken before claims of ``guest-N`` were
    refused is skipped."""
    while True:
        username = f"guest-{next_value(session, 'visitor')}"
        if not _username_in_use(session, username):
            return username


def _username_in_use(session: Session, username: str) -> bool:
    # Staff usernames are looked up without case: "Alex.Agent" must not pass for alex.agent.
    if user_by_username(session, username) is not None:
        return True
    return bool(session.scalar(select(exists().where(Visitor.username == username))))


def _claimable_username(session: Session, username: str) -> str:
    username = username.strip()
    if not username or len(username) > MAX_USERNAME_LENGTH:
        raise ApiError("error-invalid-username", f"A username has 1 to {MAX_USERNAME_LENGTH} characters")
    if GUEST_USERNAME.fullmatch(username) or _username_in_use(session, username):
        raise UsernameNotAvailable()
    return username


class UsernameNotAvailable(ApiError):
    def __init__(self) -> None:
        super().__init__("error-username-not-available", "This username is not available")


def register_visitor(
    session: Session,
    *,
    token: str,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    department: str | None = None,
    username: str | None = None,
    custom_fields: Iterable[CustomFieldInput] = (),
    connection: Connection | None = None,
) -> Visitor:
    """Create the widget or API visitor of ``token`` or update it with what was given (``None`` leaves
    a field). A username is taken only when the visitor is created."""
    token = token.strip()
    if not token:
        raise ApiError("error-invalid-token", "Token cannot be empty")
    visitor = widget_visitor(session, token) or _new_widget_visitor(session, token=token, username=username)
    if department is not None:
        visitor.department_id = _department_id(session, department)
    if connection is not None:
        visitor.user_agent = connection.user_agent or visitor.user_agent
        visitor.ip = connection.ip or visitor.ip
        visitor.host = connection.host or visitor.host
    set_visitor_custom_fields(session, visitor=visitor, fields=custom_fields)
    update_visitor(session, visitor=visitor, name=name, email=email, phone=phone)
    return visitor


def _new_widget_visitor(session: Session, *, token: str, username: str | None) -> Visitor:
    claimed = _claimable_username(session, username) if username is not None else None
    try:
        # A savepoint: the same token, or the same username, may be registering twice at once.
        with session.begin_nested():
            visitor = Visitor(token=token, username=claimed or new_guest_username(session), livechat_data={})
            session.add(visitor)
            session.flush()
            return visitor
    except IntegrityError:
        found = widget_visitor(session, token)
        if found is not None:
            return found
        if claimed is not None:
            raise UsernameNotAvailable() from None
        raise ApiError("error-invalid-token", "This visitor token cannot be used") from None


def update_visitor(
    session: Session,
    *,
    visitor: Visitor,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> None:
    """Change what was given (``None`` leaves a field, an empty string clears it); the visitor's
    contacts hear of it."""
    if name is not None:
        visitor.name = name.strip() or None
    if email is not None:
        visitor.email = normalise_email(email) if email.strip() else None
    if phone is not None:
        visitor.phone = phone.strip() or None
    session.flush()
    sync_visitor_into_contacts(session, visitor=visitor)


def channel_visitor(
    session: Session,
    *,
    channel_type: str,
    address: str,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Visitor:
    """The visitor a channel knows as ``address`` (an E.164 number, an email address), created on first
    contact with a random token. A name completes the visitor; it never replaces one."""
    address = address[:320]
    visitor = visitor_on_channel(session, channel_type=channel_type, address=address)
    if visitor is not None:
        if name and not visitor.name:
            visitor.name = name[:200]
        return visitor
    try:
        # A savepoint: the same address may be writing twice at once; the loser finds the winner's row.
        with session.begin_nested():
            visitor = Visitor(
                token=new_visitor_token(),
                username=new_guest_username(session),
                channel_type=channel_type,
                channel_address=address,
                name=(name or "")[:200] or None,
                phone=(phone or "")[:60] or None,
                email=email,
                livechat_data={},
            )
            session.add(visitor)
            session.flush()
            return visitor
    except IntegrityError:
        found = visitor_on_channel(session, channel_type=channel_type, address=address)
        if found is None:
            raise
        return found


def _department_id(session: Session, department: str) -> str | None:
    """A department given by id or by name, as the widget's ``department`` parameter allows."""
    if not department:
        return None
    found = session.get(Department, department) or session.scalar(
        select(Department).where(Department.name == department)
    )
    if found is None or not found.enabled:
        raise ApiError("error-invalid-department", "The selected department is invalid")
    return found.id


def set_visitor_custom_fields(
    session: Session, *, visitor: Visitor, fields: Iterable[CustomFieldInput]
) -> list[CustomFieldInput]:
    """Store visitor-scope custom field values; keys that are not defined fields are ignored, as in
    Rocket.Chat. Returns the fields that were applied."""
    wanted = list(fields)
    if not wanted:
        return []
    defined = set(
        session.scalars(
            select(CustomField.id).where(
                CustomField.scope == "visitor", CustomField.id.in_([f.key for f in wanted])
            )
        )
    )
    data: dict[str, Any] = dict(visitor.livechat_data or {})
    applied = []
    for field in wanted:
        if field.key not in defined:
            continue
        if field.overwrite or not data.get(field.key):
            data[field.key] = field.value
            applied.append(field)
    visitor.livechat_data = data
    return applied


def remove_visitor(session: Session, *, visitor: Visitor) -> None:
    """Delete a visitor with its closed conversations (the widget's "forget me")."""
    has_open = session.scalar(select(exists().where(Room.visitor_id == visitor.id, Room.open.is_(True))))
    if has_open:
        raise ApiError("visitor-has-open-rooms", "Cannot remove visitors with opened rooms")
    discard_room_files(session, list(session.scalars(select(Room.id).where(Room.visitor_id == visitor.id))))
    session.execute(delete(Room).where(Room.visitor_id == visitor.id))
    session.delete(visitor)
    session.flush()


def set_visitor_status(session: Session, *, visitor: Visitor, status: str) -> None:
    """The presence the widget reports (``livechat/visitor.status``). Nobody listens for it yet, so
    nothing is published."""
    visitor.status = status
    session.flush()


def note_visitor_chat(visitor: Visitor, *, room: Room) -> None:
    visitor.last_chat_room_id = room.id
    visitor.last_chat_at = room.created_at or utcnow()


def set_custom_field_from_widget(
    session: Session, *, visitor: Visitor, key: str, value: str, overwrite: bool
) -> None:
    """``livechat/custom.field``: a visitor-scope field goes to the visitor and its contacts, a
    room-scope field to the visitor's open room."""
    definition = session.get(CustomField, key)
    if definition is None:
        raise ApiError("invalid-custom-field")  # Rocket.Chat's setCustomFields: the id alone
    check_widget_value(definition, value)
    if definition.scope == "room":
        for room in session.scalars(select(Room).where(Room.visitor_id == visitor.id, Room.open.is_(True))):
            data = dict(room.livechat_data or {})
            if overwrite or not data.get(key):
                data[key] = value
                room.livechat_data = data
        session.flush()
        return
    set_visitor_custom_fields(session, visitor=visitor, fields=[CustomFieldInput(key, value, overwrite)])
    apply_custom_field_to_contacts(session, visitor=visitor, key=key, value=value, overwrite=overwrite)
    session.flush()


def _lead_matches(session: Session, setting_id: str, text: str, flags: int) -> list[str]:
    """What the setting's regular expression finds in ``text``, each once; nothing when it is empty or
    does not compile (it was checked when saved)."""
    pattern = str(setting_value(session, setting_id) or "")
    if not pattern:
        return []
    try:
        found = [match.group(0).strip() for match in re.finditer(pattern, text, flags)]
    except re.error:
        return []
    return list(dict.fromkeys(value for value in found if value))


def _valid_email(value: str) -> str | None:
    try:
        return normalise_email(value) if len(value) <= 320 else None
    except ApiError:
        return None


def leads_in(session: Session, text: str) -> tuple[list[str], list[str]]:
    """The email addresses and phone numbers lead capture finds in a visitor's ``text``."""
    preload_settings(session, CRM_INTEGRATION_SETTINGS)
    found = _lead_matches(session, "Livechat_lead_email_regex", text, re.IGNORECASE)
    emails = [email for email in map(_valid_email, found) if email]
    phones = [
        phone
        for phone in _lead_matches(session, "Livechat_lead_phone_regex", text, 0)
        if len(phone) <= 60 and national_significant_digits(phone, region=default_phone_region(session))
    ]
    return emails, phones


def capture_lead(session: Session, *, room: Room, visitor: Visitor, text: str) -> None:
    """Rocket.Chat's lead capture: the email addresses (``Livechat_lead_email_regex``, any case) and
    phone numbers (``Livechat_lead_phone_regex``) a visitor writes fill the visitor's email and phone
    when it has none (one it has is kept), and are reported to the webhook (``LeadCapture``). A
    "phone number" that is no valid number of the workspace's region (an order number) is not one."""
    emails, phones = leads_in(session, text)
    if not emails and not phones:
        return
    new_email = emails[0] if emails and not visitor.email else None
    new_phone = phones[0] if phones and not visitor.phone else None
    if new_email or new_phone:
        update_visitor(session, visitor=visitor, email=new_email, phone=new_phone)
    webhooks.lead_captured(session, room=room)
