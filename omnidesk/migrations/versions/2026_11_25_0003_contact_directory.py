"""Contact directory: the audit trail, and the substring search index over contacts.

The search index is one row of lower-cased text per contact (name, emails, phones in every form,
channel usernames, searchable custom field values). SQLite keeps it in an FTS5 table with the trigram
tokenizer; PostgreSQL in a table with a pg_trgm GIN index. Both answer ``LIKE '%text%'`` (and FTS5's
phrase MATCH) from the index instead of scanning.

Revision ID: 0003_contact_directory
Revises: 0002_livechat
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_contact_directory"
down_revision = "0002_livechat"
branch_labels = None
depends_on = None

ID = sa.String(32)
UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "contact_audit",
        sa.Column("id", ID, primary_key=True),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("actor_username", sa.String(120), nullable=True),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_index("ix_contact_audit_contact_created", "contact_audit", ["contact_id", "created_at"])

    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE contact_search USING fts5(contact_id UNINDEXED, body, tokenize='trigram')"
        )
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_table(
            "contact_search",
            sa.Column("contact_id", ID, sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
            sa.Column("body", sa.Text, nullable=False),
        )
        op.execute("CREATE INDEX ix_contact_search_body ON contact_search USING gin (body gin_trgm_ops)")


def downgrade() -> None:
    op.drop_table("contact_search")
    op.drop_index("ix_contact_audit_contact_created", table_name="contact_audit")
    op.drop_table("contact_audit")
