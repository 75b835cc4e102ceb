"""Counting the rows of a list, up to a limit.

A list answers its page and a ``total``. Counting every row that matches costs in proportion to the
matches (every room with a common tag, every contact matching three letters), and for a large
workspace that count was most of the request's time. So totals are exact up to ``EXACT_TOTAL_LIMIT``
rows; above it the total is the limit and the answer says so (``totalCapped``, docs/api.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

EXACT_TOTAL_LIMIT = 1000


def capped_count(session: Session, query: Select[Any]) -> tuple[int, bool]:
    """How many rows ``query`` has, up to the limit, and whether that is exact."""
    counted = query.order_by(None).limit(EXACT_TOTAL_LIMIT + 1).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    return min(total, EXACT_TOTAL_LIMIT), total <= EXACT_TOTAL_LIMIT
