"""The inputs of the read measurements, drawn from the dataset with a seeded generator (untimed):
what an agent would type to find a contact, which contacts it opens, which filters it sets."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bench.floor import RawDatabase, RoomFilter, random_id

SEARCH_KINDS = ("name fragment", "email fragment", "phone, other format", "custom field", "no match")
ROOM_KINDS = ("agent", "status", "date", "tag", "department", "all filters")


@dataclass
class Inputs:
    searches: dict[str, list[str]] = field(default_factory=dict)
    contact_ids: list[str] = field(default_factory=list)
    history_ids: list[str] = field(default_factory=list)
    rooms: dict[str, list[RoomFilter]] = field(default_factory=dict)


def _random_contact(db: RawDatabase, rng: random.Random) -> tuple[str, str, str]:
    """A random enabled known contact: id, name, custom fields (JSON)."""
    for _ in range(50):
        # The next ids after a random one, filtered here: a WHERE on enabled and unknown would lead
        # SQLite, which has no statistics, to scan the (enabled, unknown, name) index instead.
        rows = db.rows(
            "SELECT id, name, custom_fields, enabled, unknown FROM contacts WHERE id >= ? "
            "ORDER BY id LIMIT 20",
            [random_id(rng)],
        )
        for contact_id, name, custom, enabled, unknown in rows:
            if enabled and not unknown:
                return contact_id, name, custom if isinstance(custom, str) else json.dumps(custom)
    raise RuntimeError("the dataset has no contacts: run `python -m bench generate` first")


def _fragment(rng: random.Random, word: str, shortest: int, longest: int) -> str:
    size = min(len(word), rng.randint(shortest, longest))
    start = rng.randrange(len(word) - size + 1)
    return word[start : start + size]


def _name_fragment(db: RawDatabase, rng: random.Random) -> str:
    while True:
        _id, name, _custom = _random_contact(db, rng)
        words = [word for word in name.split() if len(word) >= 3]
        if words:
            return _fragment(rng, rng.choice(words), 3, 6)


def _email_fragment(db: RawDatabase, rng: random.Random) -> str:
    while True:
        contact_id, _name, _custom = _random_contact(db, rng)
        found = db.rows("SELECT address FROM contact_emails WHERE contact_id = ?", [contact_id])
        if found:
            local = str(rng.choice(found)[0]).split("@")[0]
            if len(local) >= 4:
                return _fragment(rng, local, 4, 8)


def _other_format(e164: str, rng: random.Random) -> str:
    """The number written another way than it was typed: international with spaces or dashes, or the
    national number alone in groups."""
    digits = e164.lstrip("+")
    for size in (1, 2, 3):  # the country code is 1 to 3 digits; any split writes a valid-looking number
        if rng.random() < 0.5 or size == 3:
            country, national = digits[:size], digits[size:]
            break
    groups = [national[index : index + 3] for index in range(0, len(national), 3)]
    style = rng.randrange(3)
    if style == 0:
        return f"+{country} " + " ".join(groups)
    if style == 1:
        return f"+{country}-" + "-".join(groups)
    return f"({groups[0]}) " + " ".join(groups[1:])


def _phone(db: RawDatabase, rng: random.Random) -> str:
    while True:
        contact_id, _name, _custom = _random_contact(db, rng)
        found = db.rows(
            "SELECT e164 FROM contact_phones WHERE contact_id = ? AND e164 IS NOT NULL", [contact_id]
        )
        if found:
            return _other_format(str(rng.choice(found)[0]), rng)


def _custom_value(db: RawDatabase, rng: random.Random) -> str:
    while True:
        _id, _name, custom = _random_contact(db, rng)
        values = json.loads(custom or "{}")
        if values.get("customerId"):
            return str(values["customerId"])
        if values.get("company"):
            return str(values["company"]).split()[0]


def _no_match(rng: random.Random) -> str:
    return "".join(rng.choices("qxzjvw", k=3)) + "".join(rng.choices("0123456789", k=4))


def choose(db: RawDatabase, rng: random.Random, count: int) -> Inputs:
    inputs = Inputs()
    makers = {
        "name fragment": lambda: _name_fragment(db, rng),
        "email fragment": lambda: _email_fragment(db, rng),
        "phone, other format": lambda: _phone(db, rng),
        "custom field": lambda: _custom_value(db, rng),
        "no match": lambda: _no_match(rng),
    }
    for kind, make in makers.items():
        inputs.searches[kind] = [make() for _ in range(count)]
    inputs.contact_ids = [_random_contact(db, rng)[0] for _ in range(count)]
    while len(inputs.history_ids) < count:
        found = db.rows(
            "SELECT contact_id FROM rooms WHERE id >= ? AND closed_at IS NOT NULL ORDER BY id LIMIT 1",
            [random_id(rng)],
        )
        if found and db.rows("SELECT 1 FROM contacts WHERE id = ? AND enabled = TRUE", [found[0][0]]):
            inputs.history_ids.append(found[0][0])
    agents = [row[0] for row in db.rows("SELECT user_id FROM user_roles WHERE role_id = 'livechat-agent'")]
    departments = [row[0] for row in db.rows("SELECT id FROM departments")]
    tags = [row[0] for row in db.rows("SELECT name FROM livechat_tags")]
    newest = db.scalar("SELECT max(created_at) FROM rooms")
    now = newest if isinstance(newest, datetime) else datetime.fromisoformat(str(newest))
    now = now if now.tzinfo else now.replace(tzinfo=UTC)

    def week() -> tuple[datetime, datetime]:
        end = now - timedelta(days=rng.uniform(0, 358))
        return end - timedelta(days=7), end

    def month() -> tuple[datetime, datetime]:
        end = now - timedelta(days=rng.uniform(0, 335))
        return end - timedelta(days=30), end

    room_makers = {
        "agent": lambda: RoomFilter(agents=[rng.choice(agents)]),
        "status": lambda: RoomFilter(open=True),
        "date": lambda: RoomFilter(created=week()),
        "tag": lambda: RoomFilter(tags=[rng.choice(tags)]),
        "department": lambda: RoomFilter(departments=[rng.choice(departments)]),
        "all filters": lambda: RoomFilter(
            agents=[rng.choice(agents)],
            departments=[rng.choice(departments)],
            tags=[rng.choice(tags)],
            open=False,
            created=month(),
        ),
    }
    for kind, make_filter in room_makers.items():
        inputs.rooms[kind] = [make_filter() for _ in range(count)]
    return inputs
