"""The contact audit trail: what a change did to a contact's fields, who did it and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk.access import Actor
from omnidesk.events import ContactChanged, send_event_on_commit
from omnidesk.models import Contact, ContactAudit


def contact_snapshot(contact: Contact) -> dict[str, Any]:
    return {
        "name": contact.name,
        "emails": [email.address for email in contact.emails],
        "phones": [phone.phone_number for phone in contact.phones],
        "customFields": dict(contact.custom_fields or {}),
        "contactManager": contact.contact_manager_id,
        "unknown": contact.unknown,
        "conflictingFields": list(contact.conflicting_fields or []),
    }


def audit_contact(
    session: Session,
    contact: Contact,
    *,
    action: str,
    actor: Actor | None,
    before: dict[str, Any] | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Record what ``action`` changed (``before`` against the contact now) and tell the listeners;
    ``extra`` adds changes that are not fields, such as a merge's id."""
    after = contact_snapshot(contact) if action != "deleted" else {}
    before = before or {}
    changes = {
        field: {"old": before.get(field), "new": after.get(field)}
        for field in dict.fromkeys([*before, *after])
        if before.get(field) != after.get(field)
    }
    changes.update(extra or {})
    session.add(
        ContactAudit(
            contact_id=contact.id,
            action=action,
            actor_id=actor.id if actor else None,
            actor_username=actor.user.username if actor else None,
            changes=changes,
        )
    )
    send_event_on_commit(session, ContactChanged(op=action, contact_id=contact.id))
