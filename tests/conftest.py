"""Test fixtures: a real database (SQLite by default, PostgreSQL with OMNIDESK_TEST_DATABASE_URL),
migrated once per run and emptied between tests, the app under TestClient, and personas.

Tests do not share a rolled-back outer transaction: the race tests need truly separate connections,
and emptying a handful of small tables between tests costs a few milliseconds.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from omnidesk import migrate
from omnidesk.actions.accounts import create_user, issue_login_token
from omnidesk.actions.bootstrap import ensure_defaults
from omnidesk.app import create_app
from omnidesk.db import Base
from omnidesk.events import Event
from omnidesk.services import Services
from omnidesk.settings import load_settings
from tests.helpers import PASSWORD, Persona


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
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    except OperationalError as error:
        pytest.exit(f"PostgreSQL at {url.split('@')[-1]} is unreachable: {error.orig}", returncode=3)
    services.db.dispose()
    services.db = Database(url, connect_args={"options": f"-csearch_path={schema},public"})


def _empty_all_tables(services: Services) -> None:
    with services.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
        session.execute(text("DELETE FROM contact_search_entries"))  # not an ORM table
        ensure_defaults(session)


@pytest.fixture(autouse=True)
def clean_database(services: Services) -> None:
    _empty_all_tables(services)


@pytest.fixture(scope="session")
def app_client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        yield client


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
