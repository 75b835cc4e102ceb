"""Every write to livechat visitors: registration from the widget or the API, custom fields, removal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.contact_links import apply_custom_field_to_contacts, sync_visitor_into_contacts
from omnidesk.actions.counters import next_value
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.models import CustomField, Department, Room, Visitor


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


def _new_username(session: Session) -> str:
    return f"guest-{next_value(session, 'visitor')}"


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
    """Create the visitor of ``token`` or update it with what was given (``None`` leaves a field)."""
    token = token.strip()
    if not token:
        raise ApiError("error-invalid-token", "The visitor token must not be empty")
    visitor = session.scalar(select(Visitor).where(Visitor.token == token))
    if visitor is None:
        visitor = Visitor(token=token, username=username or _new_username(session), livechat_data={})
        session.add(visitor)
    if name is not None:
        visitor.name = name.strip() or None
    if email is not None:
        visitor.email = normalise_email(email) if email.strip() else None
    if phone is not None:
        visitor.phone = phone.strip() or None
    if department is not None:
        visitor.department_id = _department_id(session, department)
    if connection is not None:
        visitor.user_agent = connection.user_agent or visitor.user_agent
        visitor.ip = connection.ip or visitor.ip
        visitor.host = connection.host or visitor.host
    set_visitor_custom_fields(session, visitor=visitor, fields=custom_fields)
    session.flush()
    sync_visitor_into_contacts(session, visitor=visitor)
    return visitor


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
    session.execute(delete(Room).where(Room.visitor_id == visitor.id))
    session.delete(visitor)
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
        raise ApiError("invalid-custom-field", f"Custom field {key} does not exist")
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
