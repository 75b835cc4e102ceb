"""Contact search: a page of the contacts whose search entry contains a text, and how many there are.

The entries are ``search_index``'s. On SQLite their ids follow names (``search_order``), so the first
rowids of an FTS match are already the page; PostgreSQL's trigram index finds matches in no order, so
up to 1,001 of them are counted and sorted, and a broader search looks for its page among the first
entries in name order before sorting every match. A needle of one or two CJK characters is looked
up by its marked piece (``search_index.index_needle``). Totals stop at ``counting.EXACT_TOTAL_LIMIT``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Subquery, column, func, literal, select, text, tuple_
from sqlalchemy.orm import Session

from omnidesk.models import Contact
from omnidesk.queries import counting
from omnidesk.queries.counting import capped_count
from omnidesk.queries.search import order as search_order
from omnidesk.queries.search.index import ENTRIES, index_needle, needle_for

# A broad search in name order on PostgreSQL first looks for its page among this many first entries.
WALK_BUDGET = 5000


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def fts_phrase(needle: str) -> str:
    """FTS5's quoted phrase for ``needle``: a substring match under the trigram tokenizer."""
    return '"' + needle.replace('"', '""') + '"'


# Needles of this length and more are found by a few of their trigrams, then checked (``fts_query``).
FEW_TRIGRAMS_FROM = 8


