"""Rate limits: one row per counted action, kept while it still counts (``actions/rate_limits.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from omnidesk.db import Base, IdType, new_id, utcnow


class RateLimitHit(Base):
    """One action counted against ``key`` (``verification-code:address:<email>``, ...). It counts until
    ``expires_at`` (its time plus the limit's window), so "the last hour" slides with the clock."""

    __tablename__ = "rate_limit_hits"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # What the action counted for: 1, or its size for a limit on bytes (``upload-bytes:...`` keys).
    amount: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")

    __table_args__ = (
        # Counting one key's live hits reads a range of this index.
        Index("ix_rate_limit_hits_key_expires", "key", "expires_at"),
        # Pruning walks the oldest expired hits of any key.
        Index("ix_rate_limit_hits_expires", "expires_at"),
    )
