"""The long-lived parts of a running Omnidesk, built once at start-up and shared by every request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from omnidesk import secret_box
from omnidesk.cluster.connections import ConnectionRegistry, LocalConnections
from omnidesk.db import Database
from omnidesk.events import EventBus, InProcessBus, attach_bus
from omnidesk.files import links
from omnidesk.files.on_commit import attach_store
from omnidesk.files.storage import FileStore, build_store
from omnidesk.queries.search import index as search_index  # noqa: F401 - registers the hooks that keep it current
from omnidesk.security import Passwords
from omnidesk.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    bus: EventBus
    passwords: Passwords
    # Where uploaded files' bytes are kept (``OMNIDESK_FILES_DIR``).
    files: FileStore
    # Who is connected in the other processes (presence); nobody, with one process.
    connections: ConnectionRegistry | None = None

    @classmethod
    def build(cls, settings: Settings, *, bus: EventBus | None = None) -> Services:
        """The services of one process: with ``OMNIDESK_REDIS_URL``, its events and connections are the
        cluster's (Redis); without, they are this process's."""
        secret_box.configure(settings.secret_key, settings.secret_key_fallbacks)
        links.configure(settings.secret_key)
        connections: ConnectionRegistry = LocalConnections()
        if settings.redis_url:
            from omnidesk.cluster.bus import RedisBus
            from omnidesk.cluster.connections import RedisConnections

            bus = bus or RedisBus(settings.redis_url, prefix=settings.redis_prefix)
            connections = RedisConnections(settings.redis_url, prefix=settings.redis_prefix)
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            bus=bus or InProcessBus(),
            passwords=Passwords(settings),
            files=build_store(settings),
            connections=connections,
        )

    def close(self) -> None:
        """Stop what runs beside the requests: the bus's threads (after writing what they hold)."""
        close = getattr(self.bus, "close", None)
        if close is not None:
            close()

    def session(self, *, write: bool) -> Session:
        session = self.db.session(write=write)
        attach_bus(session, self.bus)
        attach_store(session, self.files)
        return session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work outside HTTP (CLI, jobs): commit on success, roll back on error."""
        session = self.session(write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
