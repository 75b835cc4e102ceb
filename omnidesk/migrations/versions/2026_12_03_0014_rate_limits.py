"""Rate limits: the actions counted against a key (an email address, a visitor) while they still count.

The first user is ``livechat/verification.request``: a code is sent at most a few times an hour to one
address and for one visitor. A new table needs no batch mode on SQLite.

Revision ID: 0014_rate_limits
Revises: 0013_channel_visitor_identity
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_rate_limits"
down_revision = "0013_channel_visitor_identity"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rate_limit_hits",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rate_limit_hits_key_expires", "rate_limit_hits", ["key", "expires_at"])
    op.create_index("ix_rate_limit_hits_expires", "rate_limit_hits", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_hits_expires", table_name="rate_limit_hits")
    op.drop_index("ix_rate_limit_hits_key_expires", table_name="rate_limit_hits")
    op.drop_table("rate_limit_hits")
