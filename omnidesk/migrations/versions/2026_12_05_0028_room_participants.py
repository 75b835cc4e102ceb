"""The staff who joined a chat they do not serve (``livechat/room.join``): one new table, nothing else
touched.

Revision ID: 0028_room_participants
Revises: 0027_uploads
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_room_participants"
down_revision = "0027_uploads"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "room_participants",
        sa.Column("room_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("joined_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("room_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("room_participants")
