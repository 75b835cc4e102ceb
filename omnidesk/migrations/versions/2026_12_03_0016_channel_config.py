"""A messaging channel's provider settings become one encrypted JSON document, ``config``.

The credential columns (Twilio's account SID and auth token, WhatsApp's access token, app secret and
verify token) are read, decrypted, and written together as the document (JSON, then encrypted like
any secret: ``enc:v1:``), then dropped; the downgrade writes them back from the document. The values
webhooks find an account by (``messaging_service_sid``, ``phone_number_id``) stay columns, unique as
before. Like 0015, this migration imports ``secret_box`` for the process's key.

On SQLite the columns are dropped with ``ALTER TABLE ... DROP COLUMN`` (SQLite 3.35+), which edits the
table in place: none of them is in an index or a constraint, so no table is rebuilt, and the channel
messages that point at a channel (ON DELETE SET NULL) keep pointing at it. A rebuild would drop the
old table, and with foreign keys on, that deletes every row first and fires the foreign key actions
(see 0015); foreign keys cannot be switched off inside the one transaction migrations run in.

Revision ID: 0016_channel_config
Revises: 0015_encrypt_secrets
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from omnidesk.secret_box import box, decrypt_json, encrypt_json

revision = "0016_channel_config"
down_revision = "0015_encrypt_secrets"
branch_labels = None
depends_on = None

TABLE = "messaging_channels"
# The credential columns as 0015 left them: name, encrypted?
CREDENTIALS = (
    ("account_sid", False),
    ("auth_token", True),
    ("access_token", True),
    ("app_secret", True),
    ("verify_token", True),
)


def _column_type(name: str) -> sa.types.TypeEngine[str]:
    """0006's types; 0015 made the secret ones TEXT on PostgreSQL only."""
    if name == "account_sid":
        return sa.String(64)
    if name == "access_token" or op.get_bind().dialect.name != "sqlite":
        return sa.Text()
    return sa.String(255)


def upgrade() -> None:
    connection = op.get_bind()
    op.add_column(TABLE, sa.Column("config", sa.Text(), nullable=True))
    names = [name for name, _secret in CREDENTIALS]
    rows = connection.execute(sa.text(f"SELECT id, {', '.join(names)} FROM {TABLE}")).mappings().all()
    for row in rows:
        document = {}
        for name, secret in CREDENTIALS:
            value = row[name]
            if value is not None:
                document[name] = box().decrypt(value) if secret else value
        connection.execute(
            sa.text(f"UPDATE {TABLE} SET config = :config WHERE id = :id"),
            {"config": encrypt_json(document), "id": row["id"]},
        )
    for name in names:
        op.drop_column(TABLE, name)


def downgrade() -> None:
    connection = op.get_bind()
    for name, _secret in CREDENTIALS:
        op.add_column(TABLE, sa.Column(name, _column_type(name), nullable=True))
    rows = connection.execute(sa.text(f"SELECT id, config FROM {TABLE}")).mappings().all()
    for row in rows:
        document = decrypt_json(row["config"]) if row["config"] is not None else {}
        values = {}
        for name, secret in CREDENTIALS:
            value = document.get(name)
            if isinstance(value, str):
                values[name] = box().encrypt(value) if secret else value
        if values:
            assignments = ", ".join(f"{name} = :{name}" for name in values)
            connection.execute(
                sa.text(f"UPDATE {TABLE} SET {assignments} WHERE id = :id"), {**values, "id": row["id"]}
            )
    op.drop_column(TABLE, "config")
