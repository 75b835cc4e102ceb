"""What Rocket.Chat's clients save on a department that Omnidesk keeps without applying (forwarding
restrictions, queue and abandonment texts, the offline channel, a form's own properties), so that they
read it back as they saved it. Added and dropped in place.

Revision ID: 0026_department_extra
Revises: 0025_canned_responses
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0026_department_extra"
down_revision = "0025_canned_responses"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("departments", sa.Column("extra", JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("departments", "extra")
