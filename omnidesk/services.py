"""The long-lived parts of a running Omnidesk, built once at start-up and shared by every request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from omnidesk import secret_box
from omnidesk.db import Database
from omnidesk.events import EventBus, InProcessBus, attach_bus
from omnidesk.queries.search import index as search_index  # noqa: F401 - registers the hooks that keep it current
from omnidesk.security import Passwords
from omnidesk.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    bus: EventBus
    passwords: Passwords

    @classmethod
    def build(cls, settings: Settings, *, bus: EventBus | None = None) -> Services:
        secret_box.configure(settings.secret_key, settings.secret_key_fallbacks)
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            bus=bus or InProcessBus(),
            passwords=Passwords(settings),
        )

    def session(self, *, write: bool) -> Session:
        session = self.db.session(write=write)
        attach_bus(session, self.bus)
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
