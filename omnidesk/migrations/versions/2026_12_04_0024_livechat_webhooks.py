"""The livechat webhook's deliveries (Rocket.Chat's CRM integration, ``Livechat_webhookUrl``): one row
per event to POST, queued with the change it reports and worked as a job queue like outbound email.

A new table and its indexes; the downgrade drops them. The settings it uses are seeded by
``ensure_defaults``, not here.

Revision ID: 0024_livechat_webhooks
Revises: 0023_livechat_triggers
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_livechat_webhooks"
down_revision = "0023_livechat_triggers"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "livechat_webhooks",
        sa.Column("id", ID, nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("room_id", ID, nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_livechat_webhooks_status_next", "livechat_webhooks", ["status", "next_attempt_at"])
    op.create_index("ix_livechat_webhooks_created_at", "livechat_webhooks", ["created_at"])
    op.create_index("ix_livechat_webhooks_room_id", "livechat_webhooks", ["room_id"])


def downgrade() -> None:
    op.drop_index("ix_livechat_webhooks_room_id", table_name="livechat_webhooks")
    op.drop_index("ix_livechat_webhooks_created_at", table_name="livechat_webhooks")
    op.drop_index("ix_livechat_webhooks_status_next", table_name="livechat_webhooks")
    op.drop_table("livechat_webhooks")
