"""Engine, sessions and the column types every model shares.

SQLite runs in WAL mode with a busy timeout and foreign keys on. Write transactions on SQLite start
with ``BEGIN IMMEDIATE``: a deferred transaction that reads and later writes can fail at once with
"database is locked" when another writer got there first, ignoring the busy timeout. Taking the
write lock up front makes concurrent writers queue instead.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, String, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from omnidesk.column_limits import check_column_limits

SQLITE_CACHE_KIB = 16 * 1024
SQLITE_BUSY_TIMEOUT_MS = 15_000
_HOLDS_WRITER_LOCK = "omnidesk_holds_writer_lock"
# Connections kept open: the requests admitted at once (``api/admission.py``, 20), the realtime
# layer's reading threads (8), the message writer and the background workers. A request that finds
# the pool empty opens a connection of its own and closes it when it ends: on PostgreSQL a new
# session (a process forked, authentication) for every such request.
POOL_SIZE = 32
POOL_OVERFLOW = 16

# Rocket.Chat's ids are 17 characters from an alphabet without look-alike characters; ours match.
ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz"
ID_LENGTH = 17


_ID_BASE = len(ID_ALPHABET)
_IDS = _ID_BASE**ID_LENGTH


def new_id() -> str:
    # One random number below 55^17, written in the alphabet's 17 digits: each digit uniform and
    # independent of the others, as 17 draws of one character are, for one call to the system's source.
    number = secrets.randbelow(_IDS)
    characters = []
    for _ in range(ID_LENGTH):
        number, digit = divmod(number, _ID_BASE)
        characters.append(ID_ALPHABET[digit])
    return "".join(characters)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both engines (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")
IdType = String(ID_LENGTH + 15)  # room for longer ids that imports or other systems bring


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType, list[Any]: JSONType}


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    if database_url.startswith("sqlite"):
        in_memory = database_url in ("sqlite://", "sqlite:///:memory:")
        pool = {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **pool,
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(
        database_url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, **kwargs
    )
    _configure_postgres(engine)
    return engine


def _configure_postgres(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # No JIT compilation: it pays off for long analytical queries and costs a short request tens
        # of milliseconds whenever a plan's estimate crosses jit_above_cost (a broad contact search).
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.autocommit = autocommit


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself instead of the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode across process crashes
        # 16 MB of page cache per connection instead of SQLite's 2 MB: the FTS index and the rooms'
        # indexes are re-read by every search and listing, and each page missed costs a read from
        # the OS.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    # Writers of this process queue on a lock before BEGIN IMMEDIATE. SQLite's own busy handler
    # makes a waiting writer sleep and poll (up to 100 ms a nap), so with a dozen writers waiting
    # the database sits idle between transactions and throughput collapses; a lock hands over at
    # once. The busy timeout still arbitrates between processes, and a writer that waited on the
    # lock as long as the busy timeout goes ahead without it rather than never.
    writers = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("omnidesk_write", False)
        if write and writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            connection.info[_HOLDS_WRITER_LOCK] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        except BaseException:
            _release_writer_lock(connection)
            raise

    def _release_writer_lock(connection: Any) -> None:
        if connection.info.pop(_HOLDS_WRITER_LOCK, False):
            writers.release()

    # SQLAlchemy's "commit" and "rollback" events come before the COMMIT or ROLLBACK itself. Handing
    # the lock over there would let the next writer's BEGIN IMMEDIATE find the database still
    # locked, and SQLite's busy handler would make it nap for a millisecond or more. So the listener
    # ends the transaction itself, then hands over; the dialect's own COMMIT or ROLLBACK that follows
    # finds no transaction open and does nothing.
    def _end_then_release(end: str) -> Callable[[Any], None]:
        def listener(connection: Any) -> None:
            if not connection.info.get(_HOLDS_WRITER_LOCK):
                return
            try:
                getattr(connection.connection.dbapi_connection, end)()
            finally:
                _release_writer_lock(connection)

        return listener

    event.listen(engine, "commit", _end_then_release("commit"))
    event.listen(engine, "rollback", _end_then_release("rollback"))

    # A connection given back to the pool, or invalidated, in the middle of a transaction gives the
    # lock back too (the record's ``info`` is the connection's).
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        _release_writer_lock(record)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        _release_writer_lock(record)


class Database:
    """The engine and the two kinds of session the app opens: read-only and writing."""

    def __init__(self, database_url: str, **engine_kwargs: Any) -> None:
        self.url = database_url
        self.engine = make_engine(database_url, **engine_kwargs)
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            bind=self.engine.execution_options(omnidesk_write=True), expire_on_commit=False
        )
        check_column_limits(self._write_sessions)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool) -> Session:
        return (self._write_sessions if write else self._read_sessions)()

    def dispose(self) -> None:
        self.engine.dispose()
