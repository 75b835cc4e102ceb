"""The contact's wire shape (Rocket.Chat's ILivechatContact), from the rows of
``queries/contact_rows.py``: every contact answer (``contacts.get``, ``contacts.search``, a create or
an update) is built here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.dates import iso
from omnidesk.models import ContactAudit
from omnidesk.queries.contact_rows import contact_rows


def contact_shapes(session: Session, contact_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The enabled contacts among ``contact_ids``, shaped, in the order of ``contact_ids``, as a list
    gives them (Rocket.Chat's ILivechatContactWithManagerData: the manager as ``{_id, name,
    username}``)."""
    rows = contact_rows(session, contact_ids)
    return [
        _contact_shape(
            rows.contacts[contact_id],
            emails=rows.emails.get(contact_id, ()),
            phones=rows.phones.get(contact_id, ()),
            channels=rows.channels.get(contact_id, ()),
            manager=rows.managers.get(rows.contacts[contact_id].contact_manager_id),
        )
        for contact_id in rows.ids
    ]


def contact_shape(session: Session, contact_id: str) -> dict[str, Any] | None:
    """One enabled contact as Rocket.Chat's ILivechatContact: ``contactManager`` is the manager's id.
    Omnidesk's ``contactManagerInfo`` adds the manager as a list shows it, for a page to name them."""
    shapes = contact_shapes(session, [contact_id])
    if not shapes:
        return None
    shape = shapes[0]
    if "contactManager" in shape:
        shape["contactManagerInfo"] = shape["contactManager"]
        shape["contactManager"] = shape["contactManager"]["_id"]
    return shape


def channel_shape(channel: Any) -> dict[str, Any]:
    """One channel: a ``ContactChannel`` or a row of ``contact_rows.CHANNEL_COLUMNS`` (the same names)."""
    source: dict[str, Any] = {"type": channel.source_type}
    if channel.source_id:
        source["id"] = channel.source_id
    shape: dict[str, Any] = {
        "name": channel.name,
        "visitor": {"visitorId": channel.visitor_id, "source": source},
        "verified": channel.verified,
        "blocked": channel.blocked,
        "details": channel.details or source,
    }
    for key, value in (
        ("field", channel.field),
        ("value", channel.value),
        ("verifiedAt", iso(channel.verified_at)),
    ):
        if value is not None:
            shape[key] = value
    if channel.last_chat_room_id:
        shape["lastChat"] = {"_id": channel.last_chat_room_id, "ts": iso(channel.last_chat_at)}
    return shape


def stored_contact_shape(contact: Any, *, manager: Any | None) -> dict[str, Any]:
    """A ``Contact`` as loaded, deleted (disabled) ones too, in the same shape, with ``enabled``."""
    shape = _contact_shape(
        contact,
        emails=[email.address for email in contact.emails],
        phones=[phone.phone_number for phone in contact.phones],
        channels=contact.channels,
        manager=manager,
    )
    shape["enabled"] = contact.enabled
    return shape


def _contact_shape(
    contact: Any,
    *,
    emails: Collection[str],
    phones: Collection[str],
    channels: Collection[Any],
    manager: Any | None,
) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "_id": contact.id,
        "name": contact.name,
        "emails": [{"address": address} for address in emails],
        "phones": [{"phoneNumber": number} for number in phones],
        "unknown": contact.unknown,
        "customFields": contact.custom_fields or {},
        "conflictingFields": contact.conflicting_fields or [],
        "channels": [channel_shape(channel) for channel in channels],
        "createdAt": iso(contact.created_at),
        "_updatedAt": iso(contact.updated_at),
    }
    if contact.pre_registration:
        shape["preRegistration"] = True
    if manager is not None:
        shape["contactManager"] = {"_id": manager.id, "name": manager.name, "username": manager.username}
    if contact.last_chat_room_id:
        shape["lastChat"] = {"_id": contact.last_chat_room_id, "ts": iso(contact.last_chat_at)}
    return shape


def audit_shape(entry: ContactAudit) -> dict[str, Any]:
    return {
        "_id": entry.id,
        "contactId": entry.contact_id,
        "action": entry.action,
        "user": {"_id": entry.actor_id, "username": entry.actor_username} if entry.actor_id else None,
        "changes": entry.changes,
        "ts": iso(entry.created_at),
    }
