"""Search and listing paths that do not grow with the directory (found by the 1 M-contact benchmark).

- The contact search index becomes ``contact_search_entries``: one row per *enabled* contact with its
  ``unknown`` flag, its ``name`` and the lower-cased ``body``, indexed by ``(unknown, name,
  contact_id)``, so a search is answered without joining every match to ``contacts``. SQLite finds
  substrings through an external-content FTS5 table (``contact_search_fts``, trigram tokenizer) kept in
  step by triggers, whose rowid is the entry's ``id``, numbered in name order
  (``omnidesk/queries/search/order.py``); PostgreSQL through a pg_trgm GIN index on ``body``.
- ``room_tags.room_created_at`` copies the room's creation time, so the tag filter walks
  ``(tag, room_created_at)`` newest first instead of sorting every tagged room.
- ``rooms (served_by_id, open)``: routing counts each agent's open chats without reading every chat
  the agent ever served.

Revision ID: 0008_search_and_listing_paths
Revises: 0007_email_inboxes
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_search_and_listing_paths"
down_revision = "0007_email_inboxes"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)

SQLITE_ENTRIES = """
CREATE TABLE contact_search_entries (
    id INTEGER PRIMARY KEY,
    contact_id VARCHAR(32) NOT NULL UNIQUE REFERENCES contacts (id) ON DELETE CASCADE,
    unknown BOOLEAN NOT NULL,
    name VARCHAR(200) NOT NULL,
    body TEXT NOT NULL
)
"""
POSTGRES_ENTRIES = """
CREATE TABLE contact_search_entries (
    contact_id VARCHAR(32) PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    unknown BOOLEAN NOT NULL,
    name VARCHAR(200) NOT NULL,
    body TEXT NOT NULL
)
"""
COPY_ENTRIES = """
INSERT INTO contact_search_entries (contact_id, unknown, name, body)
SELECT s.contact_id, c.unknown, c.name, s.body
FROM contact_search s JOIN contacts c ON c.id = s.contact_id
WHERE c.enabled
"""
# SQLite: ids in (name, contact_id) order with gaps of 2^24, known contacts first, unknown from 2^61
# (omnidesk/queries/search/order.py keeps them so), so that FTS hands out matches in name order.
SQLITE_COPY_ENTRIES = """
INSERT INTO contact_search_entries (id, contact_id, unknown, name, body)
SELECT CASE WHEN c.unknown THEN 2305843009213693952 ELSE 0 END
       + row_number() OVER (PARTITION BY c.unknown ORDER BY c.name, c.id) * 16777216,
       s.contact_id, c.unknown, c.name, s.body
FROM contact_search s JOIN contacts c ON c.id = s.contact_id
WHERE c.enabled
"""
# External content: the FTS table stores only its index; the triggers feed it every change of body.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE contact_search_fts USING fts5(body, content='contact_search_entries', "
    "content_rowid='id', tokenize='trigram')",
    "INSERT INTO contact_search_fts (contact_search_fts) VALUES ('rebuild')",
    "CREATE TRIGGER contact_search_entries_added AFTER INSERT ON contact_search_entries BEGIN "
    "INSERT INTO contact_search_fts (rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER contact_search_entries_removed AFTER DELETE ON contact_search_entries BEGIN "
    "INSERT INTO contact_search_fts (contact_search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "END",
    "CREATE TRIGGER contact_search_entries_changed AFTER UPDATE ON contact_search_entries BEGIN "
    "INSERT INTO contact_search_fts (contact_search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO contact_search_fts (rowid, body) VALUES (new.id, new.body); END",
]
COPY_BACK = (
    "INSERT INTO contact_search (contact_id, body) SELECT contact_id, body FROM contact_search_entries"
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(SQLITE_ENTRIES if sqlite else POSTGRES_ENTRIES)
    op.execute(SQLITE_COPY_ENTRIES if sqlite else COPY_ENTRIES)
    op.execute(
        "CREATE INDEX ix_contact_search_entries_name ON contact_search_entries (unknown, name, contact_id)"
    )
    if sqlite:
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        op.execute(
            "CREATE INDEX ix_contact_search_entries_body ON contact_search_entries "
            "USING gin (body gin_trgm_ops)"
        )
    op.execute("DROP TABLE contact_search")

    op.add_column("room_tags", sa.Column("room_created_at", UTC, nullable=True))
    op.execute(
        "UPDATE room_tags SET room_created_at = "
        "(SELECT created_at FROM rooms WHERE rooms.id = room_tags.room_id)"
    )
    with op.batch_alter_table("room_tags") as batch:  # SQLite: the table is copied to add NOT NULL
        batch.alter_column("room_created_at", existing_type=UTC, nullable=False)
    op.create_index("ix_room_tags_tag_created", "room_tags", ["tag", "room_created_at", "room_id"])
    op.drop_index("ix_room_tags_tag", table_name="room_tags")
    op.create_index("ix_rooms_served_by_open", "rooms", ["served_by_id", "open"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_rooms_served_by_open", table_name="rooms")
    op.create_index("ix_room_tags_tag", "room_tags", ["tag"])
    op.drop_index("ix_room_tags_tag_created", table_name="room_tags")
    op.drop_column("room_tags", "room_created_at")
    if sqlite:
        op.execute(
            "CREATE VIRTUAL TABLE contact_search USING fts5(contact_id UNINDEXED, body, tokenize='trigram')"
        )
        op.execute(COPY_BACK)
    else:
        op.execute(
            "CREATE TABLE contact_search (contact_id VARCHAR(32) PRIMARY KEY "
            "REFERENCES contacts (id) ON DELETE CASCADE, body TEXT NOT NULL)"
        )
        op.execute(COPY_BACK)
        op.execute("CREATE INDEX ix_contact_search_body ON contact_search USING gin (body gin_trgm_ops)")
    op.execute("DROP TABLE contact_search_entries")  # and its triggers
    if sqlite:
        op.execute("DROP TABLE contact_search_fts")
