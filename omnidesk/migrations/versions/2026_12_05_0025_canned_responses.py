"""Canned responses and their tags: two new tables, nothing else touched. The permissions they need are
seeded by ``ensure_defaults``, not here.

Revision ID: 0025_canned_responses
Revises: 0024_livechat_webhooks
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_canned_responses"
down_revision = "0024_livechat_webhooks"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "canned_responses",
        sa.Column("id", ID, nullable=False),
        sa.Column("shortcut", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("department_id", ID, nullable=True),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("created_by_id", ID, nullable=False),
        sa.Column("created_by_username", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shortcut"),
    )
    op.create_index(op.f("ix_canned_responses_department_id"), "canned_responses", ["department_id"])
    op.create_index(op.f("ix_canned_responses_user_id"), "canned_responses", ["user_id"])
    op.create_table(
        "canned_response_tags",
        sa.Column("response_id", ID, nullable=False),
        sa.Column("tag", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["response_id"], ["canned_responses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("response_id", "tag"),
    )
    op.create_index("ix_canned_response_tags_tag", "canned_response_tags", ["tag"])


def downgrade() -> None:
    op.drop_index("ix_canned_response_tags_tag", table_name="canned_response_tags")
    op.drop_table("canned_response_tags")
    op.drop_index(op.f("ix_canned_responses_user_id"), table_name="canned_responses")
    op.drop_index(op.f("ix_canned_responses_department_id"), table_name="canned_responses")
    op.drop_table("canned_responses")
