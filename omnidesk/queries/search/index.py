"""The contact search index: one entry of lower-cased text per enabled contact, kept in step with every
write.

Whatever action changes a contact, its emails, phones or channels, the change is noticed at flush and
the contact's entry is rebuilt just before the transaction commits, so the index can never drift from
the contacts it describes. An entry (``contact_search_entries``, migration 0008) holds the contact's
``unknown`` flag and ``name`` next to its ``body``, so that a search is answered from the entries alone:
SQLite finds substrings of ``body`` through an FTS5 trigram table whose rowid is the entry's id,
PostgreSQL through a pg_trgm GIN index. The searches themselves are ``search.contacts``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    Text,
    column,
    delete,
    event,
    select,
    table,
    text,
    update,
)
from sqlalchemy.orm import Session

from omnidesk.models import Contact, ContactChannel, ContactEmail, ContactPhone, CustomField, Visitor
from omnidesk.phones import national_significant_digits
from omnidesk.queries.search import order as search_order
from omnidesk.queries.settings import phone_regions

_TOUCHED = "omnidesk_contacts_touched"
_PHONE_LIKE = re.compile(r"^[\d\s()+.\-/]+$")
# FTS5's trigram index needs at least three characters; shorter needles are found by a plain scan,
# unless they are written in a script of short names (below).
MIN_INDEXED_LENGTH = 3

# Chinese, Japanese and Korean write a whole name in two or three characters, so the needles people
# type there (a surname, a given name, a word of a company's name) are shorter than a trigram, and one
# that few contacts contain made the scan read every entry. So each run
# of such characters in a body also appears on a last line as its one- and two-character pieces, each
# between two MARKs: "王" is then looked up as the trigram "\x1f王\x1f", through the index, in order.
# MARK never occurs elsewhere in a body (it is removed from the values), so only the pieces match it.
MARK = "\x1f"
_SHORT_NAME_SCRIPT = re.compile(
    "[\u3005-\u3007"  # the iteration and closing marks and the ideographic zero: 佐々木
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\U00020000-\U0002fa1f]+"  # CJK ideographs beyond the first plane
)

# Not an ORM model: the entries are written by the hooks below, and SQLite's triggers feed its FTS5
# table from them.
ENTRIES = table(
    "contact_search_entries",
    column("id", Integer),
    column("contact_id", String),
    column("unknown", Boolean),
    column("name", String),
    column("body", Text),
)


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def search_needle(search_text: str, *, regions: Sequence[str] = ()) -> str:
    """What to look for: a phone typed in any format becomes its digits, anything else is lower-cased.
    A national number that is valid in one of ``regions`` (tried in order) becomes its national
    significant digits, which its E.164 form contains too: "020 7946 0958" finds +44 20 7946 0958."""
    stripped = search_text.strip()
    if not is_phone_like(stripped):
        return stripped.lower()
    if not stripped.startswith(("+", "00")):
        for region in regions:
            national = national_significant_digits(stripped, region=region)
            if national:
                return national
    return digits(stripped)


def is_phone_like(search_text: str) -> bool:
    stripped = search_text.strip()
    return bool(_PHONE_LIKE.match(stripped)) and len(digits(stripped)) >= 3


def needle_for(session: Session, search_text: str) -> str:
    """``search_needle`` with the workspace's phone regions (read only for a phone-like search)."""
    regions = phone_regions(session) if is_phone_like(search_text) else ()
    return search_needle(search_text, regions=regions)


def index_needle(needle: str) -> str | None:
    """What the trigram index is asked for ``needle``: itself, its marked form (``MARK``) when it is one
    or two characters of a short-name script, or None when only a scan can find it."""
    if len(needle) >= MIN_INDEXED_LENGTH:
        return needle
    if needle and _SHORT_NAME_SCRIPT.fullmatch(needle):
        return MARK + needle + MARK
    return None


def without_short_pieces(body: str) -> str:
    """``body`` without its marked line of short-name pieces."""
    return body.split("\n" + MARK, 1)[0]


def with_short_pieces(body: str) -> str:
    """``body`` with (only) the marked line of its short-name pieces; applying it twice changes nothing."""
    plain = without_short_pieces(body)
    pieces: dict[str, None] = {}
    for run in _SHORT_NAME_SCRIPT.findall(plain):
        for start in range(len(run)):
            pieces[run[start]] = None
            if start + 1 < len(run):
                pieces[run[start : start + 2]] = None
    if not pieces:
        return plain
    return plain + "\n" + "".join(MARK + piece + MARK for piece in pieces)


