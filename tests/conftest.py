"""Test fixtures: a real database (SQLite by default, PostgreSQL with OMNIDESK_TEST_DATABASE_URL),
migrated once per run and reset between tests, the app under TestClient, and personas.

Tests do not share a rolled-back outer transaction: the race tests need truly separate connections.
Instead every statement that writes is noted (an engine event), and before each test only the tables
written since the last reset are emptied (with the tables that reference them), then the defaults are
seeded again where they went missing. ``OMNIDESK_TEST_VERIFY_RESET=1`` checks after every reset that
the database really is back to its freshly seeded state (slow; for changes to this file).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from omnidesk import migrate
from omnidesk.actions.accounts import create_user, issue_login_token
from omnidesk.actions.bootstrap import ensure_defaults
from omnidesk.app import create_app
from omnidesk.db import Base
from omnidesk.events import Event
from omnidesk.services import Services
from omnidesk.settings import load_settings
from tests.asgi_client import OneCallTestClient
from tests.helpers import PASSWORD, Persona, with_fresh_cookies


def _test_database_url(tmp_dir: Path) -> tuple[str, str | None]:
    """The database URL for this run, and the PostgreSQL schema created for it (if any)."""
    url = os.environ.get("OMNIDESK_TEST_DATABASE_URL", "")
    if not url:
        return f"sqlite:///{tmp_dir / 'omnidesk-test.sqlite3'}", None
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    # Each run gets its own schema, so a shared test database is never trampled.
    return url, f"omnidesk_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    url, schema = _test_database_url(tmp_path_factory.mktemp("db"))
    environ = {
        "OMNIDESK_ENV": "test",
        "OMNIDESK_DATABASE_URL": url,
        "OMNIDESK_FILES_DIR": str(tmp_path_factory.mktemp("files")),
        # Cheap hashing keeps the suite fast; production uses argon2's recommended cost.
        "OMNIDESK_ARGON2_TIME_COST": "1",
        "OMNIDESK_ARGON2_MEMORY_KIB": "64",
    }
    settings = load_settings(environ)
    built = Services.build(settings)
    if schema is not None:
        _use_postgres_schema(built, url, schema)
    migrate.upgrade(built.db)
    yield built
    if schema is not None:
        with built.db.engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    built.db.dispose()


def _use_postgres_schema(services: Services, url: str, schema: str) -> None:
    from omnidesk.db import Database

    try:
        with services.db.engine.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            # Extensions live in public, shared by every run's schema (a run's schema is dropped after).
            # Parallel workers on a database without it would race to create it (IF NOT EXISTS is not
            # atomic), so they take turns.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('omnidesk-test-extensions'))")
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except OperationalError as error:
        pytest.exit(f"PostgreSQL at {url.split('@')[-1]} is unreachable: {error.orig}", returncode=3)
    services.db.dispose()
    services.db = Database(url, connect_args={"options": f"-csearch_path={schema},public"})


SEARCH_ENTRIES = "contact_search_entries"  # not an ORM table (migration 0008)
_WRITE = re.compile(r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_written: set[str] = set()


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(
    _connection: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool
) -> None:
    """Every engine of this process: the tables a statement may write (reading ones match nothing)."""
    _written.update(match.lower() for match in _WRITE.findall(statement))


class _Reset:
    """Empties the tables written since the last reset, and what depends on them, then seeds again."""

    def __init__(self, services: Services) -> None:
        tables = Base.metadata.sorted_tables
        self.order = [table.name for table in reversed(tables)]  # children before parents
        self.known = {*self.order, SEARCH_ENTRIES}
        # The tables that reference each table (directly), to empty them along with it.
        self.referencing: dict[str, set[str]] = {name: set() for name in self.known}
        for table in tables:
            for key in table.foreign_keys:
                self.referencing[key.column.table.name].add(table.name)
        self.referencing["contacts"].add(SEARCH_ENTRIES)
        self.everything(services)
        _written.clear()
        # The seeded tables form one group: emptying one (roles, say) would cascade into another's
        # rows (permission_roles) that ensure_defaults would not put back.
        with services.transaction() as session:
            for name in self.order:
                session.execute(text(f'DELETE FROM "{name}"'))
            session.execute(text(f"DELETE FROM {SEARCH_ENTRIES}"))
        _written.clear()
        with services.transaction() as session:
            ensure_defaults(session)
        self.seeded = _written & self.known
        self.seeded_closure = self._closure(self.seeded)
        _written.clear()
        self.verify = bool(os.environ.get("OMNIDESK_TEST_VERIFY_RESET"))
        self.baseline = self._snapshot(services) if self.verify else {}

    def _closure(self, names: set[str]) -> set[str]:
        pending, found = list(names), set(names)
        while pending:
            for child in self.referencing.get(pending.pop(), ()):
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return found

    def everything(self, services: Services) -> None:
        with services.transaction() as session:
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(table.delete())
            session.execute(text(f"DELETE FROM {SEARCH_ENTRIES}"))
            ensure_defaults(session)

    def __call__(self, services: Services) -> None:
        dirty = self._closure(_written & self.known)
        if dirty & self.seeded:
            dirty |= self.seeded_closure
        if dirty:
            with services.transaction() as session:
                for name in self.order:
                    if name in dirty:
                        session.execute(text(f'DELETE FROM "{name}"'))
                if SEARCH_ENTRIES in dirty:
                    session.execute(text(f"DELETE FROM {SEARCH_ENTRIES}"))
                if dirty & self.seeded:
                    ensure_defaults(session)
        _written.clear()
        if self.verify:
            now = self._snapshot(services)
            _written.clear()
            changed = sorted(name for name in self.known if now[name] != self.baseline[name])
            assert not changed, f"the reset left these tables unlike freshly seeded ones: {changed}"

    def _snapshot(self, services: Services) -> dict[str, Any]:
        """Per table, its row count; for the seeded ones their rows, less the times they were written
        and the ids made up for them."""
        snapshot: dict[str, Any] = {}
        tables = Base.metadata.tables
        with services.db.engine.connect() as connection:
            for name in self.known:
                if name in self.seeded and name in tables:
                    columns = [
                        column
                        for column in tables[name].columns
                        if not (column.primary_key and column.default is not None)
                    ]
                    rows = connection.execute(select(*columns))
                    snapshot[name] = sorted(
                        repr([value for value in row if not isinstance(value, datetime)]) for row in rows
                    )
                else:
                    snapshot[name] = connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
        return snapshot


@pytest.fixture(scope="session")
def _reset(services: Services) -> _Reset:
    return _Reset(services)


@pytest.fixture(autouse=True)
def clean_database(services: Services, _reset: _Reset) -> None:
    _reset(services)


@pytest.fixture(scope="session")
def running_app(services: Services) -> Iterator[TestClient]:
    """The app and its lifespan, started once; tests reach it through ``app_client`` (a fixture of a
    wider scope takes this one, and ``with_fresh_cookies``)."""
    with OneCallTestClient(create_app(services), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def app_client(running_app: TestClient) -> TestClient:
    """The running app with a cookie jar of this test's own: nothing a test logs in to outlives it."""
    return with_fresh_cookies(running_app)


