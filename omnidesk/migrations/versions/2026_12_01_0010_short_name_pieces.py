"""Contact search entries get the marked line of their short-name pieces (``search_index.
with_short_pieces``): a search for one or two Chinese, Japanese or Korean characters is then answered
by the trigram index instead of reading every entry. Only entries holding such characters change;
SQLite's triggers carry each change to the FTS table.

Revision ID: 0010_short_name_pieces
Revises: 0009_rooms_agent_department
Create Date: 2026-12-01
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from omnidesk.queries.search.index import with_short_pieces, without_short_pieces

revision = "0010_short_name_pieces"
down_revision = "0009_rooms_agent_department"
branch_labels = None
depends_on = None

BATCH = 5000


def _rewrite_bodies(new_body: Callable[[str], str]) -> None:
    """Every entry's body through ``new_body``, a batch at a time in key order; unchanged ones stay."""
    bind = op.get_bind()
    # PostgreSQL's entries are keyed by contact; SQLite's by their place in name order.
    key, last = ("id", 0) if bind.dialect.name == "sqlite" else ("contact_id", "")
    while True:
        rows = bind.execute(
            sa.text(
                f"SELECT {key}, body FROM contact_search_entries WHERE {key} > :last ORDER BY {key} LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        changes = [{"key": row[0], "body": new_body(row[1])} for row in rows]
        changes = [change for change, row in zip(changes, rows, strict=True) if change["body"] != row[1]]
        if changes:
            bind.execute(
                sa.text(f"UPDATE contact_search_entries SET body = :body WHERE {key} = :key"), changes
            )
        last = rows[-1][0]


def upgrade() -> None:
    _rewrite_bodies(with_short_pieces)


def downgrade() -> None:
    _rewrite_bodies(without_short_pieces)
