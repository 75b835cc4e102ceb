"""``rooms (served_by_id, department_id, created_at)``: the Chats listing filtered by an agent and a
department together.

With only ``(served_by_id, created_at)``, such a listing walks every conversation the agent served in
the window (about 7,000 in a month at a million contacts) and reads each row to test its department;
when the two rarely meet, it reads them all (p99 122 ms on SQLite, 183 ms on PostgreSQL at 1 M). The
agent-only listing and routing keep their own indexes.

Revision ID: 0009_rooms_agent_department
Revises: 0008_search_and_listing_paths
Create Date: 2026-12-01
"""

from alembic import op

revision = "0009_rooms_agent_department"
down_revision = "0008_search_and_listing_paths"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_rooms_served_by_department_created", "rooms", ["served_by_id", "department_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_rooms_served_by_department_created", table_name="rooms")
