"""The store itself: engine settings, ids and UTC datetimes on both engines."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from omnidesk import migrate
from omnidesk.actions.accounts import set_user_status
from omnidesk.db import ID_LENGTH, new_id
from omnidesk.models import User
from omnidesk.services import Services
from tests.helpers import Persona


def test_sqlite_runs_in_wal_mode_with_foreign_keys_a_busy_timeout_and_a_cache(services: Services) -> None:
    if services.db.dialect != "sqlite":
        pytest.skip("SQLite pragmas; this run is on PostgreSQL")  # the same test runs in the SQLite pass
    with services.db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15_000
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -16 * 1024  # KiB


def test_the_schema_is_at_the_newest_migration(services: Services) -> None:
    assert migrate.is_up_to_date(services.db)


def test_ids_are_opaque_strings_like_rocketchats(agent: Persona) -> None:
    assert len(agent.id) == ID_LENGTH
    assert agent.id.isalnum()
    assert len({new_id() for _ in range(1000)}) == 1000


def test_datetimes_come_back_aware_and_in_utc(services: Services, agent: Persona) -> None:
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    with services.transaction() as session:
        user = session.get(User, agent.id)
        assert user is not None
        user.last_login = moment
    with services.transaction() as session:
        stored = session.scalar(select(User.last_login).where(User.id == agent.id))
    assert stored == moment
    assert stored is not None and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(services: Services, agent: Persona) -> None:
    with pytest.raises(Exception, match="naive datetime"), services.transaction() as session:
        user = session.get(User, agent.id)
        assert user is not None
        user.last_login = datetime(2026, 3, 1, 12, 30)  # noqa: DTZ001 - the point of the test
        session.flush()


def test_concurrent_writers_queue_instead_of_failing(services: Services, agent: Persona) -> None:
    """Each writer reads then writes; on SQLite a deferred transaction would fail with 'locked'."""
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(index: int) -> None:
        try:
            start.wait()
            with services.transaction() as session:
                user = session.get(User, agent.id)
                assert user is not None
                set_user_status(session, user=user, status=None, message=f"writer {index}")
        except BaseException as error:  # collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with services.transaction() as session:
        user = session.get(User, agent.id)
        assert user is not None and user.status_text.startswith("writer ")


def test_postgresql_connections_run_without_jit(services: Services) -> None:
    if services.db.dialect != "postgresql":
        pytest.skip(
            "a PostgreSQL setting; this run is on SQLite"
        )  # the same test runs in the PostgreSQL pass
    with services.db.session(write=False) as session:
        assert session.execute(text("SHOW jit")).scalar() == "off"


def test_the_migrations_build_exactly_the_tables_the_models_describe(services: Services) -> None:
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from omnidesk.db import Base

    with services.db.engine.connect() as connection, warnings.catch_warnings():
        # Expression indexes (lower(username)) cannot be reflected on SQLite; alembic warns and skips them.
        warnings.simplefilter("ignore")
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": False,
                # The search index is engine-specific SQL (FTS5 or pg_trgm), outside the models.
                "include_name": lambda name, kind, _parent: (
                    not (kind == "table" and name.startswith("contact_search"))
                ),
            },
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_next_sqlite_writer_finds_the_database_free_when_the_lock_is_handed_over(
    services: Services, agent: Persona
) -> None:
    """Writers of one process queue on a lock; it must be handed over after the COMMIT, not before,
    or the next writer's BEGIN IMMEDIATE meets a locked database and naps in SQLite's busy handler."""
    if services.db.dialect != "sqlite":
        pytest.skip(
            "SQLite's writer lock; this run is on PostgreSQL"
        )  # the same test runs in the SQLite pass
    import sqlite3

    from sqlalchemy import event

    database_file = services.db.engine.url.database
    assert database_file
    begun: list[bool] = []

    def another_writer_begins(_connection: object) -> None:
        # Runs right after Omnidesk's own commit listener: where the lock is handed over.
        other = sqlite3.connect(database_file, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            begun.append(True)
        except sqlite3.OperationalError:  # "database is locked"
            begun.append(False)
        finally:
            other.close()

    event.listen(services.db.engine, "commit", another_writer_begins)
    try:
        with services.transaction() as session:
            user = session.get(User, agent.id)
            assert user is not None
            set_user_status(session, user=user, status=None, message="handed over")
    finally:
        event.remove(services.db.engine, "commit", another_writer_begins)
    assert begun == [True]
    with services.transaction() as session:
        user = session.get(User, agent.id)
        assert user is not None and user.status_text == "handed over"


def test_the_pool_keeps_a_connection_for_every_admitted_request_and_realtime_reader(
    services: Services,
) -> None:
    """A request that finds the pool empty opens a connection for itself and closes it after: on
    PostgreSQL a new server session each time."""
    from omnidesk.api.admission import MAX_REQUESTS_INSIDE
    from omnidesk.realtime.options import RealtimeOptions

    pool = services.db.engine.pool
    assert pool.size() >= MAX_REQUESTS_INSIDE + RealtimeOptions().db_threads  # type: ignore[attr-defined]
