"""Named sequences in the database."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from omnidesk.models import Counter


def next_value(session: Session, name: str) -> int:
    """Advance the counter ``name`` and return its new value, safely under concurrent writers.

    The UPDATE takes the row lock (PostgreSQL) or runs inside the write lock (SQLite's BEGIN IMMEDIATE),
    so two transactions never get the same value.
    """
    result = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    ).scalar()
    if result is not None:
        return int(result)
    session.add(Counter(name=name, value=1))
    session.flush()
    return 1