@pytest.fixture
def published(services: Services) -> Iterator[list[Event]]:
    """Every event the bus publishes during the test."""
    events: list[Event] = []
    unsubscribe = services.bus.subscribe(events.append)
    yield events
    unsubscribe()


def make_persona(
    services: Services, client: TestClient, username: str, roles: list[str], name: str
) -> Persona:
    with services.transaction() as session:
        user = create_user(
            session,
            passwords=services.passwords,
            username=username,
            email=f"{username}@example.com",
            password=PASSWORD,
            name=name,
            roles=roles,
        )
        token = issue_login_token(session, user=user)
        return Persona(id=user.id, username=user.username, token=token, client=client)


@pytest.fixture
def admin(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "alice", ["admin", "user"], "Alice Admin")


@pytest.fixture
def manager(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "mona", ["livechat-manager", "user"], "Mona Manager")


@pytest.fixture
def agent(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "alex", ["livechat-agent", "user"], "Alex Agent")


@pytest.fixture
def agent2(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "bea", ["livechat-agent", "user"], "Bea Agent")


@pytest.fixture
def anonymous(app_client: TestClient) -> TestClient:
    return app_client


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis (OMNIDESK_TEST_REDIS_URL, or the local one). CI requires it; a developer's machine
    without one skips the tests of several processes."""
    import redis

    url = os.environ.get("OMNIDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2.0).ping()
    except redis.RedisError as error:
        if os.environ.get("OMNIDESK_CI"):
            pytest.fail(f"Redis at {url} is required in CI and is unreachable: {error}")
        pytest.skip(f"no Redis at {url}: {error}")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted after it."""
    import redis

    prefix = f"omnidesk-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


# The longest tests go first, so that with pytest-xdist (-n) no worker is left with one at the end.
LONGEST_FIRST = ("tests/test_fuzz.py::test_no_answer_", "tests/test_bench.py::")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))
