"""The contact audit trail: one ``contact_audit`` row per change to a contact, with each changed field's
old and new values, who made it (None: the customer or the system) and when.

Staff writes (``actions/contacts``) record ``created``, ``updated``, ``conflicts_resolved``, ``deleted``,
``blocked`` and ``unblocked``; merges (``actions/contact_merge``) record ``merged`` and ``unmerged``
with the merge's id; the contact's own traffic records ``channel-added`` (a channel joined the contact,
with whatever the visitor's data changed in it), ``visitor-details`` (a visitor's new details reached
the contact) and ``verified`` (a channel's identity was proven: by a code, or by the provider,
``actions/verification``). A leaf under the actions that resolve contacts, so every one of them can
record. Entries name a channel by its visitor id and source, never by a visitor token.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk.access import Actor
from omnidesk.events import ContactChanged, send_event_on_commit
from omnidesk.models import Contact, ContactAudit, ContactChannel


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


def channel_entry(channel: ContactChannel, **extra: Any) -> dict[str, Any]:
    """A channel as the audit names it: its visitor and source (never the visitor's token)."""
    return {"visitorId": channel.visitor_id, "type": channel.source_type, "id": channel.source_id, **extra}


def audit_contact(
    session: Session,
    contact: Contact,
    *,
    action: str,
    actor: Actor | None,
    before: dict[str, Any] | None,
    channel: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Record ``action`` on ``contact``: the fields that differ from ``before`` (a ``contact_snapshot``
    taken before the change; None for a contact just created), the ``channel`` it concerned, if any
    (``{"old": None, "new": channel}``), and ``extra`` changes that are not fields (a merge's id)."""
    after = contact_snapshot(contact) if action != "deleted" else {}
    before = before or {}
    changes: dict[str, Any] = {
        field: {"old": before.get(field), "new": after.get(field)}
        for field in dict.fromkeys([*before, *after])
        if before.get(field) != after.get(field)
    }
    if channel is not None:
        changes["channel"] = {"old": None, "new": channel}
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
