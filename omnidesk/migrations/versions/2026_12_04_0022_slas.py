"""SLAs (Rocket.Chat's SLA policies): the ``slas`` table, a chat's SLA on its room and inquiry (its
id, its minutes, which Rocket.Chat sends as ``estimatedWaitingTimeQueue``, the moment the first answer
is due, and when the room was marked overdue) and a department's default SLA.

The new columns are nullable and have no foreign key, so each is added, and
dropped, in place on both engines: a batch rebuild of ``rooms`` or ``departments`` on SQLite would
delete the rows that reference them. The queue's order index gains the due moment.

Revision ID: 0022_slas
Revises: 0021_room_inactivity
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_slas"
down_revision = "0021_room_inactivity"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)
ID = sa.String(length=32)


def upgrade() -> None:
    op.create_table(
        "slas",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("due_time_minutes", sa.Integer(), nullable=False, unique=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
    )
    for table in ("rooms", "inquiries"):
        op.add_column(table, sa.Column("sla_id", ID, nullable=True))
        op.add_column(table, sa.Column("sla_due_at", UTC, nullable=True))
        op.add_column(table, sa.Column("sla_minutes", sa.Integer(), nullable=True))
    op.add_column("rooms", sa.Column("sla_overdue_at", UTC, nullable=True))
    op.add_column("departments", sa.Column("sla_id", ID, nullable=True))
    op.create_index("ix_rooms_sla_due", "rooms", ["sla_due_at"])
    op.drop_index("ix_inquiries_queue_order", table_name="inquiries")
    op.create_index(
        "ix_inquiries_queue_order", "inquiries", ["status", "priority_weight", "sla_due_at", "queued_at"]
    )


def downgrade() -> None:
    # Indexes first: SQLite drops a column in place only when no index names it.
    op.drop_index("ix_inquiries_queue_order", table_name="inquiries")
    op.create_index("ix_inquiries_queue_order", "inquiries", ["status", "priority_weight", "queued_at"])
    op.drop_index("ix_rooms_sla_due", table_name="rooms")
    op.drop_column("departments", "sla_id")
    op.drop_column("rooms", "sla_overdue_at")
    for table in ("inquiries", "rooms"):
        op.drop_column(table, "sla_minutes")
        op.drop_column(table, "sla_due_at")
        op.drop_column(table, "sla_id")
    op.drop_table("slas")
