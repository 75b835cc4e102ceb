"""Calls: voice lines, the call log and each call's event log.

Revision ID: 0004_calls
Revises: 0003_contact_directory
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_calls"
down_revision = "0003_contact_directory"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "voice_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("account_sid", sa.String(length=64), nullable=False),
        sa.Column("auth_token", sa.String(length=255), nullable=False),
        sa.Column("queue", sa.String(length=120), nullable=False),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone_number", name="ux_voice_lines_phone_number"),
    )
    op.create_table(
        "calls",
        sa.Column("id", ID, nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=True),
        sa.Column("line_id", ID, nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("from_number", sa.String(length=60), nullable=False),
        sa.Column("from_e164", sa.String(length=20), nullable=True),
        sa.Column("to_number", sa.String(length=60), nullable=False),
        sa.Column("to_e164", sa.String(length=20), nullable=True),
        sa.Column("customer_number", sa.String(length=60), nullable=False),
        sa.Column("customer_e164", sa.String(length=20), nullable=True),
        sa.Column("caller_name", sa.String(length=200), nullable=True),
        sa.Column("contact_id", ID, nullable=True),
        sa.Column("visitor_id", ID, nullable=True),
        sa.Column("queue", sa.String(length=120), nullable=True),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("agent_id", ID, nullable=True),
        sa.Column("agent_username", sa.String(length=120), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("ended_at", UTC, nullable=True),
        sa.Column("hold_started_at", UTC, nullable=True),
        sa.Column("waiting_seconds", sa.Integer(), nullable=True),
        sa.Column("talk_seconds", sa.Integer(), nullable=True),
        sa.Column("hold_seconds", sa.Integer(), nullable=False),
        sa.Column("provider_duration", sa.Integer(), nullable=True),
        sa.Column("recording_url", sa.String(length=1000), nullable=True),
        sa.Column("recording_sid", sa.String(length=64), nullable=True),
        sa.Column("recording_duration", sa.Integer(), nullable=True),
        sa.Column("follow_up", sa.Boolean(), nullable=False),
        sa.Column("wrapup_state", sa.String(length=10), nullable=False),
        sa.Column("wrapup_notes", sa.Text(), nullable=True),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("wrapup_at", UTC, nullable=True),
        sa.Column("wrapup_by_id", ID, nullable=True),
        sa.Column("wrapup_by_username", sa.String(length=120), nullable=True),
        sa.Column("wrapup_history", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["line_id"], ["voice_lines.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["visitor_id"], ["visitors.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "external_id", name="ux_calls_provider_external"),
    )
    op.create_index("ix_calls_started_at", "calls", ["started_at"], unique=False)
    op.create_index("ix_calls_agent_started", "calls", ["agent_id", "started_at"], unique=False)
    op.create_index("ix_calls_contact_started", "calls", ["contact_id", "started_at"], unique=False)
    op.create_index("ix_calls_customer_e164", "calls", ["customer_e164"], unique=False)
    op.create_index("ix_calls_follow_up", "calls", ["follow_up", "started_at"], unique=False)
    op.create_table(
        "call_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("call_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", UTC, nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("dedup_key", sa.String(length=128), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id", "dedup_key", name="ux_call_events_dedup"),
    )
    op.create_index("ix_call_events_call_occurred", "call_events", ["call_id", "occurred_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_call_events_call_occurred", table_name="call_events")
    op.drop_table("call_events")
    for index in (
        "ix_calls_follow_up",
        "ix_calls_customer_e164",
        "ix_calls_contact_started",
        "ix_calls_agent_started",
        "ix_calls_started_at",
    ):
        op.drop_index(index, table_name="calls")
    op.drop_table("calls")
    op.drop_table("voice_lines")
