"""Bring a database's schema to the newest migration, in-process, on either engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from omnidesk.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the migration history is empty"
    return head


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return revision_on(connection)


def revision_on(connection: Connection) -> str | None:
    """The revision the database behind ``connection`` is at (None before the first migration)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Database) -> None:
    config = _alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_up_to_date(database: Database) -> bool:
    return current_revision(database) == head_revision()
