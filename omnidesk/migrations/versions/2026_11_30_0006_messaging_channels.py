"""Messaging channels: SMS (Twilio) and WhatsApp Cloud API accounts, and the provider messages that went
through them (webhook deduplication and the outbound delivery queue).

Revision ID: 0006_messaging_channels
Revises: 0005_contact_verification
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_messaging_channels"
down_revision = "0005_contact_verification"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "messaging_channels",
        sa.Column("id", ID, nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=True),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("account_sid", sa.String(length=64), nullable=True),
        sa.Column("auth_token", sa.String(length=255), nullable=True),
        sa.Column("messaging_service_sid", sa.String(length=64), nullable=True),
        sa.Column("phone_number_id", sa.String(length=64), nullable=True),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("app_secret", sa.String(length=255), nullable=True),
        sa.Column("verify_token", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("type", "phone_number", name="ux_messaging_channels_type_phone"),
        sa.UniqueConstraint("phone_number_id", name="ux_messaging_channels_phone_number_id"),
        sa.UniqueConstraint("messaging_service_sid", name="ux_messaging_channels_service_sid"),
    )
    op.create_table(
        "channel_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("message_id", ID, nullable=True),
        sa.Column("room_id", ID, nullable=True),
        sa.Column("customer", sa.String(length=60), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("delivery_status", sa.String(length=20), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("occurred_at", UTC, nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["messaging_channels.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "external_id", name="ux_channel_messages_provider_external"),
    )
    op.create_index("ix_channel_messages_status_next", "channel_messages", ["status", "next_attempt_at"])
    op.create_index(
        "ix_channel_messages_window",
        "channel_messages",
        ["channel_id", "customer", "direction", "occurred_at"],
    )
    op.create_index("ix_channel_messages_message_id", "channel_messages", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_channel_messages_message_id", table_name="channel_messages")
    op.drop_index("ix_channel_messages_window", table_name="channel_messages")
    op.drop_index("ix_channel_messages_status_next", table_name="channel_messages")
    op.drop_table("channel_messages")
    op.drop_table("messaging_channels")
