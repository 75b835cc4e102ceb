"""``python -m bench generate``: a realistic contact center of any size, bulk-loaded in minutes.

What one contact brings (the mix is fixed, so 10 k, 100 k and 1 M contacts are the same population at
three sizes):

- a name from one of 17 locales (Latin, Cyrillic, CJK, Arabic scripts), one to three emails and one to
  three phones written the way people of that country write them (``(212) 555-0187``,
  ``0151 23456789``, ``+33 6 12 34 56 78``...), custom fields (``customerId`` and ``company`` are
  searchable, ``plan`` and ``tier`` are not); 15 % are unknown contacts created from a visitor, 1 % are
  deleted;
- one to three channels (web widget, email, SMS, API, app), each with its visitor;
- about 1.5 conversations over the last year, most closed, with 2 to 40 messages, a department, the
  agent who served it and zero to two tags; a few thousand are open right now (served, on hold or
  queued).

The loader writes the rows itself, not through the ORM: ``executemany`` in batched transactions on
SQLite (with ``synchronous=OFF`` and no journal during the load only), ``COPY`` on PostgreSQL (foreign
key triggers off for the load session), secondary indexes dropped during the load and built once at the
end. The contact search index rows are written in the same pass from ``search_index.index_body``, the
function the ORM hooks use, so they are exactly what the application would have written.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import TableClause, func, select, text

from bench import pools
from omnidesk import migrate
from omnidesk.actions.bootstrap import ensure_defaults
from omnidesk.db import ID_ALPHABET, ID_LENGTH, Base
from omnidesk.models import Contact
from omnidesk.queries.search.index import ENTRIES, index_body
from omnidesk.queries.search.order import numbering_sql
from omnidesk.services import Services

BENCH_PASSWORD = "omnidesk-bench"
MANAGER_USERNAME = "bench.manager"
CHUNK = 2000  # contacts per transaction


def _column_names(table: TableClause, *, without: frozenset[str] = frozenset()) -> tuple[str, ...]:
    return tuple(column.name for column in table.columns if column.name not in without)


# The columns of each table, in the order the models declare them (omnidesk.models), which is the order
# of the values in the generator's rows. The search entries are not a model (search_index.ENTRIES); an
# entry's id is left to the database (and numbered in name order at the end of the load on SQLite).
COLUMNS: dict[str, tuple[str, ...]] = {
    **{table.name: _column_names(table) for table in Base.metadata.sorted_tables},
    "contact_search_entries": _column_names(ENTRIES, without=frozenset({"id"})),
}

# Tables whose secondary indexes are dropped for the load and built once at the end.
BULK_TABLES = (
    "contacts",
    "contact_emails",
    "contact_phones",
    "visitors",
    "contact_channels",
    "rooms",
    "room_tags",
    "messages",
    "contact_search_entries",
)

# A row is its values in the table's column order (the bulk tables, for speed) or a dict by column name
# (the small tables), whose missing columns take the model's default (``_positional``).
Row = tuple[Any, ...] | dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """The shape of a dataset: everything follows from the number of contacts."""

    contacts: int
    seed: int = 20261125
    agents: int = 50
    departments: int = 10
    days: int = 365

    @property
    def open_rooms(self) -> int:
        """Conversations open right now: at least 1,200, so that over 1,000 are being served (the
        realtime figure listens to 1,000 of them), but never more than a fifth of the contacts; 0.2 %
        of contacts beyond 600 k."""
        return min(self.contacts // 5, max(1200, self.contacts // 500))


@dataclass
class Summary:
    contacts: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    def add(self, table: str, count: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + count

    def report(self) -> str:
        total = sum(self.rows.values())
        lines = [
            f"Loaded {self.contacts:,} contacts: {total:,} rows in {self.seconds:.0f} s "
            f"({total / max(self.seconds, 1e-9):,.0f} rows/s)"
        ]
        lines += [f"  {table:<24}{count:>14,}" for table, count in sorted(self.rows.items())]
        lines += [f"  phase {name:<18}{seconds:>10.1f} s" for name, seconds in self.phases.items()]
        return "\n".join(lines)


class DatasetExists(Exception):
    pass


# --- the generator -------------------------------------------------------------------------------------


class _Gen:
    """Produces the rows, chunk by chunk, from one seeded random generator."""

    def __init__(self, plan: Plan, *, now: float, stamp: Callable[[float], str]) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.now = now
        self.stamp = stamp
        self.visitor_number = 0
        self.channel_addresses: set[tuple[str, str]] = set()
        self.open_every = max(1, plan.contacts // max(plan.open_rooms, 1))
        locales = pools.LOCALES
        self.locales = locales
        self.locale_weights = [locale.weight for locale in locales]
        tag_weights = [1 / (rank + 1) ** 0.9 for rank in range(len(pools.TAG_NAMES))]
        self.tag_weights = tag_weights
        self.department_weights = [1 / (rank + 1) ** 0.8 for rank in range(plan.departments)]
        self.agents: list[tuple[str, str, str]] = []  # id, username, name
        self.department_ids: list[str] = []
        self.department_agents: list[list[int]] = []
        self.customer_numbers = list(range(1, plan.contacts + 1))
        self.rng.shuffle(self.customer_numbers)

    def new_id(self) -> str:
        return "".join(self.rng.choices(ID_ALPHABET, k=ID_LENGTH))

    # --- the small tables ---

    @staticmethod
    def _user(
        user_id: str, username: str, name: str, password_hash: str, now: str, *, livechat_status: str
    ) -> dict[str, Any]:
        """A staff row by column name; the columns it leaves out take their model's default."""
        return {
            "id": user_id,
            "username": username,
            "name": name,
            "email": f"{username}@example.com",
            "email_verified": True,
            "password_hash": password_hash,
            "active": True,
            "type": "user",
            "status": "online",
            "status_default": "online",
            "status_text": "",
            "require_password_change": False,
            "livechat_status": livechat_status,
            "created_at": now,
            "updated_at": now,
        }

    def staff(self, password_hash: str) -> dict[str, list[Row]]:
        rng, now = self.rng, self.stamp(self.now - self.plan.days * 86400 - 86400)
        users: list[Row] = []
        roles: list[Row] = []
        for index in range(self.plan.agents):
            locale = rng.choices(self.locales, self.locale_weights)[0]
            first = pools.display_of(rng.choice(locale.first_names))
            last = pools.display_of(rng.choice(locale.last_names))
            agent_id, username = self.new_id(), f"agent.{index + 1:03d}"
            self.agents.append((agent_id, username, f"{first} {last}"))
            users.append(
                self._user(
                    agent_id, username, f"{first} {last}", password_hash, now, livechat_status="available"
                )
            )
            roles += [(agent_id, "livechat-agent"), (agent_id, "user")]
        manager_id = self.new_id()
        users.append(
            self._user(
                manager_id,
                MANAGER_USERNAME,
                "Bench Manager",
                password_hash,
                now,
                livechat_status="not-available",
            )
        )
        roles += [(manager_id, "livechat-manager"), (manager_id, "user")]
        departments: list[Row] = []
        members: list[Row] = []
        for index in range(self.plan.departments):
            department_id = self.new_id()
            self.department_ids.append(department_id)
            name = pools.DEPARTMENT_NAMES[index % len(pools.DEPARTMENT_NAMES)]
            departments.append(
                {
                    "id": department_id,
                    "name": name,
                    "enabled": True,
                    "description": f"The {name} team",
                    "email": f"{name.lower()}@example.com",
                    "show_on_registration": True,
                    "show_on_offline_form": True,
                    "request_tag_before_closing": False,
                    "chat_closing_tags": "[]",
                    "archived": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            self.department_agents.append([])
        for index in range(self.plan.agents):
            homes = {index % self.plan.departments}
            if rng.random() < 0.3:
                homes.add((index + 3) % self.plan.departments)
            for home in sorted(homes):
                self.department_agents[home].append(index)
                members.append((self.new_id(), self.department_ids[home], self.agents[index][0], 0, 0, now))
        tags = [(self.new_id(), name, "", "[]", now) for name in pools.TAG_NAMES]
        custom_fields = [
            ("customerId", "Customer ID", "visitor", "visible", "input", "", False, "", "", False, True, now),
            ("company", "Company", "visitor", "visible", "input", "", False, "", "", False, True, now),
            (
                "plan",
                "Plan",
                "visitor",
                "visible",
                "select",
                "",
                False,
                "",
                ",".join(pools.PLANS),
                False,
                False,
                now,
            ),
            (
                "tier",
                "Loyalty tier",
                "visitor",
                "visible",
                "select",
                "",
                False,
                "",
                ",".join(pools.TIERS),
                False,
                False,
                now,
            ),
            ("orderId", "Order", "room", "visible", "input", "", False, "", "", False, False, now),
        ]
        return {
            "users": users,
            "user_roles": roles,
            "departments": departments,
            "department_agents": members,
            "livechat_tags": list[Row](tags),
            "livechat_custom_fields": list[Row](custom_fields),
        }

    # --- people ---

    def _phone(self, locale: pools.Locale) -> tuple[str, str]:
        rng = self.rng
        kind = rng.choice(locale.phones)
        prefix = rng.choice(kind.prefixes)
        nsn = prefix + "".join(rng.choices("0123456789", k=kind.length - len(prefix)))
        groups: dict[str, str] = {}
        start = 0
        for name, size in zip("abcde", kind.groups, strict=False):
            groups[name] = nsn[start : start + size]
            start += size
        typed = rng.choice(kind.formats).format(cc=locale.country_code, n=nsn, **groups)
        return typed, f"+{locale.country_code}{nsn}"

    def _email(self, locale: pools.Locale, first: str, last: str, number: int) -> str:
        rng = self.rng
        first_ascii = pools.ascii_of(first).lower().replace(" ", "").replace("'", "") or "user"
        last_ascii = pools.ascii_of(last).lower().replace(" ", "").replace("'", "") or "mail"
        style = rng.randrange(6)
        if style == 0:
            local = f"{first_ascii}.{last_ascii}"
        elif style == 1:
            local = f"{first_ascii}{last_ascii[0]}{number % 1000}"
        elif style == 2:
            local = f"{first_ascii[0]}{last_ascii}{rng.randrange(60, 100)}"
        elif style == 3:
            local = f"{first_ascii}_{last_ascii}{number % 97}"
        elif style == 4:
            local = f"{last_ascii}.{first_ascii}{number % 10000}"
        else:
            local = f"{first_ascii}{number}"
        if rng.random() < 0.15:
            return f"{local}@{last_ascii}-{rng.choice(pools.COMPANY_WORDS).lower()}.example.com"
        return f"{local}@{rng.choice(locale.email_domains)}"

    def chunk(self, start: int, count: int) -> dict[str, list[Row]]:
        rows: dict[str, list[Row]] = {table: [] for table in BULK_TABLES}
        rows["inquiries"] = []
        for index in range(start, start + count):
            self._contact(index, rows)
        return rows

    def _contact(self, index: int, rows: dict[str, list[Row]]) -> None:
        rng, stamp, now = self.rng, self.stamp, self.now
        locale = rng.choices(self.locales, self.locale_weights)[0]
        first, last = rng.choice(locale.first_names), rng.choice(locale.last_names)
        if locale.code in ("es_ES", "pt_BR") and rng.random() < 0.3:
            last = f"{pools.display_of(last)} {pools.display_of(rng.choice(locale.last_names))}"
        if locale.code in ("ja_JP", "zh_CN") and "|" in first and "|" in last:
            display = f"{pools.display_of(last)}{pools.display_of(first)}"  # family name first
            if rng.random() < 0.4:
                display = f"{pools.ascii_of(first)} {pools.ascii_of(last)}"
        else:
            display = f"{pools.display_of(first)} {pools.display_of(last)}"
        unknown = rng.random() < 0.15
        enabled = rng.random() >= 0.01
        contact_id = self.new_id()
        is_open = index % self.open_every == 0 and index // self.open_every < self.plan.open_rooms
        # Conversations: how many, and when; the contact exists from shortly before its first one.
        room_count = rng.choices((0, 1, 2, 3, 4, 6), (14, 50, 20, 9, 5, 2))[0]
        if unknown:
            room_count = max(1, min(room_count, 2))
        if is_open:
            room_count = max(room_count, 1)
        horizon = self.plan.days * 86400
        starts = sorted(now - horizon * rng.random() ** 0.8 for _ in range(room_count))
        if is_open:
            starts[-1] = now - rng.uniform(60, 3 * 3600)
        created = (starts[0] if starts else now - horizon * rng.random()) - rng.uniform(60, 30 * 86400)
        # Emails and phones.
        emails: list[str] = []
        phones: list[tuple[str, str]] = []
        if unknown:
            if rng.random() < 0.5:
                emails.append(self._email(locale, first, last, index))
            if rng.random() < 0.3:
                phones.append(self._phone(locale))
        else:
            for _ in range(rng.choices((1, 2, 3), (60, 30, 10))[0]):
                emails.append(self._email(locale, first, last, index + len(emails) * 7919))
            for _ in range(rng.choices((0, 1, 2, 3), (10, 55, 25, 10))[0]):
                phones.append(self._phone(locale))
        emails = list(dict.fromkeys(emails))
        for position, address in enumerate(emails):
            rows["contact_emails"].append((self.new_id(), contact_id, address, position))
        for position, (typed, e164) in enumerate(phones):
            rows["contact_phones"].append((self.new_id(), contact_id, typed, e164, position))
        # Channels, one visitor each.
        channels: list[tuple[str, str, str, dict[str, Any], str]] = []  # visitor id, type, id, source, token
        usernames: list[str] = []
        for _ in range(1 if unknown else rng.choices((1, 2, 3), (55, 35, 10))[0]):
            source_type = rng.choices(("widget", "email", "sms", "api", "app"), (55, 20, 15, 7, 3))[0]
            if source_type == "widget":
                source: dict[str, Any] = {"type": "widget", "destination": rng.choice(pools.WIDGET_HOSTS)}
                source_id = ""
            elif source_type == "email":
                inbox = rng.choice(pools.EMAIL_INBOXES)
                source, source_id = {"type": "email", "id": inbox, "alias": inbox}, inbox
            elif source_type == "sms":
                sms_number = rng.choice(pools.SMS_NUMBERS)
                source, source_id = {"type": "sms", "id": sms_number, "alias": "SMS"}, sms_number
            else:
                source, source_id = {"type": source_type}, ""
            if any(kind == source_type and sid == source_id for _, kind, sid, _, _ in channels):
                continue
            self.visitor_number += 1
            visitor_id, token = self.new_id(), f"{self.rng.getrandbits(128):032x}"
            username = f"guest-{self.visitor_number}"
            usernames.append(username)
            channels.append((visitor_id, source_type, source_id, source, token))
        name = display if not unknown or rng.random() < 0.6 else usernames[0]
        # Rooms, each on one of the channels.
        # room id, at, agent id, username
        last_by_channel: dict[int, tuple[str, float, str | None, str | None]] = {}
        last_room: tuple[str, float] | None = None
        for number, started in enumerate(starts):
            channel_index = rng.randrange(len(channels))
            visitor_id, source_type, source_id, source, token = channels[channel_index]
            opening = is_open and number == len(starts) - 1
            room_id, agent = self._room(
                rows,
                contact_id=contact_id,
                name=name,
                visitor=(visitor_id, usernames[channel_index], token),
                source=(source_type, source_id, source),
                started=started,
                opening=opening,
            )
            last_by_channel[channel_index] = (room_id, started, agent[0], agent[1])
            last_room = (room_id, started)
        # The visitors and their channels.
        visitor_email = emails[0] if emails else None
        visitor_phone = phones[0][0] if phones else None
        visitor_e164 = (phones[0][1] or phones[0][0]) if phones else None
        for channel_index, (visitor_id, source_type, source_id, source, token) in enumerate(channels):
            latest = last_by_channel.get(channel_index)
            last_room_id, last_at = (latest[0], stamp(latest[1])) if latest else (None, None)
            agent_id, agent_username = (latest[2], latest[3]) if latest and latest[2] else (None, None)
            seen = stamp(created + 60 * channel_index)
            identity = self._channel_identity(source_type, visitor_email, visitor_e164, visitor_id)
            rows["visitors"].append(
                (
                    visitor_id,
                    token,
                    *identity,
                    usernames[channel_index],
                    None if name == usernames[0] else display,
                    visitor_email if source_type in ("widget", "email") else None,
                    visitor_phone if source_type == "sms" else None,
                    None,
                    rng.choice(("online", "offline", "offline", "away")),
                    "{}",
                    "Mozilla/5.0 (X11; Linux x86_64)" if source_type == "widget" else None,
                    f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                    source.get("destination"),
                    last_room_id,
                    last_at,
                    agent_id,
                    agent_username,
                    last_at if agent_id else None,
                    seen,
                    last_at or seen,
                )
            )
            rows["contact_channels"].append(
                (
                    self.new_id(),
                    contact_id,
                    visitor_id,
                    source_type,
                    source_id,
                    source.get("alias") or source_type if source_type != "widget" else "widget",
                    json.dumps(source),
                    False,
                    False,
                    None,
                    None,
                    None,
                    last_room_id,
                    last_at,
                    seen,
                )
            )
        # The contact itself and its index row.
        custom: dict[str, Any] = {}
        if not unknown:
            if rng.random() < 0.7:
                custom["customerId"] = f"C-{self.customer_numbers[index]:07d}"
            if rng.random() < 0.3:
                word = rng.choice(pools.COMPANY_WORDS)
                suffix = pools.display_of(rng.choice(locale.company_suffixes))
                custom["company"] = f"{pools.display_of(rng.choice(locale.last_names))} {word} {suffix}"
            if rng.random() < 0.6:
                custom["plan"] = rng.choice(pools.PLANS)
            if rng.random() < 0.4:
                custom["tier"] = rng.choice(pools.TIERS)
        manager = rng.choice(self.agents)[0] if not unknown and rng.random() < 0.05 else None
        updated = max(created, last_room[1]) if last_room else created
        rows["contacts"].append(
            (
                contact_id,
                name,
                manager,
                unknown,
                False,
                enabled,
                None,  # merged_into_id
                json.dumps(custom, ensure_ascii=False),
                "[]",
                last_room[0] if last_room else None,
                stamp(last_room[1]) if last_room else None,
                stamp(created),
                stamp(updated),
            )
        )
        if enabled:  # a deleted contact is never found, so it has no entry
            searchable = (custom.get("customerId"), custom.get("company"))
            body = index_body(name, emails, phones, usernames, searchable)
            rows["contact_search_entries"].append((contact_id, unknown, name, body))

    def _channel_identity(
        self, source_type: str, email: str | None, phone: str | None, visitor_id: str
    ) -> tuple[str | None, str | None]:
        """An email or SMS visitor is its address on the channel, unique per channel type, as the intakes
        file them; a contact whose address another contact has too gets one of its own."""
        if source_type not in ("email", "sms"):
            return None, None
        address = (email if source_type == "email" else phone) or visitor_id
        if (source_type, address) in self.channel_addresses:
            address = f"{address}#{visitor_id}"
        self.channel_addresses.add((source_type, address))
        return source_type, address[:320]

    def _room(
        self,
        rows: dict[str, list[Row]],
        *,
        contact_id: str,
        name: str,
        visitor: tuple[str, str, str],
        source: tuple[str, str, dict[str, Any]],
        started: float,
        opening: bool,
    ) -> tuple[str, tuple[str | None, str | None]]:
        rng, stamp = self.rng, self.stamp
        visitor_id, visitor_username, token = visitor
        source_type, source_id, source_doc = source
        room_id = self.new_id()
        department = rng.choices(range(self.plan.departments), self.department_weights)[0]
        members = self.department_agents[department] or list(range(len(self.agents)))
        agent_id, agent_username, agent_name = self.agents[rng.choice(members)]
        state = "closed"
        if opening:
            state = rng.choices(("served", "on_hold", "queued"), (90, 5, 5))[0]
        if state == "queued":
            agent_id = agent_username = agent_name = None  # type: ignore[assignment]
        # The conversation.
        count = rng.choices((1, 2, 3, 4, 5, 6, 8, 12, 20, 40), (3, 12, 18, 18, 14, 11, 10, 8, 4, 2))[0]
        if opening:
            count = rng.randint(1, 6) if state != "queued" else 1
        at = started + rng.uniform(1, 20)
        served_at = started + rng.uniform(5, 300) if agent_id else None
        order = f"A-{rng.randrange(10000, 99999)}"
        product = rng.choice(pools.PRODUCTS)
        message_rows = rows["messages"]
        first_text = ""
        last_id = ""
        last_at = at
        for position in range(count):
            by_visitor = position % 2 == 0 or agent_id is None
            line = rng.choice(pools.VISITOR_LINES) if by_visitor else rng.choice(pools.AGENT_LINES)
            msg = line.format(order=order, product=product) if "{" in line else line
            if position == 0:
                first_text = msg
            message_id = self.new_id()
            moment = stamp(at)
            if by_visitor:
                message_rows.append(
                    (
                        message_id,
                        room_id,
                        msg,
                        None,
                        visitor_id,
                        visitor_username,
                        name,
                        "visitor",
                        token,
                        None,
                        "{}",
                        moment,
                        None,
                        moment,
                    )
                )
            else:
                message_rows.append(
                    (
                        message_id,
                        room_id,
                        msg,
                        None,
                        agent_id,
                        agent_username,
                        agent_name,
                        "user",
                        None,
                        None,
                        "{}",
                        moment,
                        None,
                        moment,
                    )
                )
            last_id, last_at = message_id, at
            at += rng.uniform(15, 400) if not opening else rng.uniform(5, 60)
        closed_at = closer = closed_by_id = closed_by_username = comment = None
        if state == "closed":
            closer = "user" if rng.random() < 0.7 else "visitor"
            closed_by_id, closed_by_username = (
                (agent_id, agent_username) if closer == "user" else (visitor_id, visitor_username)
            )
            comment = rng.choice(pools.CLOSING_COMMENTS) or None
            close_id, closed_at = self.new_id(), min(at + rng.uniform(30, 3600), self.now - 1)
            moment = stamp(closed_at)
            message_rows.append(
                (
                    close_id,
                    room_id,
                    comment or "",
                    "livechat-close",
                    closed_by_id,
                    closed_by_username,
                    None,
                    "system",
                    None,
                    None,
                    "{}",
                    moment,
                    None,
                    moment,
                )
            )
            last_id, last_at = close_id, closed_at
            count += 1
            tag_count = rng.choices((0, 1, 2), (40, 45, 15))[0]
            if tag_count:
                chosen = dict.fromkeys(rng.choices(pools.TAG_NAMES, self.tag_weights, k=tag_count))
                for position, tag in enumerate(chosen):
                    rows["room_tags"].append((room_id, tag, position, stamp(started)))
        livechat_data = json.dumps({"orderId": order}) if rng.random() < 0.2 else "{}"
        rows["rooms"].append(
            (
                room_id,
                name,
                visitor_id,
                contact_id,
                json.dumps(source_doc),
                source_type,
                source_id,
                state != "closed",
                state == "on_hold",
                agent_id,
                agent_username,
                stamp(served_at) if served_at else None,
                self.department_ids[department],
                first_text[:120] if rng.random() < 0.1 else None,
                None,
                99,
                livechat_data,
                None,  # sla_id, sla_due_at, sla_overdue_at, sla_minutes
                None,
                None,
                None,
                False,
                stamp(started),
                stamp(started),
                stamp(closed_at) if closed_at else None,
                closer,
                closed_by_id,
                closed_by_username,
                comment,
                stamp(last_at),
                last_id,
                count,
                state != "closed" and count % 2 == 1,
                None,
                None,
                stamp(closed_at or last_at),
            )
        )
        if state != "closed":
            rows["inquiries"].append(
                (
                    self.new_id(),
                    room_id,
                    "queued" if state == "queued" else "taken",
                    name,
                    first_text[:500],
                    visitor_id,
                    self.department_ids[department],
                    source_type,
                    None,
                    None,
                    agent_id,
                    99,
                    None,  # sla_id, sla_due_at, sla_minutes
                    None,
                    None,
                    stamp(started),
                    stamp(started),
                    stamp(served_at) if served_at else None,
                    stamp(served_at or started),
                )
            )
        return room_id, (agent_id, agent_username)


# --- the two loaders -----------------------------------------------------------------------------------


class _Loader:
    dialect = ""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.raw = services.db.engine.raw_connection()
        self.conn: Any = self.raw.driver_connection
        self.dropped: list[tuple[str, str]] = []

    def stamp(self, moment: float) -> str:
        raise NotImplementedError

    def begin_load(self) -> None:
        raise NotImplementedError

    def insert(self, table: str, rows: Sequence[Row]) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        self.conn.commit()

    def end_load(self, progress: bool) -> dict[str, float]:
        raise NotImplementedError

    def close(self) -> None:
        # The load changed session settings (pragmas, replication role): never hand this connection
        # back to the pool.
        self.raw.detach()
        self.raw.close()


class _SqliteLoader(_Loader):
    dialect = "sqlite"

    def stamp(self, moment: float) -> str:
        return datetime.fromtimestamp(moment, UTC).isoformat(" ", "microseconds")[:26]

    def begin_load(self) -> None:
        cursor = self.conn.cursor()
        # For the load only: no journal and no fsync (a crash mid-load means loading again), a large
        # page cache, foreign keys checked by construction instead of row by row.
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            "foreign_keys=OFF",
            "cache_size=-1048576",
            "temp_store=MEMORY",
            "locking_mode=EXCLUSIVE",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        names = ",".join(f"'{table}'" for table in BULK_TABLES)
        self.dropped = cursor.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({names})"
        ).fetchall()
        for name, _sql in self.dropped:
            cursor.execute(f'DROP INDEX "{name}"')
        # The FTS index is built once at the end ('rebuild') instead of row by row by the triggers.
        self.triggers = cursor.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = 'contact_search_entries'"
        ).fetchall()
        for name, _sql in self.triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        cursor.execute("BEGIN")

    def insert(self, table: str, rows: Sequence[Row]) -> None:
        rows = _positional(table, rows)
        if rows:
            columns = _columns(table, rows)
            marks = ",".join("?" * len(columns))
            quoted = ",".join(f'"{column}"' for column in columns)
            self.conn.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN")

    def end_load(self, progress: bool) -> dict[str, float]:
        self.conn.execute("COMMIT")
        phases: dict[str, float] = {}
        started = time.monotonic()
        # Entry ids in name order, as the application keeps them (search_order).
        self.conn.execute(f"CREATE TEMP TABLE numbered AS {numbering_sql('contact_search_entries')}")
        self.conn.execute("DELETE FROM contact_search_entries")
        self.conn.execute(
            "INSERT INTO contact_search_entries (id, contact_id, unknown, name, body) "
            "SELECT id, contact_id, unknown, name, body FROM numbered ORDER BY id"
        )
        self.conn.execute("DROP TABLE numbered")
        phases["entries numbered"] = time.monotonic() - started
        started = time.monotonic()
        for name, sql in _progress(self.dropped, progress, "indexes"):
            self.conn.execute(sql)
            del name
        phases["indexes"] = time.monotonic() - started
        started = time.monotonic()
        self.conn.execute("INSERT INTO contact_search_fts (contact_search_fts) VALUES ('rebuild')")
        for _name, sql in self.triggers:
            self.conn.execute(sql)
        phases["fts rebuild"] = time.monotonic() - started
        for pragma in ("locking_mode=NORMAL", "journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("SELECT count(*) FROM counters")  # releases the exclusive lock
        return phases


class _PostgresLoader(_Loader):
    dialect = "postgresql"

    def stamp(self, moment: float) -> str:
        return datetime.fromtimestamp(moment, UTC).isoformat(" ", "microseconds")

    def begin_load(self) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            try:  # foreign keys are right by construction; skipping their triggers needs a superuser
                cursor.execute("SET session_replication_role = replica")
            except Exception:
                self.conn.rollback()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = ANY(%s) AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)",
                (list(BULK_TABLES),),
            )
            self.dropped = list(cursor.fetchall())
            for name, _sql in self.dropped:
                cursor.execute(f'DROP INDEX "{name}"')
        self.conn.commit()

    def insert(self, table: str, rows: Sequence[Row]) -> None:
        rows = _positional(table, rows)
        if rows:
            columns = ",".join(f'"{column}"' for column in _columns(table, rows))
            with self.conn.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def end_load(self, progress: bool) -> dict[str, float]:
        self.conn.commit()
        phases: dict[str, float] = {}
        started = time.monotonic()
        with self.conn.cursor() as cursor:
            for _name, sql in _progress(self.dropped, progress, "indexes"):
                cursor.execute(sql)
                self.conn.commit()
        phases["indexes"] = time.monotonic() - started
        started = time.monotonic()
        self.conn.autocommit = True
        with self.conn.cursor() as cursor:
            # What autovacuum would do after the load, now (only our tables: the database may be shared).
            cursor.execute(f"VACUUM (ANALYZE) {', '.join((*BULK_TABLES, 'inquiries', 'users'))}")
        self.conn.autocommit = False
        phases["vacuum analyze"] = time.monotonic() - started
        return phases


