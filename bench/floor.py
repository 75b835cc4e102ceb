"""The database side of the benchmark, through the driver alone (sqlite3 or psycopg, no ORM, no HTTP).

- **The raw floor**: the statements a request needs to answer (the count, the page, the page's emails,
  phones, channels, tags...), written by hand and run on one driver connection. The API can only be
  slower; the ratio says what HTTP, authentication, the ORM and serialisation cost on top.
- **The peers' method**: Rocket.Chat and Chatwoot search contacts with a case-insensitive substring
  scan (a ``$regex`` with the ``i`` flag; ``ILIKE '%text%'``) over the name, emails, phones and custom
  fields, with no index able to help; here is that scan over the same tables.
- Picking the inputs (contacts, rooms, agents) and the dataset's size, untimed.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import psycopg

from omnidesk.db import ID_ALPHABET, ID_LENGTH
from omnidesk.queries.counting import EXACT_TOTAL_LIMIT
from omnidesk.queries.search import order as search_order
from omnidesk.queries.search.contacts import WALK_BUDGET, fts_query
from omnidesk.queries.search.index import index_needle, search_needle
from omnidesk.services import Services

PAGE = 25  # what the contact and chat lists of the agent UI ask for
LIMIT = EXACT_TOTAL_LIMIT  # totals are counted up to this

CONTACT_COLUMNS = (
    "id, name, contact_manager_id, unknown, pre_registration, custom_fields, conflicting_fields, "
    "last_chat_room_id, last_chat_at, created_at, updated_at"
)
# The id, last message and department first, where the code below reads them.
ROOM_COLUMNS = "r.id, r.last_message_id, r.department_id, r.*, v.username, v.status, v.name, v.phone"


@dataclass
class RoomFilter:
    """The filters of one ``livechat/rooms`` request, as query parameters and as SQL."""

    agents: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    open: bool | None = None
    created: tuple[datetime, datetime] | None = None

    def query_string(self) -> str:
        from urllib.parse import urlencode

        params: list[tuple[str, str]] = [("count", str(PAGE))]
        params += [("agents", agent) for agent in self.agents]
        params += [("departmentId", department) for department in self.departments]
        params += [("tags", tag) for tag in self.tags]
        if self.open is not None:
            params.append(("open", "true" if self.open else "false"))
        if self.created is not None:
            start, end = (moment.strftime("%Y-%m-%dT%H:%M:%S.000Z") for moment in self.created)
            params.append(("createdAt", f'{{"start": "{start}", "end": "{end}"}}'))
        return urlencode(params)


class RawDatabase:
    def __init__(self, services: Services) -> None:
        self.sqlite = services.db.dialect == "sqlite"
        self.sqlite_path = services.db.engine.url.database if self.sqlite else None
        self._raw = services.db.engine.raw_connection()
        self.count_ms = 0.0  # of the last floor request, the time its exact ``total`` took
        self.conn = cast(Any, self._raw.driver_connection)
        if not self.sqlite:
            self.conn.autocommit = True  # each statement on its own, as the server's reads are
            # psycopg prepares a statement run five times on a connection; PostgreSQL may then pick
            # a generic plan, which cannot use the trigram index for ``LIKE $1``. Plan each query.
            self.conn.prepare_threshold = None

    def close(self) -> None:
        self._raw.close()

    # --- plumbing -------------------------------------------------------------------------------------

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        cursor = self.conn.cursor()
        try:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def count(self, sql: str, params: Sequence[Any]) -> int:
        started = time.perf_counter()
        total = self.scalar(sql, params)
        self.count_ms = (time.perf_counter() - started) * 1000
        return total

    def moment(self, value: datetime) -> Any:
        """A datetime as the column stores it (SQLite: naive UTC text)."""
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ") if self.sqlite else value

    def _marks(self, values: Sequence[Any]) -> str:
        return ",".join("?" * len(values))

    # --- the contact directory --------------------------------------------------------------------------

    def _contact_page(
        self, where: str, params: Sequence[Any], join: str = ""
    ) -> tuple[int, list[tuple[Any, ...]]]:
        """The peers' page: an exact count and a name-sorted page of the contacts matching ``where``."""
        total = self.count(f"SELECT count(*) FROM contacts c {join} WHERE {where}", params)
        page = self.rows(
            f"SELECT {CONTACT_COLUMNS} FROM contacts c {join} WHERE {where} ORDER BY name, id LIMIT {PAGE}",
            params,
        )
        self._contact_details([row[0] for row in page], [row[2] for row in page if row[2]])
        return total, page

    def _contacts_by_id(self, ids: Sequence[str]) -> None:
        if ids:
            found = self.rows(f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id IN ({self._marks(ids)})", ids)
            self._contact_details(ids, [row[2] for row in found if row[2]])

    def _contact_details(self, ids: Sequence[str], managers: Sequence[str]) -> None:
        if not ids:
            return
        marks = self._marks(ids)
        self.rows(f"SELECT contact_id, address FROM contact_emails WHERE contact_id IN ({marks})", ids)
        self.rows(f"SELECT contact_id, phone_number FROM contact_phones WHERE contact_id IN ({marks})", ids)
        self.rows(f"SELECT * FROM contact_channels WHERE contact_id IN ({marks})", ids)
        if managers:
            self.rows(f"SELECT id, name, username FROM users WHERE id IN ({self._marks(managers)})", managers)

    def search_floor(self, search_text: str) -> int:
        """The search the server runs (``queries.search.contacts.search_page``), through the driver.
        Returns the total the server reports (capped)."""
        needle = search_needle(search_text)
        indexed = index_needle(needle)  # one or two CJK characters: their marked piece
        contains = "instr(body, ?) > 0" if self.sqlite else "strpos(body, ?) > 0"
        walk = f"SELECT contact_id FROM contact_search_entries WHERE unknown = FALSE AND {contains}"
        if indexed is None:
            if self.sqlite:  # ids follow names: the table in rowid order
                low, high = search_order.id_range(False)
                walk = (
                    "SELECT contact_id FROM contact_search_entries "
                    f"WHERE id >= {low} AND id < {high} AND {contains}"
                )
            order = "id" if self.sqlite else "name, contact_id"
            total = self.count(f"SELECT count(*) FROM ({walk} LIMIT {LIMIT + 1}) m", [needle])
            found = self.rows(f"{walk} ORDER BY {order} LIMIT {PAGE}", [needle])
        elif self.sqlite:
            total, found = self._numbered_search(indexed)
        else:
            total, found = self._matched_search(indexed, walk)
        self._contacts_by_id([row[0] for row in found])
        return min(total, LIMIT)

    def _numbered_search(self, needle: str) -> tuple[int, list[tuple[Any, ...]]]:
        """SQLite: the first rowids of the FTS matches among known contacts' ids, which follow names."""
        started = time.perf_counter()
        query, check = fts_query(needle)  # a long needle: a few trigrams, then the substring tested
        tested = "CROSS JOIN contact_search_entries AS e ON e.id = f.rowid " if check else ""
        test = "AND instr(e.body, ?) > 0 " if check else ""
        first = self.rows(
            f"SELECT f.rowid FROM contact_search_fts AS f {tested}WHERE contact_search_fts MATCH ? {test}"
            f"AND f.rowid >= ? AND f.rowid < ? ORDER BY f.rowid LIMIT {LIMIT + 1}",
            [query, *([needle] if check else []), *search_order.id_range(False)],
        )
        self.count_ms = (time.perf_counter() - started) * 1000
        page = [row[0] for row in first[:PAGE]]
        if not page:
            return 0, []
        by_id = dict(
            self.rows(
                f"SELECT id, contact_id FROM contact_search_entries WHERE id IN ({self._marks(page)})", page
            )
        )
        return len(first), [(by_id[entry_id],) for entry_id in page]

    def _matched_search(self, needle: str, walk: str) -> tuple[int, list[tuple[Any, ...]]]:
        """PostgreSQL: up to the limit + 1 matches counted and sorted; above, the page among the first
        entries in name order, else every match sorted."""
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches = (
            "SELECT contact_id, name FROM contact_search_entries "
            "WHERE body LIKE ? ESCAPE '\\' AND unknown = FALSE"
        )
        started = time.perf_counter()
        few = self.rows(
            f"WITH few AS MATERIALIZED ({matches} LIMIT {LIMIT + 1}) "
            f"SELECT contact_id, count(*) OVER (), name FROM few ORDER BY name, contact_id LIMIT {PAGE}",
            [f"%{escaped}%"],
        )
        self.count_ms = (time.perf_counter() - started) * 1000
        total = few[0][1] if few else 0
        if total <= LIMIT:
            return total, few
        # The sample's second match against the first entries' last: the walk only when it may find.
        bound = self.rows(
            "SELECT name, contact_id, (name, contact_id) < (?, ?) FROM contact_search_entries "
            f"WHERE unknown = FALSE ORDER BY name, contact_id OFFSET {WALK_BUDGET - 1} LIMIT 1",
            [few[1][2], few[1][0]],
        )
        if not bound:  # fewer entries than that: the walk reads them all
            walked = self.rows(f"{walk} ORDER BY name, contact_id LIMIT {PAGE}", [needle])
        elif not bound[0][2]:
            walked = self.rows(
                f"{walk} AND (name, contact_id) <= (?, ?) ORDER BY name, contact_id LIMIT {PAGE}",
                [needle, *bound[0][:2]],
            )
        else:
            walked = []
        if len(walked) == PAGE:
            return total, walked
        every = self.rows(
            f"WITH every AS MATERIALIZED ({matches}) "
            f"SELECT contact_id FROM every ORDER BY name, contact_id LIMIT {PAGE}",
            [f"%{escaped}%"],
        )
        return total, every

    def search_peers(self, search_text: str) -> int:
        """Rocket.Chat's and Chatwoot's contact search: a case-insensitive substring scan of the
        contact's fields as typed; returns the number found."""
        if self.sqlite:
            pattern, like, as_text = f"%{search_text.strip().lower()}%", "LIKE", "lower(c.custom_fields)"
            name, address = "lower(c.name)", "lower(e.address)"
        else:
            pattern, like, as_text = f"%{search_text.strip()}%", "ILIKE", "c.custom_fields::text"
            name, address = "c.name", "e.address"
        where = (
            f"enabled = TRUE AND unknown = FALSE AND ({name} {like} ? "
            f"OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id AND {address} {like} ?) "
            "OR EXISTS (SELECT 1 FROM contact_phones p WHERE p.contact_id = c.id "
            f"AND p.phone_number {like} ?) "
            f"OR {as_text} {like} ?)"
        )
        return self._contact_page(where, [pattern] * 4)[0]

    def get_floor(self, contact_id: str) -> int:
        self.count_ms = 0.0
        found = self.rows(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ? AND enabled = TRUE", [contact_id]
        )
        self._contact_details([contact_id], [row[2] for row in found if row[2]])
        return len(found)

    def history_floor(self, contact_id: str) -> int:
        where = "r.contact_id = ? AND r.closed_at IS NOT NULL"
        total = self.count(f"SELECT count(*) FROM rooms r WHERE {where}", [contact_id])
        page = self.rows(
            f"SELECT {ROOM_COLUMNS} FROM rooms r JOIN visitors v ON v.id = r.visitor_id WHERE {where} "
            f"ORDER BY r.closed_at DESC, r.id LIMIT {PAGE}",
            [contact_id],
        )
        ids = [row[0] for row in page]
        if ids:
            self.rows(f"SELECT room_id, tag FROM room_tags WHERE room_id IN ({self._marks(ids)})", ids)
        return total

    # --- the Chats listing --------------------------------------------------------------------------------

    def rooms_floor(self, rooms: RoomFilter) -> int:
        conditions: list[str] = []
        params: list[Any] = []
        # One tag and no agent or department: walked through (tag, room_created_at), as the server does.
        walks_tag = len(rooms.tags) == 1 and not (rooms.agents or rooms.departments)
        if rooms.agents:
            conditions.append(f"r.served_by_id IN ({self._marks(rooms.agents)})")
            params += rooms.agents
        if rooms.departments:
            conditions.append(f"r.department_id IN ({self._marks(rooms.departments)})")
            params += rooms.departments
        if rooms.open is True:
            conditions.append("r.open = TRUE AND r.on_hold = FALSE AND r.served_by_id IS NOT NULL")
        elif rooms.open is False and (rooms.agents or rooms.departments):
            conditions.append("coalesce(r.open, TRUE) = FALSE")  # a test on the row, as the server's
        elif rooms.open is False:
            conditions.append("r.open = FALSE")
        window: list[Any] = []
        if rooms.created is not None:
            conditions.append("r.created_at >= ? AND r.created_at <= ?")
            window = [self.moment(rooms.created[0]), self.moment(rooms.created[1])]
            params += window
        if rooms.tags and not walks_tag:
            # The tag's rooms in the window only, as the server lists them.
            in_window = " AND room_created_at >= ? AND room_created_at <= ?" if window else ""
            conditions.append(
                f"r.id IN (SELECT room_id FROM room_tags WHERE tag IN ({self._marks(rooms.tags)}){in_window})"
            )
            params += [*rooms.tags, *window]
        tagged, newest = "", "r.created_at"
        if walks_tag:
            tagged, newest = "JOIN room_tags t ON t.room_id = r.id AND t.tag = ?", "t.room_created_at"
            params = [*rooms.tags, *params]
        where = " AND ".join(conditions) or "TRUE"
        page = self.rows(
            f"SELECT {ROOM_COLUMNS} FROM rooms r {tagged} JOIN visitors v ON v.id = r.visitor_id "
            f"WHERE {where} ORDER BY {newest} DESC, r.id LIMIT {PAGE}",
            params,
        )
        if len(page) < PAGE:  # the page ends the list: its length is the total, as the server's
            self.count_ms = 0.0
            total = len(page)
        elif walks_tag and not conditions:  # the tag alone: its index counts, as the server's
            total = self.count(
                f"SELECT count(*) FROM (SELECT 1 FROM room_tags WHERE tag = ? LIMIT {LIMIT + 1}) m",
                rooms.tags,
            )
        else:
            total = self.count(
                f"SELECT count(*) FROM (SELECT 1 FROM rooms r {tagged} WHERE {where} LIMIT {LIMIT + 1}) m",
                params,
            )
        ids = [row[0] for row in page]
        if ids:
            marks = self._marks(ids)
            self.rows(f"SELECT room_id, tag FROM room_tags WHERE room_id IN ({marks})", ids)
            last = [row[1] for row in page if row[1]]
            if last:
                self.rows(f"SELECT * FROM messages WHERE id IN ({self._marks(last)})", last)
            departments = sorted({row[2] for row in page if row[2]})
            if departments:
                self.rows(f"SELECT * FROM departments WHERE id IN ({self._marks(departments)})", departments)
        return min(total, LIMIT)

    # --- what the dataset holds ---------------------------------------------------------------------------

    def warm_cache(self) -> dict[str, Any]:
        """Read the whole database once into the operating system's page cache, as a server that has
        run a while holds its working set: every figure is then a steady state, not the first reads
        of a freshly loaded dataset from disk (which cost the API, the floor and the peers alike).
        SQLite: the file, read through; PostgreSQL: each table and index, by ``pg_prewarm``."""
        started = time.perf_counter()
        megabytes = 0.0
        if self.sqlite:
            assert self.sqlite_path, "a SQLite dataset is a file"
            for path in (self.sqlite_path, f"{self.sqlite_path}-wal"):
                if os.path.exists(path):
                    with open(path, "rb", buffering=0) as data:
                        while chunk := data.read(1 << 22):
                            megabytes += len(chunk) / 1e6
        else:
            try:
                self.conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            except psycopg.Error as error:  # not installed, or not ours to create: measure as it is
                return {"warmed": False, "reason": str(error).splitlines()[0]}
            relations = self.rows(
                "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i')"
            )
            for (relation,) in relations:
                blocks = int(self.scalar("SELECT pg_prewarm(?::regclass, 'read')", [relation]) or 0)
                megabytes += blocks * 8192 / 1e6
            self._hold_search_in_buffers()
        return {
            "warmed": True,
            "megabytes": round(megabytes),
            "seconds": round(time.perf_counter() - started, 1),
        }

    def _hold_search_in_buffers(self) -> None:
        """PostgreSQL: the search entries and their indexes also into shared buffers when they take
        at most half of them, as they stay in a server whose searches read them all day."""
        search = self.rows(
            "SELECT c.oid::regclass::text, pg_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
            "AND (c.relname = 'contact_search_entries' OR c.oid IN (SELECT indexrelid FROM pg_index "
            "WHERE indrelid = 'contact_search_entries'::regclass))"
        )
        buffers = int(
            self.scalar("SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'")
        )
        if sum(size for _relation, size in search) <= buffers // 2:
            for relation, _size in search:
                self.scalar("SELECT pg_prewarm(?::regclass, 'buffer')", [relation])

    def server_settings(self) -> dict[str, str]:
        """The database settings the figures depend on."""
        if self.sqlite:
            return {"journal_mode": str(self.scalar("PRAGMA journal_mode"))}
        names = ("shared_buffers", "synchronous_commit", "work_mem")
        return {name: str(self.scalar(f"SHOW {name}")) for name in names}

    def counts(self) -> dict[str, int]:
        tables = (
            "contacts",
            "contact_emails",
            "contact_phones",
            "visitors",
            "rooms",
            "messages",
            "room_tags",
        )
        return {table: int(self.scalar(f"SELECT count(*) FROM {table}") or 0) for table in tables}

    def server_version(self) -> str:
        if self.sqlite:
            return "SQLite " + str(self.scalar("SELECT sqlite_version()"))
        return str(self.scalar("SHOW server_version")).split(" ")[0]

    def stored_messages(self, ids: Sequence[str]) -> int:
        stored = 0
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            stored += int(
                self.scalar(f"SELECT count(*) FROM messages WHERE id IN ({self._marks(batch)})", batch)
            )
        return stored


def random_id(rng: random.Random) -> str:
    return "".join(rng.choices(ID_ALPHABET, k=ID_LENGTH))


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """Milliseconds the call took, and what it returned."""
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result
