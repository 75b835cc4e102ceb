"""``python -m bench merge``: merging a contact with a long history, and undoing it, next to the raw floor.

A fresh database (a temporary SQLite file unless ``--database-url`` names an empty one) gets two
contacts: the survivor, with a channel of its own, and a duplicate with ``--rooms`` closed conversations
holding ``--messages`` messages in all, a call and a few audit entries. Then, ``--repeat`` times, the
duplicate is merged into the survivor and the merge undone, each as one transaction through the
application's actions (what ``contacts.merge`` and ``contacts.unmerge`` run, without HTTP), commit
included. The floor is the merge's own statements written by hand (move the channels, rooms, calls and
audit entries; disable the duplicate) run through the driver in one transaction, then reverted.

Messages carry no contact, so their number does not change what a merge writes; they are there to show it
does not. The goal (issue "unified profiles"): under a second for 1,000 rooms and 10,000 messages."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from omnidesk import migrate
from omnidesk.access import Actor
from omnidesk.actions import contact_merge
from omnidesk.actions.bootstrap import ensure_defaults
from omnidesk.db import new_id, utcnow
from omnidesk.models import Call, Contact, ContactAudit, ContactChannel, Message, Room, User, Visitor
from omnidesk.services import Services
from omnidesk.settings import load_settings


def _services(database_url: str | None) -> tuple[Services, Path | None]:
    scratch = None
    if not database_url:
        scratch = Path(tempfile.mkdtemp(prefix="omnidesk-merge-bench-"))
        database_url = f"sqlite:///{scratch / 'merge.sqlite3'}"
    settings = load_settings({**os.environ, "OMNIDESK_DATABASE_URL": database_url})
    return Services.build(settings), scratch


def _seed(services: Services, *, rooms: int, messages: int) -> tuple[str, str, str]:
    """The survivor, the duplicate and a manager, as ids."""
    now = utcnow()
    with services.transaction() as session:
        ensure_defaults(session)
        manager = User(username=f"bench-{new_id()[:6]}", name="Bench Manager")
        session.add(manager)
        survivor = Contact(name="Ada Lovelace", unknown=False, custom_fields={}, conflicting_fields=[])
        duplicate = Contact(name="Ada L", unknown=True, custom_fields={}, conflicting_fields=[])
        session.add_all([survivor, duplicate])
        session.flush()
        visitors = []
        for contact in (survivor, duplicate):
            visitor = Visitor(token=new_id() + new_id(), username=f"guest-{new_id()[:8]}", name=contact.name)
            session.add(visitor)
            session.flush()
            visitors.append(visitor)
            session.add(
                ContactChannel(
                    contact_id=contact.id,
                    visitor_id=visitor.id,
                    source_type="widget",
                    name="widget",
                    details={},
                )
            )
        room_rows: list[dict[str, Any]] = [
            {
                "id": new_id(),
                "fname": duplicate.name,
                "visitor_id": visitors[1].id,
                "contact_id": duplicate.id,
                "source": {"type": "widget"},
                "source_type": "widget",
                "source_id": "",
                "open": False,
                "verified": False,
                "livechat_data": {},
                "created_at": now - timedelta(minutes=index),
                "closed_at": now - timedelta(minutes=index) + timedelta(seconds=30),
            }
            for index in range(rooms)
        ]
        session.execute(insert(Room), room_rows)
        per_room = max(1, messages // max(1, rooms))
        message_rows = [
            {
                "id": new_id(),
                "room_id": room["id"],
                "msg": f"message {index} of the history",
                "author_id": visitors[1].id,
                "author_username": visitors[1].username,
                "author_kind": "visitor",
                "created_at": room["created_at"] + timedelta(seconds=index),
            }
            for room in room_rows
            for index in range(per_room)
        ]
        for start in range(0, len(message_rows), 5000):
            session.execute(insert(Message), message_rows[start : start + 5000])
        session.add(
            Call(
                provider="manual",
                direction="inbound",
                from_number="+442079460959",
                to_number="+15550100000",
                customer_number="+442079460959",
                contact_id=duplicate.id,
                visitor_id=visitors[1].id,
            )
        )
        session.add_all(ContactAudit(contact_id=duplicate.id, action="updated", changes={}) for _ in range(5))
        return survivor.id, duplicate.id, manager.id


def _time_actions(
    services: Services, survivor_id: str, duplicate_id: str, manager_id: str, rooms: int
) -> tuple[float, float]:
    started = time.perf_counter()
    with services.transaction() as session:
        actor = Actor(user=session.get(User, manager_id))  # type: ignore[arg-type]
        survivor, *others = contact_merge.contacts_to_merge(
            session, contact_id=survivor_id, merge_with=[duplicate_id]
        )
        plan = contact_merge.plan_merge(session, survivor=survivor, others=others)
        merge_id = contact_merge.merge_contacts(session, actor=actor, plan=plan).id
    merged = time.perf_counter() - started
    _check_rooms(services, duplicate_id, expected=0)
    started = time.perf_counter()
    with services.transaction() as session:
        actor = Actor(user=session.get(User, manager_id))  # type: ignore[arg-type]
        contact_merge.unmerge(session, actor=actor, merge_id=merge_id)
    unmerged = time.perf_counter() - started
    _check_rooms(services, duplicate_id, expected=rooms)
    return merged, unmerged


def _check_rooms(services: Services, duplicate_id: str, *, expected: int) -> None:
    """A timing counts only if the merge moved every room away (0) or the undo brought all back."""
    with services.db.engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM rooms WHERE contact_id = :duplicate"), {"duplicate": duplicate_id}
        ).scalar_one()
    if found != expected:
        raise RuntimeError(f"the duplicate has {found} rooms, not {expected}")


MOVED_TABLES = ("contact_channels", "rooms", "calls", "contact_audit")


def _time_floor(services: Services, survivor_id: str, duplicate_id: str) -> float:
    """The merge's writes by hand, committed, then reverted (untimed)."""
    ids = {"survivor": survivor_id, "duplicate": duplicate_id}
    with services.db.engine.connect() as connection:
        moved = {
            table: [
                row[0]
                for row in connection.execute(
                    text(f"SELECT id FROM {table} WHERE contact_id = :duplicate"), ids
                )
            ]
            for table in MOVED_TABLES
        }
        connection.rollback()
        started = time.perf_counter()
        with connection.begin():
            for table in MOVED_TABLES:
                rename = ", fname = 'Ada Lovelace'" if table == "rooms" else ""
                connection.execute(
                    text(f"UPDATE {table} SET contact_id = :survivor{rename} WHERE contact_id = :duplicate"),
                    ids,
                )
            connection.execute(
                text("UPDATE contacts SET enabled = false, merged_into_id = :survivor WHERE id = :duplicate"),
                ids,
            )
        elapsed = time.perf_counter() - started
        with connection.begin():
            for table, row_ids in moved.items():
                rename = ", fname = 'Ada L'" if table == "rooms" else ""
                for start in range(0, len(row_ids), 500):
                    chunk = {f"r{index}": row_id for index, row_id in enumerate(row_ids[start : start + 500])}
                    marks = ", ".join(f":{key}" for key in chunk)
                    connection.execute(
                        text(f"UPDATE {table} SET contact_id = :duplicate{rename} WHERE id IN ({marks})"),
                        {**ids, **chunk},
                    )
            connection.execute(
                text("UPDATE contacts SET enabled = true, merged_into_id = NULL WHERE id = :duplicate"), ids
            )
    return elapsed


