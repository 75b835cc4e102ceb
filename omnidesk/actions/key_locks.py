"""Locks on names for the rest of a transaction: one writer at a time per key, on PostgreSQL.

PostgreSQL (READ COMMITTED) lets two transactions read the same "nothing there yet" and both write;
a transaction-scoped advisory lock per key (``pg_advisory_xact_lock``) makes the second wait for the
first to commit and then see what it wrote. SQLite's write transactions are serialised already. Used
by the rate limits (a key per counter) and by ids a client chooses (a message ``_id``, a room ``rid``).
Keys are taken in sorted order, so two transactions taking the same keys cannot deadlock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import BigInteger, cast, func, literal, select, text
from sqlalchemy.orm import Session


def lock(session: Session, keys: Iterable[str]) -> None:
    """Hold ``keys`` until the transaction ends, so a caller can read its own state under the same lock
    before hitting them. Taking a key twice in one transaction is harmless."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite's write transactions are serialised already
    ids = [_lock_id(key) for key in sorted(set(keys))]
    if len(ids) == 1:
        session.execute(select(func.pg_advisory_xact_lock(cast(literal(ids[0]), BigInteger))))
    elif ids:
        # One round trip for them all; ``unnest`` hands out the array's elements in their order.
        session.execute(
            text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ids AS bigint[])) AS k"), {"ids": ids}
        )


def try_lock(session: Session, key: str) -> bool:
    """Take ``key`` for the rest of the transaction if nobody holds it; False (without waiting) if
    another transaction does. Work that any process may do but one at a time (the queue's timed rules)
    is skipped, not queued, by the processes that find it taken."""
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite's write transactions are serialised already
    taken = session.scalar(select(func.pg_try_advisory_xact_lock(cast(literal(_lock_id(key)), BigInteger))))
    return bool(taken)


def _lock_id(key: str) -> int:
    """The advisory lock's 64-bit number for ``key``; a collision only makes two keys share a queue.
    The prefix is older than this module: processes of two versions side by side must agree on it."""
    digest = hashlib.sha256(f"omnidesk-rate-limit:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
