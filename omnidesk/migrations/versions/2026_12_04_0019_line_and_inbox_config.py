"""Voice lines and email inboxes keep their provider settings as one encrypted JSON document, ``config``,
as messaging channels do since 0016.

- ``voice_lines``: Twilio's account SID and auth token become ``{"account_sid", "auth_token"}``.
- ``email_inboxes``: the ``smtp_*`` and ``imap_*`` columns become ``{"smtp": {"server", "port",
  "username", "password", "secure"}, "imap": {the same, "max_retries"}}``.

Each row's columns are read (a secret decrypted), written together as the document (JSON, then
encrypted like any secret: ``enc:v1:``), then dropped; the downgrade writes them back from the
document, secrets encrypted as 0015 left them. The columns lookups need (a line's phone number, an
inbox's address) stay.
Like 0015 and 0016, this migration imports ``secret_box`` for the process's key.

The columns are dropped and added in place (``ALTER TABLE``, SQLite 3.35+), never by rebuilding the
table: none is in an index or a constraint, and on SQLite a rebuild drops the old table, which with
foreign keys on first deletes what points at it (see 0015 and 0016). For the same reason the
downgrade adds them back nullable on SQLite, which can add a NOT NULL column only with a default and
cannot make it NOT NULL afterwards without a rebuild; on PostgreSQL they are NOT NULL again.

Revision ID: 0019_line_and_inbox_config
Revises: 0018_agent_capacity
Create Date: 2026-12-04
"""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import op

from omnidesk.secret_box import box, decrypt_json, encrypt_json

revision = "0019_line_and_inbox_config"
down_revision = "0018_agent_capacity"
branch_labels = None
depends_on = None


@dataclass(frozen=True)
class Moved:
    """A column that moves into the document, at ``path`` (a key, or a block and a key)."""

    column: str
    path: tuple[str, ...]
    type: sa.types.TypeEngine[Any]
    fallback: Any  # what the downgrade writes when the document lacks it (the column is NOT NULL)
    secret: bool = False  # encrypted; 0015 made its column TEXT on PostgreSQL only

    def column_type(self) -> sa.types.TypeEngine[Any]:
        if self.secret and op.get_bind().dialect.name != "sqlite":
            return sa.Text()
        return self.type


MOVED = {
    "voice_lines": (
        Moved("account_sid", ("account_sid",), sa.String(64), ""),
        Moved("auth_token", ("auth_token",), sa.String(255), "", secret=True),
    ),
    "email_inboxes": (
        Moved("smtp_server", ("smtp", "server"), sa.String(255), ""),
        Moved("smtp_port", ("smtp", "port"), sa.Integer(), 25),
        Moved("smtp_username", ("smtp", "username"), sa.String(320), ""),
        Moved("smtp_password", ("smtp", "password"), sa.String(500), "", secret=True),
        Moved("smtp_secure", ("smtp", "secure"), sa.Boolean(), False),
        Moved("imap_server", ("imap", "server"), sa.String(255), ""),
        Moved("imap_port", ("imap", "port"), sa.Integer(), 143),
        Moved("imap_username", ("imap", "username"), sa.String(320), ""),
        Moved("imap_password", ("imap", "password"), sa.String(500), "", secret=True),
        Moved("imap_secure", ("imap", "secure"), sa.Boolean(), False),
        Moved("imap_max_retries", ("imap", "max_retries"), sa.Integer(), 10),
    ),
}


def _put(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    *blocks, key = path
    for block in blocks:
        document = document.setdefault(block, {})
    document[key] = value


def _get(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = document
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _stored(moved: Moved, value: Any) -> Any:
    """A column's value as the document holds it."""
    if moved.secret:
        return box().decrypt(value)
    if isinstance(moved.type, sa.Boolean):
        return bool(value)  # SQLite gives 0 or 1
    return value


def upgrade() -> None:
    connection = op.get_bind()
    for table, columns in MOVED.items():
        op.add_column(table, sa.Column("config", sa.Text(), nullable=True))
        names = ", ".join(moved.column for moved in columns)
        for row in connection.execute(sa.text(f"SELECT id, {names} FROM {table}")).mappings().all():
            document: dict[str, Any] = {}
            for moved in columns:
                if row[moved.column] is not None:
                    _put(document, moved.path, _stored(moved, row[moved.column]))
            connection.execute(
                sa.text(f"UPDATE {table} SET config = :config WHERE id = :id"),
                {"config": encrypt_json(document), "id": row["id"]},
            )
        for moved in columns:
            op.drop_column(table, moved.column)


def downgrade() -> None:
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    for table, columns in MOVED.items():
        for moved in columns:
            op.add_column(table, sa.Column(moved.column, moved.column_type(), nullable=True))
        for row in connection.execute(sa.text(f"SELECT id, config FROM {table}")).mappings().all():
            document = decrypt_json(row["config"]) if row["config"] is not None else {}
            values = {}
            for moved in columns:
                value = _get(document, moved.path)
                value = moved.fallback if value is None else value
                values[moved.column] = box().encrypt(str(value)) if moved.secret else value
            assignments = ", ".join(f"{name} = :{name}" for name in values)
            connection.execute(
                sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {**values, "id": row["id"]}
            )
        if postgresql:
            for moved in columns:
                op.alter_column(table, moved.column, existing_type=moved.column_type(), nullable=False)
        op.drop_column(table, "config")