def fts_query(needle: str) -> tuple[str, bool]:
    """The FTS5 query that finds the entries containing ``needle``, and whether the caller must still
    test the substring itself (``instr``).

    A short needle is its phrase. A long one is not: a phrase reads every trigram's posting list with
    its positions, and digits' trigrams are in a large share of the entries. Up to three trigrams that
    do not overlap, ANDed, find almost only the real matches from far fewer lists (names and emails
    shorter than ``FEW_TRIGRAMS_FROM`` characters are faster as phrases). Trigrams with punctuation
    (``c-0`` is in every customer id) are left out while two others remain.
    """
    if len(needle) < FEW_TRIGRAMS_FROM:
        return fts_phrase(needle), False
    pieces = [needle[end - 3 : end] for end in range(len(needle), 2, -3)]
    if len(needle) % 3:
        pieces.append(needle[:3])
    plain = [piece for piece in pieces if piece.isalnum()]
    if len(plain) >= 2:
        pieces = plain
    if len(pieces) > 3:
        pieces = [pieces[0], pieces[len(pieces) // 2], pieces[-1]]
    return " AND ".join(fts_phrase(piece) for piece in pieces), True


def fts_matches_sql(*, columns: str, check: bool) -> str:
    """The FTS5 matches (``f``) with their entries (``e``) when the substring must be checked; binds
    ``:query`` and ``:needle``. CROSS JOIN fixes the order, from the FTS matches to their entries:
    left to itself, SQLite walks the entries and runs the FTS query once per entry."""
    if not check:
        return f"SELECT {columns} FROM contact_search_fts AS f WHERE contact_search_fts MATCH :query"
    return (
        f"SELECT {columns} FROM contact_search_fts AS f "
        "CROSS JOIN contact_search_entries AS e ON e.id = f.rowid "
        "WHERE contact_search_fts MATCH :query AND instr(e.body, :needle) > 0"
    )


def _indexed(session: Session, needle: str, *, unknown: bool | None = None) -> Subquery:
    """The entries (``contact_id``, ``name``) whose body contains ``needle``, found through the index
    (FTS5 or pg_trgm); only known or only unknown contacts when ``unknown`` is given."""
    if _is_sqlite(session):
        fts, _ = fts_query(needle)
        only = "" if unknown is None else " AND e.unknown = :unknown"
        # The entries are joined here in any case, so the substring is always checked (it costs
        # nothing more once the row is read).
        matches = text(
            fts_matches_sql(columns="e.contact_id AS contact_id, e.name AS name", check=True) + only
        ).bindparams(query=fts, needle=needle, **({} if unknown is None else {"unknown": unknown}))
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


def matching_contact_ids(session: Session, needle: str) -> Select[tuple[str]] | None:
    """The ids of contacts whose entry contains ``needle`` (from ``needle_for``; found from the index when
    it is long enough), or None for an empty search."""
    if not needle:
        return None
    indexed = index_needle(needle)
    if indexed is None:
        return select(ENTRIES.c.contact_id).where(_contains(session, needle))
    return select(_indexed(session, indexed).c.contact_id)


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

    Counts stop at ``EXACT_TOTAL_LIMIT``. On SQLite, in name order, the cost does not follow the
    number of matches (``_numbered_page``); otherwise up to the limit of matches are counted and sorted
    (``_matched_page``); a needle of one or two CJK characters is looked up by its marked piece
    (``search_index.index_needle``). Any other needle too short for the trigram index walks the entries
    in name order."""
    needle = needle_for(session, search_text)
    indexed = index_needle(needle)
    if indexed is not None:
        if _is_sqlite(session) and not order:
            return _numbered_page(session, indexed, unknown=unknown, offset=offset, count=count)
        return _matched_page(session, indexed, unknown=unknown, offset=offset, count=count, order=order)
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
    query, check = fts_query(needle)
    matches = (
        fts_matches_sql(columns="f.rowid AS id", check=check) + " AND f.rowid >= :low AND f.rowid < :high"
    )
    found = {"query": query, "needle": needle, "low": low, "high": high}
    # One pass over the index: the first ``limit + 1`` rowids give the count and, usually, the page.
    # (``.all()`` fetches them at once; iterating the result fetches one row per call.)
    first = session.scalars(
        text(f"{matches} ORDER BY f.rowid LIMIT :limit"), {**found, "limit": limit + 1}
    ).all()
    if offset + count <= len(first) or len(first) <= limit:
        page_ids = first[offset : offset + count]
    else:  # a page beyond the first thousand
        page_ids = list(
            session.scalars(
                text(f"{matches} ORDER BY f.rowid LIMIT :count OFFSET :offset"),
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
    counted = select(few.c.contact_id, few.c.name, func.count().over().label("found"))
    ordered = _ordered(counted, few.c.contact_id, few.c.name, order)
    rows = session.execute(ordered.offset(offset).limit(count)).all()
    # Past the end (or nothing found), the count alone.
    total = rows[0].found if rows else session.scalar(select(func.count()).select_from(few)) or 0
    if total <= limit:
        return SearchPage([row.contact_id for row in rows], total, True)
    if not order:
        # The first page of the sample (the first matches the index handed out, in no name order):
        # its second key tells whether the first entries in name order hold matches at all.
        sample = (rows[1].name, rows[1].contact_id) if offset == 0 and len(rows) > 1 else None
        walked = _first_entries_page(
            session, needle, unknown=unknown, offset=offset, count=count, sample_second=sample
        )
        if walked is not None:
            return SearchPage(walked, limit, False)
    # Every match, read from the index first (MATERIALIZED: not a walk of the name index), then sorted.
    every = select(found.c.contact_id, found.c.name).cte("every").prefix_with("MATERIALIZED")
    everything = _ordered(select(every.c.contact_id), every.c.contact_id, every.c.name, order)
    return SearchPage(list(session.scalars(everything.offset(offset).limit(count))), limit, False)


def _first_entries_page(
    session: Session,
    needle: str,
    *,
    unknown: bool,
    offset: int,
    count: int,
    sample_second: tuple[str, str] | None = None,
) -> list[str] | None:
    """The page of a broad search when it lies among the first ``WALK_BUDGET`` entries in name order
    (a walk of the name index, bounded by the key of the last of them), else None.

    ``sample_second`` is the second smallest key of the first 1,001 matches the index handed out.
    When even it lies beyond those entries, the walk is not tried: such a walk finds nothing (a name
    that clusters far from the start, as "Michael" at M) and costs the whole budget, while a walk that
    finds its page has at least two such matches (docs/benchmarks.md)."""
    key = (ENTRIES.c.name, ENTRIES.c.contact_id)
    mine = ENTRIES.c.unknown == unknown
    # Compared in SQL, in the database's collation.
    beyond = tuple_(*key) < tuple_(*sample_second) if sample_second else literal(False)
    first = select(*key, beyond.label("beyond")).where(mine).order_by(*key).offset(WALK_BUDGET - 1).limit(1)
    found = session.execute(first).first()
    if found is not None and found.beyond:
        return None
    bound = (found.name, found.contact_id) if found is not None else None
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
