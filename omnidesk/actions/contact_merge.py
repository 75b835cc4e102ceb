"""Merging contacts into one, and undoing a merge.

A merge keeps one contact, the *survivor*, and moves everything of the others to it: their channels,
rooms (renamed after it), calls and audit trail; their emails and phones are added to its own. The
survivor's name, manager and custom fields stay; a differing value of another contact becomes one of its
conflicting fields for staff to settle (Rocket.Chat's ``conflictingFields``). Each other contact stays
as a disabled *tombstone* whose ``merged_into_id`` names the survivor, so its id keeps resolving.

Contacts merge automatically when a channel becomes verified and another contact has a verified channel
with the same identifier (Rocket.Chat's rule): the known contact survives, the oldest among equals.
Staff merge by hand through ``omnichannel/contacts.merge``, preview first.

A merge records what it changed (``ContactMerge.undo``): the survivor's fields as they were, and which
channels, rooms (with their names), calls and audit entries came from which contact. Undo puts each
back, and a room or call that arrived since on a channel going back follows it. It is refused while
something newer depends on the merge: a later merge of one of these contacts, or a staff edit of the
survivor, which the undo would silently revert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from omnidesk.access import Actor
from omnidesk.actions.contact_audit import audit_contact, contact_snapshot
from omnidesk.actions.contact_links import add_contact_emails, rename_rooms_of_contact
from omnidesk.actions.key_locks import lock
from omnidesk.actions.routing import room_event, route_waiting_chats_of_contact
from omnidesk.dates import iso
from omnidesk.db import utcnow
from omnidesk.errors import ApiError, InvalidParams
from omnidesk.events import ContactChanged, send_event_on_commit
from omnidesk.models import (
    Call,
    Contact,
    ContactAudit,
    ContactChannel,
    ContactMerge,
    ContactPhone,
    Inquiry,
    Room,
)
from omnidesk.queries.search.index import refresh_contacts

MAX_MERGED = 20  # contacts merged into one at a time
# Audit actions by staff on the survivor after a merge that an undo would revert.
EDITS = ("updated", "conflicts_resolved", "deleted")


@dataclass
class MergePlan:
    """What merging ``others`` into ``survivor`` gives, decided before anything is written: the preview
    shows it and the merge applies it, so the two cannot differ."""

    survivor: Contact
    others: list[Contact]
    name: str
    contact_manager_id: str | None
    custom_fields: dict[str, Any]
    conflicts: list[dict[str, Any]]  # the ones this merge adds
    emails: list[str]  # addresses the survivor gains
    phones: list[ContactPhone]  # numbers the survivor gains (new rows)
    unknown: bool
    pre_registration: bool
    last_chat: tuple[str | None, datetime | None]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # per contact: channels, rooms, calls

    @property
    def conflicting_fields(self) -> list[dict[str, Any]]:
        merged: list[dict[str, Any]] = []
        for conflict in [
            *(self.survivor.conflicting_fields or []),
            *(c for other in self.others for c in other.conflicting_fields or []),
            *self.conflicts,
        ]:
            if conflict not in merged:
                merged.append(conflict)
        return merged


def contacts_to_merge(session: Session, *, contact_id: str, merge_with: Sequence[str]) -> list[Contact]:
    """The survivor then the others, each an enabled contact, locked for the rest of the transaction."""
    ids = [contact_id, *merge_with]
    if contact_id in merge_with:
        raise InvalidParams("A contact cannot be merged with itself")
    if len(set(merge_with)) != len(merge_with):
        raise InvalidParams("mergeWith names a contact twice")
    if not merge_with or len(merge_with) > MAX_MERGED:
        raise InvalidParams(f"mergeWith must name 1 to {MAX_MERGED} contacts")
    lock(session, [f"contact:{contact_id}" for contact_id in ids])
    found = {
        contact.id: contact
        for contact in session.scalars(
            select(Contact).where(Contact.id.in_(ids)).execution_options(populate_existing=True)
        )
    }
    for wanted in ids:
        contact = found.get(wanted)
        if contact is None or not contact.enabled:
            merged = (
                f" (it was merged into {contact.merged_into_id})"
                if contact and contact.merged_into_id
                else ""
            )
            raise ApiError(
                "error-contact-not-found",
                f"Contact not found: {wanted}{merged}",
                details={"contactId": wanted},
            )
    return [found[wanted] for wanted in ids]


def plan_merge(session: Session, *, survivor: Contact, others: Sequence[Contact]) -> MergePlan:
    conflicts: list[dict[str, Any]] = []

    def conflict(name: str, value: Any) -> None:
        entry = {"field": name, "value": value}
        if entry not in conflicts:
            conflicts.append(entry)

    name = survivor.name
    manager = survivor.contact_manager_id
    custom = dict(survivor.custom_fields or {})
    for other in others:
        if not name:
            name = other.name
        elif other.name and other.name != name:
            conflict("name", other.name)
        if manager is None:
            manager = other.contact_manager_id
        elif other.contact_manager_id and other.contact_manager_id != manager:
            conflict("manager", other.contact_manager_id)
        for key, value in (other.custom_fields or {}).items():
            if value in (None, ""):
                continue
            if custom.get(key) in (None, ""):
                custom[key] = value
            elif custom[key] != value:
                conflict(f"customFields.{key}", value)
    known_emails = {email.address for email in survivor.emails}
    emails = []
    for other in others:
        for email in other.emails:
            if email.address not in known_emails:
                known_emails.add(email.address)
                emails.append(email.address)
    known_phones = {phone.e164 or phone.phone_number for phone in survivor.phones}
    phones: list[ContactPhone] = []
    for other in others:
        for phone in other.phones:
            if (phone.e164 or phone.phone_number) not in known_phones:
                known_phones.add(phone.e164 or phone.phone_number)
                phones.append(
                    ContactPhone(
                        phone_number=phone.phone_number,
                        e164=phone.e164,
                        position=len(survivor.phones) + len(phones),
                    )
                )
    now = utcnow()
    everyone = [survivor, *others]
    chatted = [contact for contact in everyone if contact.last_chat_at is not None]
    latest = max(chatted, key=lambda contact: contact.last_chat_at or now) if chatted else None
    return MergePlan(
        survivor=survivor,
        others=list(others),
        name=name,
        contact_manager_id=manager,
        custom_fields=custom,
        conflicts=conflicts,
        emails=emails,
        phones=phones,
        unknown=all(contact.unknown for contact in everyone),
        pre_registration=all(contact.pre_registration for contact in everyone),
        last_chat=(latest.last_chat_room_id, latest.last_chat_at) if latest else (None, None),
        counts=_counts(session, everyone),
    )


def _counts(session: Session, contacts: Sequence[Contact]) -> dict[str, dict[str, int]]:
    ids = [contact.id for contact in contacts]
    counts = {contact.id: {"channels": len(contact.channels), "rooms": 0, "calls": 0} for contact in contacts}
    for column, key in ((Room.contact_id, "rooms"), (Call.contact_id, "calls")):
        for contact_id, number in session.execute(
            select(column, func.count()).where(column.in_(ids)).group_by(column)
        ):
            counts[str(contact_id)][key] = number
    return counts


def merge_contacts(
    session: Session, *, actor: Actor | None, plan: MergePlan, reason: str = "manual"
) -> ContactMerge:
    """Apply ``plan`` in this transaction and answer the merge's record."""
    survivor, others = plan.survivor, plan.others
    other_ids = [other.id for other in others]
    before = contact_snapshot(survivor)
    now = utcnow()
    moved_rooms = session.execute(
        select(Room.contact_id, Room.id, Room.fname).where(Room.contact_id.in_(other_ids)).order_by(Room.id)
    ).all()
    undo: dict[str, Any] = {
        "survivor": {
            "name": survivor.name,
            "contactManagerId": survivor.contact_manager_id,
            "customFields": dict(survivor.custom_fields or {}),
            "conflictingFields": list(survivor.conflicting_fields or []),
            "unknown": survivor.unknown,
            "preRegistration": survivor.pre_registration,
            "lastChat": [
                survivor.last_chat_room_id,
                survivor.last_chat_at.isoformat() if survivor.last_chat_at else None,
            ],
        },
        "contacts": {
            other.id: {
                "channels": [channel.id for channel in other.channels],
                "rooms": [
                    [room_id, fname] for contact_id, room_id, fname in moved_rooms if contact_id == other.id
                ],
                "calls": list(
                    session.scalars(select(Call.id).where(Call.contact_id == other.id).order_by(Call.id))
                ),
                "audit": list(
                    session.scalars(
                        select(ContactAudit.id)
                        .where(ContactAudit.contact_id == other.id)
                        .order_by(ContactAudit.id)
                    )
                ),
            }
            for other in others
        },
    }
    moved_room_ids = [room_id for _, room_id, _ in moved_rooms]
    if moved_room_ids:
        session.execute(
            update(Inquiry).where(Inquiry.room_id.in_(moved_room_ids)).values(name=plan.name),
            execution_options={"synchronize_session": False},
        )
    for model in (ContactChannel, Room, Call, ContactAudit):
        values: dict[str, Any] = {"contact_id": survivor.id}
        if model is Room:
            values["fname"] = plan.name
        session.execute(
            update(model).where(model.contact_id.in_(other_ids)).values(**values),
            execution_options={"synchronize_session": False},
        )
    if plan.name != survivor.name:
        survivor.name = plan.name
        rename_rooms_of_contact(session, contact=survivor)
    survivor.contact_manager_id = plan.contact_manager_id
    survivor.custom_fields = plan.custom_fields
    survivor.conflicting_fields = plan.conflicting_fields
    was_unknown = survivor.unknown
    survivor.unknown, survivor.pre_registration = plan.unknown, plan.pre_registration
    survivor.last_chat_room_id, survivor.last_chat_at = plan.last_chat
    emails_before = len(survivor.emails)
    add_contact_emails(survivor, plan.emails)
    survivor.phones.extend(plan.phones)
    for other in others:
        other.enabled, other.merged_into_id = False, survivor.id
    session.flush()
    undo["survivor"]["addedEmails"] = [email.id for email in survivor.emails[emails_before:]]
    undo["survivor"]["addedPhones"] = [phone.id for phone in plan.phones]
    merge = ContactMerge(
        survivor_id=survivor.id,
        merged_ids=other_ids,
        reason=reason,
        actor_id=actor.id if actor else None,
        actor_username=actor.user.username if actor else None,
        undo=undo,
        created_at=now,
    )
    session.add(merge)
    session.flush()
    _reload(session, [survivor, *others])
    audit_contact(
        session,
        survivor,
        action="merged",
        actor=actor,
        before=before,
        extra={
            "merge": {"old": None, "new": {"mergeId": merge.id, "contactIds": other_ids, "reason": reason}}
        },
    )
    for other in others:
        send_event_on_commit(session, ContactChanged(op="merged", contact_id=other.id))
    _announce_open_rooms(session, moved_room_ids)
    refresh_contacts(session, [survivor.id, *other_ids])
    if was_unknown and not survivor.unknown:
        route_waiting_chats_of_contact(session, contact_id=survivor.id)
    return merge


