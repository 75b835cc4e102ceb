"""The contact search index: one row of lower-cased text per contact, kept in step with every write.

Whatever action changes a contact, its emails, phones or channels, the change is noticed at flush and
the contact's row is rebuilt just before the transaction commits, so the index can never drift from
the contacts it describes. SQLite keeps the rows in an FTS5 table with the trigram tokenizer,
PostgreSQL in a table with a pg_trgm GIN index (migration 0003); both find a substring from the index.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from omnidesk.models import Contact, ContactChannel, ContactEmail, ContactPhone, CustomField, Visitor

_TOUCHED = "omnidesk_contacts_touched"
_PHONE_LIKE = re.compile(r"^[\d\s()+.\-/]+$")
# FTS5's trigram index needs at least three characters; shorter needles are found by a plain scan.
MIN_INDEXED_LENGTH = 3


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def search_needle(search_text: str) -> str:
    """What to look for: a phone typed in any format becomes its digits, anything else is lower-cased."""
    stripped = search_text.strip()
    if _PHONE_LIKE.match(stripped) and len(digits(stripped)) >= 3:
        return digits(stripped)
    return stripped.lower()


def index_body(
    name: str,
    emails: Iterable[str],
    phones: Iterable[tuple[str, str | None]],
    usernames: Iterable[str],
    custom_values: Iterable[Any],
) -> str:
    """A contact's index row: every searchable value, lower-cased, one per line; each phone as typed,
    as its digits and as the digits of its E.164 form. The benchmark loader writes rows with it too."""
    parts: list[str] = [name, *emails]
    for number, e164 in phones:
        parts += [number, digits(number), digits(e164 or "")]
    parts += usernames
    parts += [str(value) for value in custom_values if value not in (None, "")]
    return "\n".join(dict.fromkeys(part.lower() for part in parts if part))


def contact_body(contact: Contact, *, usernames: Iterable[str], searchable_keys: Collection[str]) -> str:
    custom = contact.custom_fields or {}
    return index_body(
        contact.name,
        [email.address for email in contact.emails],
        [(phone.phone_number, phone.e164) for phone in contact.phones],
        usernames,
        [custom.get(key) for key in searchable_keys],
    )


def refresh_contacts(session: Session, contact_ids: Collection[str]) -> None:
    if not contact_ids:
        return
    ids = sorted(contact_ids)
    searchable = list(
        session.scalars(
            select(CustomField.id).where(CustomField.scope == "visitor", CustomField.searchable.is_(True))
        )
    )
    usernames: dict[str, list[str]] = {}
    rows = session.execute(
        select(ContactChannel.contact_id, Visitor.username)
        .join(Visitor, Visitor.id == ContactChannel.visitor_id)
        .where(ContactChannel.contact_id.in_(ids))
    )
    for contact_id, username in rows:
        usernames.setdefault(contact_id, []).append(username)
    contacts = session.scalars(select(Contact).where(Contact.id.in_(ids))).all()
    bodies = [
        {
            "contact_id": contact.id,
            "body": contact_body(
                contact, usernames=usernames.get(contact.id, []), searchable_keys=searchable
            ),
        }
        for contact in contacts
    ]
    write_bodies(session, bodies, replace=True)


def write_bodies(session: Session, bodies: list[dict[str, Any]], *, replace: bool) -> None:
    if not bodies:
        return
    if session.get_bind().dialect.name == "sqlite":
        if replace:
            session.execute(text("DELETE FROM contact_search WHERE contact_id = :contact_id"), bodies)
        session.execute(
            text("INSERT INTO contact_search (contact_id, body) VALUES (:contact_id, :body)"), bodies
        )
    else:
        session.execute(
            text(
                "INSERT INTO contact_search (contact_id, body) VALUES (:contact_id, :body) "
                "ON CONFLICT (contact_id) DO UPDATE SET body = excluded.body"
            ),
            bodies,
        )


def rebuild_all(session: Session, *, batch: int = 2000) -> int:
    """Rebuild every contact's row (after a custom field became searchable or stopped being)."""
    ids = list(session.scalars(select(Contact.id).order_by(Contact.id)))
    for start in range(0, len(ids), batch):
        refresh_contacts(session, ids[start : start + batch])
    return len(ids)


def matching_contact_ids(session: Session, search_text: str) -> TextClause | None:
    """A subquery of the ids of contacts whose index row contains ``search_text``, or None for an
    empty search."""
    needle = search_needle(search_text)
    if not needle:
        return None
    sqlite = session.get_bind().dialect.name == "sqlite"
    if len(needle) < MIN_INDEXED_LENGTH:
        finder = "instr(body, :needle) > 0" if sqlite else "strpos(body, :needle) > 0"
        return text(f"SELECT contact_id FROM contact_search WHERE {finder}").bindparams(needle=needle)
    if sqlite:
        # A quoted phrase is a substring match under the trigram tokenizer.
        phrase = '"' + needle.replace('"', '""') + '"'
        return text("SELECT contact_id FROM contact_search WHERE contact_search MATCH :phrase").bindparams(
            phrase=phrase
        )
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return text("SELECT contact_id FROM contact_search WHERE body LIKE :pattern ESCAPE '\\'").bindparams(
        pattern=pattern
    )


@event.listens_for(Session, "after_flush")
def _note_touched_contacts(session: Session, _context: Any) -> None:
    touched: set[str] = session.info.setdefault(_TOUCHED, set())
    for instance in (*session.new, *session.dirty):
        if isinstance(instance, Contact):
            touched.add(instance.id)
        elif isinstance(instance, ContactEmail | ContactPhone | ContactChannel):
            touched.add(instance.contact_id)


@event.listens_for(Session, "before_commit")
def _refresh_touched_contacts(session: Session) -> None:
    touched: set[str] = session.info.pop(_TOUCHED, set())
    if touched:
        session.flush()
        touched |= session.info.pop(_TOUCHED, set())
        refresh_contacts(session, touched)


@event.listens_for(Session, "after_rollback")
def _forget_touched_contacts(session: Session) -> None:
    session.info.pop(_TOUCHED, None)