def main(args: argparse.Namespace) -> int:
    services, scratch = _services(args.database_url)
    try:
        migrate.upgrade(services.db)
        survivor_id, duplicate_id, manager_id = _seed(services, rooms=args.rooms, messages=args.messages)
        merges, unmerges, floors = [], [], []
        for _ in range(args.repeat):
            merged, unmerged = _time_actions(services, survivor_id, duplicate_id, manager_id, args.rooms)
            merges.append(merged)
            unmerges.append(unmerged)
            floors.append(_time_floor(services, survivor_id, duplicate_id))
        result: dict[str, Any] = {
            "engine": services.db.dialect,
            "rooms": args.rooms,
            "messages": args.messages,
            "repeat": args.repeat,
            "merge_ms": _summary(merges),
            "unmerge_ms": _summary(unmerges),
            "floor_ms": _summary(floors),
        }
    finally:
        services.db.dispose()
        if scratch is not None:
            for path in scratch.iterdir():
                path.unlink()
            scratch.rmdir()
    print(json.dumps(result, indent=2))
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    return 0


def _summary(seconds: list[float]) -> dict[str, float]:
    milliseconds = sorted(value * 1000 for value in seconds)
    return {
        "p50": round(statistics.median(milliseconds), 1),
        "min": round(milliseconds[0], 1),
        "max": round(milliseconds[-1], 1),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--rooms", type=int, default=1000, help="conversations of the merged contact")
    parser.add_argument("--messages", type=int, default=10000, help="messages in them, in all")
    parser.add_argument("--repeat", type=int, default=7, help="merges and undos timed")
    parser.add_argument("--output", help="also write the result as JSON to this file")
