"""Agent capacity and presence: an agent's own chat limit (Rocket.Chat's
``livechat.maxNumberSimultaneousChat``), a department's limit per agent, the status a user chose
(``statusDefault``: what its status returns to when it connects) and when its status last changed
(the agent-leave rule waits from then).

Nullable columns and one with a server default: each is added, and dropped, in place on both engines.

Revision ID: 0018_agent_capacity
Revises: 0017_contact_merges
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_agent_capacity"
down_revision = "0017_contact_merges"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("users", sa.Column("livechat_max_chats", sa.Integer(), nullable=True))
    op.add_column(
        "users", sa.Column("status_default", sa.String(length=20), nullable=False, server_default="online")
    )
    op.add_column("users", sa.Column("status_changed_at", UTC, nullable=True))
    op.add_column("departments", sa.Column("max_chats_per_agent", sa.Integer(), nullable=True))
    # Re-routing reads the queue in its order (priority, then arrival) and counts an agent's chats.
    op.create_index("ix_inquiries_queue_order", "inquiries", ["status", "priority_weight", "queued_at"])


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+ drops a column without an index itself): a batch rebuild of
    # ``users`` would delete every row that references it.
    op.drop_index("ix_inquiries_queue_order", table_name="inquiries")
    op.drop_column("departments", "max_chats_per_agent")
    op.drop_column("users", "status_changed_at")
    op.drop_column("users", "status_default")
    op.drop_column("users", "livechat_max_chats")
