"""Rate limits on amounts (a visitor's uploaded bytes per day): each counted action says how much it
counts for; existing rows count 1, as before.

Revision ID: 0029_rate_limit_amounts
Revises: 0028_room_participants
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_rate_limit_amounts"
down_revision = "0028_room_participants"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rate_limit_hits") as batch:
        batch.add_column(sa.Column("amount", sa.BigInteger(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("rate_limit_hits") as batch:
        batch.drop_column("amount")