def unmerge(session: Session, *, actor: Actor, merge_id: str) -> ContactMerge:
    """Undo a merge: every contact, channel, room and call back in its place."""
    merge = session.get(ContactMerge, merge_id) if merge_id else None
    if merge is None:
        raise ApiError("error-merge-not-found", "Merge not found", status_code=404)
    lock(session, [f"contact:{contact_id}" for contact_id in [merge.survivor_id, *merge.merged_ids]])
    session.refresh(merge)
    survivor, others = _check_undoable(session, merge)
    before = contact_snapshot(survivor)
    undo = merge.undo
    kept = undo["survivor"]
    moved_back_rooms: list[str] = []
    for other in others:
        record = undo["contacts"][other.id]
        session.execute(
            update(ContactChannel)
            .where(ContactChannel.id.in_(record["channels"]))
            .values(contact_id=other.id),
            execution_options={"synchronize_session": False},
        )
        by_name: dict[str, list[str]] = {}
        for room_id, fname in record["rooms"]:
            by_name.setdefault(fname, []).append(room_id)
        # A room or call that arrived since the merge on a channel going back goes back with it.
        since = _arrived_since(session, merge=merge, survivor_id=survivor.id, channel_ids=record["channels"])
        if since:
            by_name.setdefault(other.name, []).extend(since)
        for fname, room_ids in by_name.items():
            session.execute(
                update(Room).where(Room.id.in_(room_ids)).values(contact_id=other.id, fname=fname),
                execution_options={"synchronize_session": False},
            )
            session.execute(
                update(Inquiry).where(Inquiry.room_id.in_(room_ids)).values(name=fname),
                execution_options={"synchronize_session": False},
            )
            moved_back_rooms += room_ids
        visitor_ids = select(ContactChannel.visitor_id).where(ContactChannel.id.in_(record["channels"]))
        session.execute(
            update(Call)
            .where(
                or_(
                    Call.id.in_(record["calls"]),
                    (Call.contact_id == survivor.id)
                    & (Call.created_at >= merge.created_at)
                    & Call.visitor_id.in_(visitor_ids),
                )
            )
            .values(contact_id=other.id),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            update(ContactAudit).where(ContactAudit.id.in_(record["audit"])).values(contact_id=other.id),
            execution_options={"synchronize_session": False},
        )
        other.enabled, other.merged_into_id = True, None
        if since:
            _note_latest_chat(session, other)
    for email in list(survivor.emails):
        if email.id in kept["addedEmails"]:
            survivor.emails.remove(email)
    for phone in list(survivor.phones):
        if phone.id in kept["addedPhones"]:
            survivor.phones.remove(phone)
    if survivor.name != kept["name"]:
        survivor.name = kept["name"]
        rename_rooms_of_contact(session, contact=survivor)
    survivor.contact_manager_id = kept["contactManagerId"]
    survivor.custom_fields = kept["customFields"]
    survivor.conflicting_fields = kept["conflictingFields"]
    survivor.unknown, survivor.pre_registration = kept["unknown"], kept["preRegistration"]
    last_room_id, last_at = kept["lastChat"]
    survivor.last_chat_room_id, survivor.last_chat_at = (
        last_room_id,
        datetime.fromisoformat(last_at) if last_at else None,
    )
    _note_latest_chat(session, survivor, after=merge.created_at)
    merge.undone_at, merge.undone_by_username = utcnow(), actor.user.username
    session.flush()
    _reload(session, [survivor, *others])
    extra = {"unmerge": {"old": None, "new": {"mergeId": merge.id, "contactIds": list(merge.merged_ids)}}}
    audit_contact(session, survivor, action="unmerged", actor=actor, before=before, extra=extra)
    for other in others:
        audit_contact(session, other, action="unmerged", actor=actor, before=None, extra=extra)
    _announce_open_rooms(session, moved_back_rooms)
    refresh_contacts(session, [survivor.id, *merge.merged_ids])
    return merge