def _positional(table: str, rows: Sequence[Row]) -> Sequence[Row]:
    """Rows by column name as tuples in column order; a column a row leaves out takes the model's
    scalar default (None when it has none and may be null; else the load stops naming it)."""
    if not rows or not isinstance(rows[0], dict):
        return rows
    model = Base.metadata.tables[table]
    unknown = set().union(*(row.keys() for row in rows if isinstance(row, dict))) - set(COLUMNS[table])
    if unknown:
        raise RuntimeError(f"the generator's {table} rows name columns the model lacks: {sorted(unknown)}")
    defaults: dict[str, Any] = {}
    for column in model.columns:
        arg = getattr(column.default, "arg", None)
        default = None if callable(arg) else arg
        if default is None and not column.nullable and column.server_default is None:
            defaults[column.name] = _REQUIRED
        else:
            defaults[column.name] = default
    converted = []
    for row in rows:
        assert isinstance(row, dict)
        values = tuple(row.get(name, defaults[name]) for name in COLUMNS[table])
        missing = [name for name, value in zip(COLUMNS[table], values, strict=True) if value is _REQUIRED]
        if missing:
            raise RuntimeError(f"the generator's {table} rows lack the required columns {missing}")
        converted.append(values)
    return converted


_REQUIRED = object()


