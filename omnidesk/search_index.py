"""The contact search index: one entry of lower-cased text per enabled contact, kept in step with every
write.

Whatever action changes a contact, its emails, phones or channels, the change is noticed at flush and
the contact's entry is rebuilt just before the transaction commits, so the index can never drift from
the contacts it describes. An entry (``contact_search_entries``, migration 0008) holds the contact's
``unknown`` flag and ``name`` next to its ``body``, so that a search is answered from the entries alone:
SQLite finds substrings of ``body`` through an FTS5 trigram table whose rowid is the entry's id,
PostgreSQL through a pg_trgm GIN index, and both can walk the entries in name order.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    Text,
    column,
    delete,
    event,
    func,
    select,
    table,
    text,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from omnidesk import search_order
from omnidesk.models import Contact, ContactChannel, ContactEmail, ContactPhone, CustomField, Visitor
from omnidesk.queries import counting
from omnidesk.queries.counting import capped_count

_TOUCHED = "omnidesk_contacts_touched"
_PHONE_LIKE = re.compile(r"^[\d\s()+.\-/]+$")
# FTS5's trigram index needs at least three characters; shorter needles are found by a plain scan.
MIN_INDEXED_LENGTH = 3

# Not ORM models: the FTS5 table exists only on SQLite, and the entries are written by the hooks below.
ENTRIES = table(
    "contact_search_entries",
    column("id", Integer),
    column("contact_id", String),
    column("unknown", Boolean),
    column("name", String),
    column("body", Text),
)
FTS = table("contact_search_fts", column("rowid", Integer))
# A broad search in name order on PostgreSQL first looks for its page among this many first entries.
WALK_BUDGET = 5000


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


def _indexed(session: Session, needle: str, *, unknown: bool | None = None) -> Subquery:
    """The entries (``contact_id``, ``name``) whose body contains ``needle``, found through the index
    (FTS5 or pg_trgm); only known or only unknown contacts when ``unknown`` is given."""
    if _is_sqlite(session):
        # CROSS JOIN fixes the order: from the FTS matches to their entries. Left to itself, SQLite
        # walks the entries and runs the FTS query once per entry. A quoted phrase is a substring
        # match under the trigram tokenizer.
        phrase = '"' + needle.replace('"', '""') + '"'
        only = "" if unknown is None else " AND e.unknown = :unknown"
        matches = text(
            "SELECT e.contact_id AS contact_id, e.name AS name FROM contact_search_fts "
            "CROSS JOIN contact_search_entries AS e ON e.id = contact_search_fts.rowid "
            f"WHERE contact_search_fts MATCH :phrase{only}"
        ).bindparams(phrase=phrase, **({} if unknown is None else {"unknown": unknown}))
        return matches.columns(column("contact_id", String), column("name", String)).subquery("matches")
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = select(ENTRIES.c.contact_id, ENTRIES.c.name).where(ENTRIES.c.body.like(pattern, escape="\\"))
    if unknown is not None:
        query = query.where(ENTRIES.c.unknown == unknown)
    return query.subquery("matches")


def _contains(session: Session, needle: str, body: ColumnElement[str] | None = None) -> ColumnElement[bool]:
    """The same test row by row, for walking entries in name order."""
    finder = func.instr if _is_sqlite(session) else func.strpos
    return finder(ENTRIES.c.body if body is None else body, needle) > 0


def matching_contact_ids(session: Session, search_text: str) -> Select[tuple[str]] | None:
    """The ids of contacts whose entry contains ``search_text`` (found from the index when the needle
    is long enough), or None for an empty search."""
    needle = search_needle(search_text)
    if not needle:
        return None
    if len(needle) < MIN_INDEXED_LENGTH:
        return select(ENTRIES.c.contact_id).where(_contains(session, needle))
    return select(_indexed(session, needle).c.contact_id)


@dataclass
class SearchPage:
    contact_ids: list[str]
    total: int
    total_is_exact: bool


def search_page(
    session: Session,
    *,
    search_text: str,
    unknown: bool,
    offset: int,
    count: int,
    order: Sequence[ColumnElement[Any]] = (),
) -> SearchPage:
    """One page of the contacts whose entry contains ``search_text`` (every contact when empty), in
    name order unless ``order`` (columns of ``Contact``) says otherwise.

    The cost does not follow the number of matches: a search finding at most ``EXACT_TOTAL_LIMIT``
    contacts reads them from the index, counts and sorts them; one finding more walks the entries in
    name order and stops at the page, and its total is reported as the limit, not counted."""
    needle = search_needle(search_text)
    if len(needle) >= MIN_INDEXED_LENGTH:
        if _is_sqlite(session) and not order:
            return _numbered_page(session, needle, unknown=unknown, offset=offset, count=count)
        return _matched_page(session, needle, unknown=unknown, offset=offset, count=count, order=order)
    # Every contact, or a needle too short for the index: the walk, and a count that stops at the limit.
    if _is_sqlite(session) and not order:
        # Ids follow names: the walk reads the table in rowid order, no index lookup per entry.
        low, high = search_order.id_range(unknown)
        in_class = select(ENTRIES.c.contact_id).where(ENTRIES.c.id >= low, ENTRIES.c.id < high)
        if needle:
            in_class = in_class.where(_contains(session, needle))
        total, exact = capped_count(session, in_class)
        page = in_class.order_by(ENTRIES.c.id).offset(offset).limit(count)
        return SearchPage(list(session.scalars(page)), total, exact)
    query = _walk_query(session, needle, unknown)
    total, exact = capped_count(session, query)
    walked = _ordered(query, ENTRIES.c.contact_id, ENTRIES.c.name, order)
    return SearchPage(list(session.scalars(walked.offset(offset).limit(count))), total, exact)


def _numbered_page(session: Session, needle: str, *, unknown: bool, offset: int, count: int) -> SearchPage:
    """SQLite, in name order: entry ids follow names (``search_order``), so the page is the first
    rowids of the FTS matches in the contact class's id range, and the count stops at the limit."""
    low, high = search_order.id_range(unknown)
    limit = counting.EXACT_TOTAL_LIMIT
    matches = (
        "SELECT rowid AS id FROM contact_search_fts "
        "WHERE contact_search_fts MATCH :phrase AND rowid >= :low AND rowid < :high"
    )
    found = {"phrase": '"' + needle.replace('"', '""') + '"', "low": low, "high": high}
    # One pass over the index: the first ``limit + 1`` rowids give the count and, usually, the page.
    first = list(
        session.scalars(text(f"{matches} ORDER BY rowid LIMIT :limit"), {**found, "limit": limit + 1})
    )
    if offset + count <= len(first) or len(first) <= limit:
        page_ids = first[offset : offset + count]
    else:  # a page beyond the first thousand
        page_ids = list(
            session.scalars(
                text(f"{matches} ORDER BY rowid LIMIT :count OFFSET :offset"),
                {**found, "count": count, "offset": offset},
            )
        )
    contact_of = dict(
        session.execute(select(ENTRIES.c.id, ENTRIES.c.contact_id).where(ENTRIES.c.id.in_(page_ids))).all()
    )
    ids = [contact_of[entry_id] for entry_id in page_ids]
    return SearchPage(ids, min(len(first), limit), len(first) <= limit)


