"""SQLite: search entries numbered in name order, so that the FTS index hands out matches sorted.

FTS5 returns the rowids of a ``MATCH`` in ascending order and stops when a ``LIMIT`` is reached, but it
knows nothing of names: sorting 50,000 matches by name meant reading 50,000 entries. So an entry's id
(the FTS rowid) is its place in ``(name, contact_id)`` order: known contacts below ``UNKNOWN_BASE``,
unknown ones above it, ``GAP`` apart when numbered afresh (migration 0008, the benchmark loader). A
new or renamed entry takes the id halfway between its neighbours; when they are adjacent, a window of
entries around it is renumbered evenly. Then the first page of any search is the first rowids of its
FTS matches in the contact class's id range: a handful of index reads, however many contacts match.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

UNKNOWN_BASE = 1 << 61
GAP = 1 << 24
ID_END = 1 << 62


def id_range(unknown: bool) -> tuple[int, int]:
    """The ids ``[low, high)`` of known or of unknown contacts' entries."""
    return (UNKNOWN_BASE, ID_END) if unknown else (1, UNKNOWN_BASE)


def numbering_sql(source: str) -> str:
    """SELECT (id, contact_id, unknown, name, body) from ``source`` (which has those columns but the
    id), numbered in name order with gaps."""
    return (
        f"SELECT CASE WHEN unknown THEN {UNKNOWN_BASE} ELSE 0 END "
        f"+ row_number() OVER (PARTITION BY unknown ORDER BY name, contact_id) * {GAP} AS id, "
        f"contact_id, unknown, name, body FROM {source}"
    )


def _neighbours(session: Session, unknown: bool, name: str, contact_id: str, side: str, n: int) -> list[int]:
    """The ids of the ``n`` entries just before (``side="<"``) or after (``">"``) the key."""
    direction = "DESC" if side == "<" else "ASC"
    rows = session.execute(
        text(
            "SELECT id FROM contact_search_entries WHERE unknown = :unknown "
            f"AND (name, contact_id) {side} (:name, :contact_id) "
            f"ORDER BY name {direction}, contact_id {direction} LIMIT :n"
        ),
        {"unknown": unknown, "name": name, "contact_id": contact_id, "n": n},
    )
    return list(rows.scalars())


def place(session: Session, *, unknown: bool, name: str, contact_id: str) -> int:
    """A free id between the entries before and after ``(name, contact_id)``, making room if needed."""
    low, high = id_range(unknown)
    before = _neighbours(session, unknown, name, contact_id, "<", 1)
    after = _neighbours(session, unknown, name, contact_id, ">", 1)
    floor = before[0] if before else low - 1
    ceiling = after[0] if after else high
    if ceiling - floor > 1:
        if not after:  # the last: a whole gap after it, while there is room
            return min(floor + GAP, (floor + ceiling) // 2)
        if not before:
            return max(ceiling - GAP, (floor + ceiling) // 2)
        return (floor + ceiling) // 2
    return _spread_around(session, unknown=unknown, name=name, contact_id=contact_id)


def _spread_around(session: Session, *, unknown: bool, name: str, contact_id: str) -> int:
    """Renumber a window of entries around the key evenly, wider until the ids leave room, and return
    the id left free for the key."""
    low, high = id_range(unknown)
    half = 8
    while True:
        before = _neighbours(session, unknown, name, contact_id, "<", half + 1)
        after = _neighbours(session, unknown, name, contact_id, ">", half + 1)
        # The bounds stay; the entries strictly between them are renumbered.
        floor = before[half] if len(before) > half else low - 1
        ceiling = after[half] if len(after) > half else high
        window = [*reversed(before[:half]), None, *after[:half]]
        step = (ceiling - floor) // (len(window) + 1)
        if step >= 2:
            break
        half *= 8
    targets = {old: floor + step * (position + 1) for position, old in enumerate(window) if old is not None}
    moves = [{"old": old, "temporary": -old} for old in targets]
    # Through negative ids first, so that no new id collides with an old one not yet moved.
    session.execute(text("UPDATE contact_search_entries SET id = :temporary WHERE id = :old"), moves)
    session.execute(
        text("UPDATE contact_search_entries SET id = :new WHERE id = :temporary"),
        [{"temporary": -old, "new": new} for old, new in targets.items()],
    )
    return floor + step * (window.index(None) + 1)
