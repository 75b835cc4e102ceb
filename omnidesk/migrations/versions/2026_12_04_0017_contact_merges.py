"""Contact merges: a merged contact stays as a tombstone (``contacts.merged_into_id`` names the contact
it went into, so its id keeps resolving), and each merge is a ``contact_merges`` row holding what undo
needs to put every contact, channel, room and call back.

``merged_into_id`` has no foreign key: on SQLite adding one would rebuild the table (see 0016), and the
erasure deletes tombstones with the contact they point at. Adding a nullable column edits the table in
place on both engines.

Revision ID: 0017_contact_merges
Revises: 0016_channel_config
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017_contact_merges"
down_revision = "0016_channel_config"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("contacts", sa.Column("merged_into_id", ID, nullable=True))
    op.create_index("ix_contacts_merged_into", "contacts", ["merged_into_id"])
    op.create_table(
        "contact_merges",
        sa.Column("id", ID, nullable=False),
        sa.Column("survivor_id", ID, nullable=False),
        sa.Column("merged_ids", JSON, nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("actor_username", sa.String(length=120), nullable=True),
        sa.Column("undo", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("undone_at", UTC, nullable=True),
        sa.Column("undone_by_username", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contact_merges_survivor", "contact_merges", ["survivor_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_contact_merges_survivor", table_name="contact_merges")
    op.drop_table("contact_merges")
    op.drop_index("ix_contacts_merged_into", table_name="contacts")
    op.drop_column("contacts", "merged_into_id")
