"""PostgreSQL: the contact search's trigram index takes each change at once (``fastupdate = off``).

With GIN's default, new and changed entries wait in a pending list that every search reads from end
to end until a vacuum merges it. The benchmark's 10 k dataset, after the contacts its own runs had
added, had 383 pending pages: a search that matches nothing took 7.6 ms of SQL instead of 0.85 ms.
Contacts change far less often than they are searched, so each change now pays for its own
entries (a few hundred index insertions), and the list left over is merged here.

Revision ID: 0012_search_index_no_pending
Revises: 0011_rooms_listing_covering
Create Date: 2026-12-01
"""

from alembic import op

revision = "0012_search_index_no_pending"
down_revision = "0011_rooms_listing_covering"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's FTS5 index has no such list
    op.execute("ALTER INDEX ix_contact_search_entries_body SET (fastupdate = off)")
    op.execute("SELECT gin_clean_pending_list('ix_contact_search_entries_body')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_contact_search_entries_body RESET (fastupdate)")