def _check_undoable(session: Session, merge: ContactMerge) -> tuple[Contact, list[Contact]]:
    if merge.undone_at is not None:
        raise ApiError("error-merge-already-undone", f"This merge was undone at {iso(merge.undone_at)}")
    involved = {merge.survivor_id, *merge.merged_ids}
    for later in session.scalars(
        select(ContactMerge).where(
            ContactMerge.created_at >= merge.created_at,
            ContactMerge.id != merge.id,
            ContactMerge.undone_at.is_(None),
        )
    ):
        if involved & {later.survivor_id, *later.merged_ids}:
            raise ApiError(
                "error-merge-superseded",
                f"A later merge ({later.id}) involves these contacts; undo it first",
                details={"mergeId": later.id},
            )
    survivor = session.get(Contact, merge.survivor_id)
    if survivor is None or not survivor.enabled:
        raise ApiError("error-merge-superseded", "The contact this merge kept has been deleted since")
    others = []
    for other_id in merge.merged_ids:
        other = session.get(Contact, other_id)
        if other is None or other.merged_into_id != survivor.id:
            raise ApiError("error-merge-superseded", f"The merged contact {other_id} is gone")
        others.append(other)
    edit = session.scalars(
        select(ContactAudit)
        .where(
            ContactAudit.contact_id == survivor.id,
            ContactAudit.created_at >= merge.created_at,
            ContactAudit.action.in_(EDITS),
        )
        .order_by(ContactAudit.created_at)
        .limit(1)
    ).first()
    if edit is not None:
        who = f" by {edit.actor_username}" if edit.actor_username else ""
        raise ApiError(
            "error-contact-changed-since-merge",
            f"The contact was {edit.action.replace('_', ' ')}{who} at {iso(edit.created_at)},"
            " after the merge; undoing it would revert that",
            details={"auditId": edit.id},
        )
    return survivor, others


