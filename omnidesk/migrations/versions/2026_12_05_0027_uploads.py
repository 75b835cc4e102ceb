"""Uploaded files: one new table, nothing else touched. The settings they need are seeded by
``ensure_defaults``, not here.

Revision ID: 0027_uploads
Revises: 0026_department_extra
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_uploads"
down_revision = "0026_department_extra"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", ID, nullable=False),
        sa.Column("room_id", ID, nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("visitor_id", ID, nullable=True),
        sa.Column("message_id", ID, nullable=True),
        sa.Column("original_id", ID, nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["original_id"], ["uploads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_index(op.f("ix_uploads_room_id"), "uploads", ["room_id"])
    op.create_index(op.f("ix_uploads_original_id"), "uploads", ["original_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_uploads_original_id"), table_name="uploads")
    op.drop_index(op.f("ix_uploads_room_id"), table_name="uploads")
    op.drop_table("uploads")
