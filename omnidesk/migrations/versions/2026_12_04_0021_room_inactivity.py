"""Inactivity rules: since when a chat waits for its visitor to answer (the agent's first reply after
the visitor last wrote), which the abandonment rule counts from. Added and dropped in place.

Revision ID: 0021_room_inactivity
Revises: 0020_business_hours
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_room_inactivity"
down_revision = "0020_business_hours"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rooms", sa.Column("awaiting_visitor_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("rooms", "awaiting_visitor_since")
