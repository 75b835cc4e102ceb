"""Visitors created by a channel are found by their address on it, and their tokens become random.

Until now an SMS, WhatsApp, email or voice visitor's token was derived from its address
(``sms:<E.164>``, ``email:<address>``, ...): anyone who knew a customer's number could read and write
that customer's conversation through the public visitor API. Each such visitor now gets
``channel_type`` and ``channel_address`` (unique together) and a random token; its rooms, messages,
contact channels and calls keep pointing at the same row. Messages no longer carry a copy of the
visitor's token: it is emptied here.

Revision ID: 0013_channel_visitor_identity
Revises: 0012_search_index_no_pending
Create Date: 2026-12-03
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0013_channel_visitor_identity"
down_revision = "0012_search_index_no_pending"
branch_labels = None
depends_on = None

CHANNEL_TYPES = ("sms", "whatsapp", "email", "voice")
BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("visitors") as visitors:
        visitors.add_column(sa.Column("channel_type", sa.String(length=20), nullable=True))
        visitors.add_column(sa.Column("channel_address", sa.String(length=320), nullable=True))
    bind = op.get_bind()
    for channel_type in CHANNEL_TYPES:
        prefix = f"{channel_type}:"
        rows = bind.execute(
            sa.text("SELECT id, token FROM visitors WHERE substr(token, 1, :n) = :prefix"),
            {"n": len(prefix), "prefix": prefix},
        ).all()
        changes = [
            {
                "id": visitor_id,
                "type": channel_type,
                "address": token[len(prefix) :][:320],
                "token": secrets.token_urlsafe(32),
            }
            for visitor_id, token in rows
        ]
        for start in range(0, len(changes), BATCH):
            bind.execute(
                sa.text(
                    "UPDATE visitors SET channel_type = :type, channel_address = :address, token = :token "
                    "WHERE id = :id"
                ),
                changes[start : start + BATCH],
            )
    op.create_index("ux_visitors_channel", "visitors", ["channel_type", "channel_address"], unique=True)
    op.execute("UPDATE messages SET token = NULL WHERE token IS NOT NULL")


def downgrade() -> None:
    # The derived tokens come back; the messages' copies of widget tokens do not.
    op.execute(
        "UPDATE visitors SET token = channel_type || ':' || channel_address WHERE channel_type IS NOT NULL"
    )
    op.drop_index("ux_visitors_channel", table_name="visitors")
    with op.batch_alter_table("visitors") as visitors:
        visitors.drop_column("channel_address")
        visitors.drop_column("channel_type")