def index_body(
    name: str,
    emails: Iterable[str],
    phones: Iterable[tuple[str, str | None]],
    usernames: Iterable[str],
    custom_values: Iterable[Any],
) -> str:
    """A contact's index row: every searchable value, lower-cased, one per line; each phone as typed,
    as its digits and as the digits of its E.164 form; then the short-name pieces
    (``with_short_pieces``). The benchmark loader writes rows with it too."""
    parts: list[str] = [name, *emails]
    for number, e164 in phones:
        parts += [number, digits(number), digits(e164 or "")]
    parts += usernames
    parts += [str(value) for value in custom_values if value not in (None, "")]
    values = (part.lower().replace(MARK, "") for part in parts if part)
    return with_short_pieces("\n".join(dict.fromkeys(value for value in values if value)))


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
    contacts = session.scalars(select(Contact).where(Contact.id.in_(ids), Contact.enabled.is_(True))).all()
    bodies = [
        {
            "contact_id": contact.id,
            "unknown": contact.unknown,
            "name": contact.name,
            "body": contact_body(
                contact, usernames=usernames.get(contact.id, []), searchable_keys=searchable
            ),
        }
        for contact in contacts
    ]
    # Disabled (deleted) contacts are never found, so they have no entry.
    remove_entries(session, set(ids) - {contact.id for contact in contacts})
    write_bodies(session, bodies)


def write_bodies(session: Session, bodies: list[dict[str, Any]]) -> None:
    """Insert or replace entries (``contact_id``, ``unknown``, ``name``, ``body``). An entry that has
    not changed is not written, so SQLite's FTS index is touched only by real changes."""
    if not bodies:
        return
    if _is_sqlite(session):
        _write_numbered(session, bodies)
        return
    session.execute(
        text(
            "INSERT INTO contact_search_entries (contact_id, unknown, name, body) "
            "VALUES (:contact_id, :unknown, :name, :body) "
            "ON CONFLICT (contact_id) DO UPDATE SET unknown = excluded.unknown, name = excluded.name, "
            "body = excluded.body WHERE contact_search_entries.unknown <> excluded.unknown "
            "OR contact_search_entries.name <> excluded.name OR contact_search_entries.body <> excluded.body"
        ),
        bodies,
    )


def _write_numbered(session: Session, bodies: list[dict[str, Any]]) -> None:
    """SQLite: an entry whose name or class changes moves to the id of its new place in name order
    (``search_order``); the triggers carry every change to the FTS table."""
    current = {
        row.contact_id: row
        for row in session.execute(
            select(
                ENTRIES.c.id, ENTRIES.c.contact_id, ENTRIES.c.unknown, ENTRIES.c.name, ENTRIES.c.body
            ).where(ENTRIES.c.contact_id.in_([body["contact_id"] for body in bodies]))
        )
    }
    for body in bodies:
        old = current.get(body["contact_id"])
        mine = ENTRIES.c.contact_id == body["contact_id"]  # not the id: renumbering may have moved it
        if old is not None and (bool(old.unknown), old.name) == (bool(body["unknown"]), body["name"]):
            if old.body != body["body"]:
                session.execute(update(ENTRIES).where(mine).values(body=body["body"]))
            continue
        if old is not None:
            session.execute(delete(ENTRIES).where(mine))
        entry_id = search_order.place(
            session, unknown=bool(body["unknown"]), name=body["name"], contact_id=body["contact_id"]
        )
        session.execute(ENTRIES.insert().values(id=entry_id, **body))


def remove_entries(session: Session, contact_ids: Collection[str]) -> None:
    if contact_ids:
        session.execute(delete(ENTRIES).where(ENTRIES.c.contact_id.in_(sorted(contact_ids))))


def rebuild_all(session: Session, *, batch: int = 2000) -> int:
    """Rebuild every contact's row (after a custom field became searchable or stopped being)."""
    ids = list(session.scalars(select(Contact.id).order_by(Contact.id)))
    for start in range(0, len(ids), batch):
        refresh_contacts(session, ids[start : start + batch])
    return len(ids)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


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