def _arrived_since(
    session: Session, *, merge: ContactMerge, survivor_id: str, channel_ids: list[str]
) -> list[str]:
    rooms: list[str] = []
    for channel in session.scalars(select(ContactChannel).where(ContactChannel.id.in_(channel_ids))):
        rooms += session.scalars(
            select(Room.id).where(
                Room.contact_id == survivor_id,
                Room.created_at >= merge.created_at,
                Room.visitor_id == channel.visitor_id,
                Room.source_type == channel.source_type,
                Room.source_id == channel.source_id,
            )
        )
    return rooms


def _note_latest_chat(session: Session, contact: Contact, *, after: datetime | None = None) -> None:
    query = select(Room.id, Room.created_at).where(Room.contact_id == contact.id)
    if after is not None:
        query = query.where(Room.created_at >= after)
    latest = session.execute(query.order_by(Room.created_at.desc()).limit(1)).first()
    if latest is not None and (contact.last_chat_at is None or latest.created_at > contact.last_chat_at):
        contact.last_chat_room_id, contact.last_chat_at = latest.id, latest.created_at


def _reload(session: Session, contacts: Sequence[Contact]) -> None:
    """The bulk updates moved rows under the ORM's feet: what the session holds of them is read again."""
    for contact in contacts:
        session.expire(contact, ["channels", "emails", "phones"])
    for instance in list(session.identity_map.values()):
        if isinstance(instance, ContactChannel | Room | Inquiry | Call | ContactAudit):
            session.expire(instance)


