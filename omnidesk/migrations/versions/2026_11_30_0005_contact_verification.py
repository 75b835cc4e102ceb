"""Contact verification: one-time codes that prove a chat's channel belongs to an email's owner.

Revision ID: 0005_contact_verification
Revises: 0004_calls
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_contact_verification"
down_revision = "0004_calls"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contact_verifications",
        sa.Column("id", ID, nullable=False),
        sa.Column("room_id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("code_hash", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("verified_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["channel_id"], ["contact_channels.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_verifications_room_id", "contact_verifications", ["room_id"])


def downgrade() -> None:
    op.drop_index("ix_contact_verifications_room_id", table_name="contact_verifications")
    op.drop_table("contact_verifications")