def _columns(table: str, rows: Sequence[Row]) -> tuple[str, ...]:
    """The columns ``rows`` fill; a row as wide as the table was before a column was added or dropped
    stops the load here, naming the table whose rows the generator must change."""
    columns = COLUMNS[table]
    if len(rows[0]) != len(columns):
        raise RuntimeError(
            f"the generator's {table} rows have {len(rows[0])} values, the model's table has "
            f"{len(columns)} columns ({', '.join(columns)}): bench/generate.py builds them in that order"
        )
    return columns


def _progress(items: Sequence[Any], progress: bool, label: str) -> Iterator[Any]:
    if not progress:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=label, unit="index", leave=False)


@contextmanager
def _loader(services: Services) -> Iterator[_Loader]:
    loader: _Loader = (
        _SqliteLoader(services) if services.db.dialect == "sqlite" else _PostgresLoader(services)
    )
    try:
        yield loader
    finally:
        loader.close()


def generate(services: Services, plan: Plan, *, progress: bool = True) -> Summary:
    """Load a dataset of ``plan.contacts`` contacts into an empty Omnidesk database."""
    started = time.monotonic()
    migrate.upgrade(services.db)
    with services.transaction() as session:
        ensure_defaults(session)
        existing = session.scalar(select(func.count()).select_from(Contact)) or 0
    if existing:
        raise DatasetExists(f"the database holds {existing:,} contacts already; load into an empty one")
    password_hash = services.passwords.hash(BENCH_PASSWORD)
    services.db.dispose()
    summary = Summary(contacts=plan.contacts)
    with _loader(services) as loader:
        gen = _Gen(plan, now=time.time(), stamp=loader.stamp)
        loader.begin_load()
        for table, rows in gen.staff(password_hash).items():
            loader.insert(table, rows)
            summary.add(table, len(rows))
        bar = _bar(plan.contacts, progress)
        for start in range(0, plan.contacts, CHUNK):
            count = min(CHUNK, plan.contacts - start)
            chunk = gen.chunk(start, count)
            for table, rows in chunk.items():
                loader.insert(table, rows)
                summary.add(table, len(rows))
            loader.commit()
            if bar is not None:
                bar.update(count)
        if bar is not None:
            bar.close()
        summary.phases["rows"] = time.monotonic() - started
        summary.phases.update(loader.end_load(progress))
    with services.transaction() as session:
        session.execute(
            text("UPDATE counters SET value = :value WHERE name = 'visitor'"), {"value": gen.visitor_number}
        )
        if not session.execute(text("SELECT 1 FROM counters WHERE name = 'visitor'")).first():
            session.execute(
                text("INSERT INTO counters (name, value) VALUES ('visitor', :value)"),
                {"value": gen.visitor_number},
            )
    summary.seconds = time.monotonic() - started
    return summary


def _bar(total: int, progress: bool) -> Any:
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="contacts", unit=" contacts", unit_scale=True, smoothing=0.05)
