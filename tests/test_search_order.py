"""SQLite's search entries are numbered in name order (search_order), and stay so through inserts,
renames and renumbering; a search's pages then come straight from the FTS index in that order."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from omnidesk import migrate
from omnidesk.db import Database
from omnidesk.queries.search import order as search_order
from omnidesk.queries.search.contacts import search_page
from omnidesk.queries.search.index import write_bodies


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """Whatever engine the suite runs on: the numbering exists on SQLite only."""
    database = Database(f"sqlite:///{tmp_path / 'order.sqlite3'}")
    migrate.upgrade(database)
    yield database
    database.dispose()


def _add_contacts(database: Database, people: list[tuple[str, str, bool]]) -> None:
    with database.session(write=True) as session:
        for contact_id, name, unknown in people:
            session.execute(
                text(
                    "INSERT OR IGNORE INTO contacts (id, name, unknown, pre_registration, enabled, "
                    "custom_fields, conflicting_fields, created_at, updated_at) "
                    "VALUES (:id, :name, :unknown, 0, 1, '{}', '[]', '2026-01-01', '2026-01-01')"
                ),
                {"id": contact_id, "name": name, "unknown": unknown},
            )
        write_bodies(
            session,
            [
                {
                    "contact_id": cid,
                    "unknown": unknown,
                    "name": name,
                    "body": f"{name.lower()}\n{cid}@example.org",
                }
                for cid, name, unknown in people
            ],
        )
        session.commit()


def _entries(database: Database) -> list[tuple[int, str, str, int]]:
    with database.session(write=False) as session:
        rows = session.execute(
            text("SELECT id, name, contact_id, unknown FROM contact_search_entries ORDER BY id")
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_ids_follow_names_through_inserts_renames_and_renumbering(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_order, "GAP", 4)  # gaps run out at once: windows get renumbered
    rng = random.Random(7)
    first = ["Ann", "Bo", "Marta", "Mark", "Zed"]
    people = [(f"c{n:03d}", f"{rng.choice(first)} Smith{rng.randrange(5)}", n % 7 == 0) for n in range(150)]
    for start in range(0, len(people), 10):  # in several transactions, in random name order
        _add_contacts(sqlite_db, people[start : start + 10])
    renamed = [(cid, "Aaron Smith", unknown) for cid, _name, unknown in people[::9]]
    _add_contacts(sqlite_db, renamed)

    entries = _entries(sqlite_db)
    assert len(entries) == 150
    for unknown in (0, 1):
        low, high = search_order.id_range(bool(unknown))
        mine = [(name, cid, entry_id) for entry_id, name, cid, flag in entries if flag == unknown]
        assert all(low <= entry_id < high for _n, _c, entry_id in mine)
        assert [entry_id for *_key, entry_id in sorted(mine)] == sorted(entry_id for *_k, entry_id in mine)

    with sqlite_db.session(write=False) as session:
        expected = sorted(
            (name, cid) for _id, name, cid, flag in entries if not flag and "smith" in name.lower()
        )
        pages = [
            search_page(session, search_text="smith", unknown=False, offset=offset, count=20)
            for offset in range(0, len(expected), 20)
        ]
        assert [cid for page in pages for cid in page.contact_ids] == [cid for _name, cid in expected]
        assert pages[0].total == len(expected) and pages[0].total_is_exact
        marks = search_page(session, search_text="mar", unknown=False, offset=0, count=500)
        assert marks.contact_ids == [cid for name, cid in expected if "mar" in name.lower()]
        assert search_page(session, search_text="aaron", unknown=True, offset=0, count=50).contact_ids == [
            cid for cid, _name, unknown in sorted(renamed, key=lambda p: p[0]) if unknown
        ]
