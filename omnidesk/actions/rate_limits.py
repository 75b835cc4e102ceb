"""Rate limits over a sliding window: at most ``limit`` actions per ``key`` in the last ``window``, or at
most ``limit`` of an amount (bytes uploaded) when each action says what it amounts to (``amount``).

Every action counted is a row of ``rate_limit_hits`` that counts until its ``expires_at`` (its time plus
the window), so "the last hour" slides with the clock rather than resetting on the hour. ``hit_all``
counts a key's live rows and adds one only when every limit has room; a refused action writes nothing,
whether or not its transaction is rolled back afterwards.

Counting and adding must not interleave between two requests, or both see room for one more:

- **SQLite** serialises write transactions (``BEGIN IMMEDIATE``). A deferred transaction that counted
  and then inserts after another writer committed fails with ``SQLITE_BUSY`` instead of over-counting.
- **PostgreSQL** (READ COMMITTED) takes a transaction-scoped advisory lock per key first
  (``pg_advisory_xact_lock``), so requests for one key queue and each counts what the previous one
  committed; requests for other keys do not wait. Keys are locked in sorted order, so two requests
  hitting the same keys cannot deadlock. Callers take these locks before any row lock of their own.

Expired rows are pruned by whoever records a hit, a bounded batch at a time and skipping rows another
transaction is deleting, so the table keeps about the live hits without a worker and without blocking.
A key is meant to be used with one window: a hit counts for the window it was recorded with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from omnidesk.actions.key_locks import lock
from omnidesk.db import utcnow
from omnidesk.errors import TooManyRequests
from omnidesk.models import RateLimitHit

# Each recorded hit deletes up to this many expired ones of any key: more than it adds, so expired rows
# cannot pile up, and few enough that a request never pays for a long backlog at once.
PRUNE_BATCH = 100


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` hits of ``key`` in any ``window``. A limit below 1 counts as 1: a limit cannot be
    switched off by setting it to zero, only raised."""

    key: str
    limit: int
    window: timedelta
    # What this action counts for: 1 for "actions per window", its size for "bytes per window".
    amount: int = 1


def hit(session: Session, *, key: str, limit: int, window: timedelta) -> None:
    """Count one action against ``key``, or raise ``TooManyRequests`` (and count nothing)."""
    hit_all(session, [Limit(key=key, limit=limit, window=window)])


def hit_all(session: Session, limits: Sequence[Limit]) -> None:
    """Count one action against every limit, or against none: if any of them is reached, raise
    ``TooManyRequests`` with the seconds until all of them have room again."""
    lock(session, [limit.key for limit in limits])
    now = utcnow()
    wait = max((_wait(session, limit, now) for limit in limits), default=0.0)
    if wait > 0:
        raise TooManyRequests(max(1, math.ceil(wait)))
    _prune(session, now)
    session.add_all(
        RateLimitHit(key=limit.key, created_at=now, expires_at=now + limit.window, amount=limit.amount)
        for limit in limits
    )
    session.flush()


def _wait(session: Session, limit: Limit, now: datetime) -> float:
    """Seconds until ``limit.key`` has room for ``limit.amount`` more; 0 if it has now. An amount larger
    than the whole limit waits a full window: it never fits, and the caller says so in its own words."""
    allowed = max(1, limit.limit)
    if limit.amount > allowed:
        return limit.window.total_seconds()
    # Every hit counts at least 1, so only the newest ``allowed`` live hits can matter: walking from the
    # newest, the first hit that leaves no room is the one whose expiry makes room (with all older ones).
    newest = session.execute(
        select(RateLimitHit.expires_at, RateLimitHit.amount)
        .where(RateLimitHit.key == limit.key, RateLimitHit.expires_at > now)
        .order_by(RateLimitHit.expires_at.desc())
        .limit(allowed)
    ).all()
    counted = limit.amount
    for expires_at, amount in newest:
        counted += amount
        if counted > allowed:
            return max((expires_at - now).total_seconds(), 0.0)
    return 0.0


def _prune(session: Session, now: datetime) -> None:
    expired = (
        select(RateLimitHit.id)
        .where(RateLimitHit.expires_at <= now)
        .order_by(RateLimitHit.expires_at)
        .limit(PRUNE_BATCH)
        # PostgreSQL: rows another request is pruning are left to it rather than waited for.
        .with_for_update(skip_locked=True)
    )
    session.execute(
        delete(RateLimitHit).where(RateLimitHit.id.in_(expired)),
        execution_options={"synchronize_session": False},
    )