def _matched_page(
    session: Session,
    needle: str,
    *,
    unknown: bool,
    offset: int,
    count: int,
    order: Sequence[ColumnElement[Any]],
) -> SearchPage:
    """PostgreSQL, or another order than the name's: at most one more than the limit read from the
    index once (MATERIALIZED), counted and sorted in the same statement; beyond the limit, the page of
    the first entries in name order when it lies there, else every match sorted."""
    found = _indexed(session, needle, unknown=unknown)
    limit = counting.EXACT_TOTAL_LIMIT
    few = select(found.c.contact_id, found.c.name).limit(limit + 1).cte("few").prefix_with("MATERIALIZED")
    counted = select(few.c.contact_id, func.count().over().label("found"))
    ordered = _ordered(counted, few.c.contact_id, few.c.name, order)
    rows = session.execute(ordered.offset(offset).limit(count)).all()
    # Past the end (or nothing found), the count alone.
    total = rows[0].found if rows else session.scalar(select(func.count()).select_from(few)) or 0
    if total <= limit:
        return SearchPage([row.contact_id for row in rows], total, True)
    if not order:
        walked = _first_entries_page(session, needle, unknown=unknown, offset=offset, count=count)
        if walked is not None:
            return SearchPage(walked, limit, False)
    # Every match, read from the index first (MATERIALIZED: not a walk of the name index), then sorted.
    every = select(found.c.contact_id, found.c.name).cte("every").prefix_with("MATERIALIZED")
    everything = _ordered(select(every.c.contact_id), every.c.contact_id, every.c.name, order)
    return SearchPage(list(session.scalars(everything.offset(offset).limit(count))), limit, False)


def _first_entries_page(
    session: Session, needle: str, *, unknown: bool, offset: int, count: int
) -> list[str] | None:
    """The page of a broad search when it lies among the first ``WALK_BUDGET`` entries in name order
    (a walk of the name index, bounded by the key of the last of them), else None."""
    key = (ENTRIES.c.name, ENTRIES.c.contact_id)
    mine = ENTRIES.c.unknown == unknown
    bound = session.execute(select(*key).where(mine).order_by(*key).offset(WALK_BUDGET - 1).limit(1)).first()
    walk = select(ENTRIES.c.contact_id).where(mine, _contains(session, needle))
    if bound is not None:
        walk = walk.where(tuple_(*key) <= tuple_(*bound))
    walked = list(session.scalars(walk.order_by(*key).offset(offset).limit(count)))
    # Every match before them is among those entries too, so this is the page.
    return walked if len(walked) == count else None


def _walk_query(session: Session, needle: str, unknown: bool) -> Select[tuple[str]]:
    """The entries in name order, each tested for the needle: stops as soon as the page is full."""
    query = select(ENTRIES.c.contact_id).where(ENTRIES.c.unknown == unknown)
    return query.where(_contains(session, needle)) if needle else query


def _ordered(
    query: Select[Any], contact_id: Any, name: Any, order: Sequence[ColumnElement[Any]]
) -> Select[Any]:
    if not order:  # name order, from the entries alone
        return query.order_by(name, contact_id)
    return query.join(Contact, Contact.id == contact_id).order_by(*order, Contact.id)


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
