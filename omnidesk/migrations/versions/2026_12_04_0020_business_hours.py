"""Business hours: the workspace's default hours and custom ones departments keep, a department's link
to its hours, and whether the hours (not the agent) made an agent not-available.

New columns are added and dropped in place on both engines (a batch rebuild of ``users`` on SQLite
would delete every row that references it). The default hours are seeded by ``ensure_defaults``.

Revision ID: 0020_business_hours
Revises: 0019_line_and_inbox_config
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0020_business_hours"
down_revision = "0019_line_and_inbox_config"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "business_hours",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("work_hours", JSON, nullable=False),
        sa.Column("holidays", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("departments", sa.Column("business_hour_id", ID, nullable=True))
    op.add_column(
        "users",
        sa.Column("livechat_status_by_hours", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("users", "livechat_status_by_hours")
    op.drop_column("departments", "business_hour_id")
    op.drop_table("business_hours")
