"""Secrets at rest: provider credentials, mail passwords and the SMTP_Password setting are encrypted.

Every stored value is encrypted; on PostgreSQL the columns also become TEXT (a Fernet token is about
twice as long as what it holds plus 100 characters). This migration imports the application's
``secret_box`` on purpose, against the rule that migrations stand alone: encrypting needs the
process's key, derived exactly as the app derives it, and writing that derivation twice would let
them drift. A value already encrypted (``enc:v1:``) is left alone, so running the upgrade again
changes nothing.

Revision ID: 0015_encrypt_secrets
Revises: 0014_rate_limits
Create Date: 2026-12-03
"""

import json

import sqlalchemy as sa
from alembic import op

from omnidesk.secret_box import PREFIX, box

revision = "0015_encrypt_secrets"
down_revision = "0014_rate_limits"
branch_labels = None
depends_on = None

COLUMNS = {
    "messaging_channels": (
        ("auth_token", 255),
        ("access_token", None),
        ("app_secret", 255),
        ("verify_token", 255),
    ),
    "voice_lines": (("auth_token", 255),),
    "email_inboxes": (("smtp_password", 500), ("imap_password", 500)),
}
SECRET_SETTINGS = ("SMTP_Password",)


def _convert(*, encrypting: bool) -> None:
    connection = op.get_bind()
    for table, columns in COLUMNS.items():
        names = [name for name, _length in columns]
        rows = connection.execute(sa.text(f"SELECT id, {', '.join(names)} FROM {table}")).mappings().all()
        for row in rows:
            values = {}
            for name in names:
                value = row[name]
                if value is None:
                    continue
                if encrypting and not value.startswith(PREFIX):
                    values[name] = box().encrypt(value)
                elif not encrypting and value.startswith(PREFIX):
                    values[name] = box().decrypt(value)
            if values:
                assignments = ", ".join(f"{name} = :{name}" for name in values)
                connection.execute(
                    sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {**values, "id": row["id"]}
                )
    for setting_id in SECRET_SETTINGS:
        sqlite = connection.dialect.name == "sqlite"
        stored = connection.execute(
            sa.text("SELECT value FROM settings WHERE id = :id"), {"id": setting_id}
        ).scalar()
        value = json.loads(stored) if sqlite and isinstance(stored, str) else stored
        if not isinstance(value, str) or not value:
            continue
        if encrypting and not value.startswith(PREFIX):
            value = box().encrypt(value)
        elif not encrypting and value.startswith(PREFIX):
            value = box().decrypt(value)
        else:
            continue
        assign = "value = :value" if sqlite else "value = CAST(:value AS jsonb)"
        connection.execute(
            sa.text(f"UPDATE settings SET {assign} WHERE id = :id"),
            {"value": json.dumps(value), "id": setting_id},
        )


def _widen_columns() -> bool:
    """PostgreSQL enforces the old lengths, so the columns become TEXT. SQLite does not, and changing a
    column's type there rebuilds the table: with foreign keys on, dropping the old copy would delete
    the email messages of every inbox (ON DELETE CASCADE) and unlink calls and channel messages."""
    return op.get_bind().dialect.name != "sqlite"


def upgrade() -> None:
    for table, columns in COLUMNS.items() if _widen_columns() else ():
        with op.batch_alter_table(table) as batch:
            for name, length in columns:
                if length is not None:
                    batch.alter_column(name, type_=sa.Text(), existing_type=sa.String(length))
    _convert(encrypting=True)


def downgrade() -> None:
    _convert(encrypting=False)
    for table, columns in COLUMNS.items() if _widen_columns() else ():
        with op.batch_alter_table(table) as batch:
            for name, length in columns:
                if length is not None:
                    batch.alter_column(name, type_=sa.String(length), existing_type=sa.Text())