def _announce_open_rooms(session: Session, room_ids: Sequence[str]) -> None:
    if room_ids:
        for room in session.scalars(select(Room).where(Room.id.in_(room_ids), Room.open.is_(True))):
            send_event_on_commit(session, room_event("updated", room))


def merge_on_verified_identity(session: Session, *, channel: ContactChannel) -> ContactMerge | None:
    """``channel`` was just verified: the other contacts with a verified channel for the same identifier
    (field and value) are the same person, and merge. The known contact survives, then the oldest."""
    if not channel.verified or not channel.field or not channel.value:
        return None
    same = list(
        session.scalars(
            select(ContactChannel.contact_id)
            .join(Contact, Contact.id == ContactChannel.contact_id)
            .where(
                ContactChannel.verified.is_(True),
                ContactChannel.field == channel.field,
                ContactChannel.value == channel.value,
                ContactChannel.contact_id != channel.contact_id,
                Contact.enabled.is_(True),
            )
            .distinct()
        )
    )
    if not same:
        return None
    contacts = contacts_to_merge(session, contact_id=channel.contact_id, merge_with=sorted(same)[:MAX_MERGED])
    contacts.sort(key=lambda contact: (contact.unknown, contact.created_at, contact.id))
    survivor, *others = contacts
    plan = plan_merge(session, survivor=survivor, others=others)
    return merge_contacts(session, actor=None, plan=plan, reason="verified")
