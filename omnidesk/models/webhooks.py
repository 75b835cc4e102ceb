"""The livechat webhook's deliveries: each event the workspace reports to its ``Livechat_webhookUrl``
(Rocket.Chat's CRM integration) is one row, queued in the transaction of the change it reports, so a
change rolled back reports nothing, and delivered by a worker that works the table as a job queue
(``workers/webhook_delivery``): ``pending`` → ``sending`` → ``sent``, or ``failed`` with its error, the
dead letter, once the attempts run out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omnidesk.db import Base, IdType, new_id, utcnow

# The largest body one delivery carries, in bytes of UTF-8 JSON: a chat's history is cut to fit
# (``actions/webhook_payloads``).
MAX_PAYLOAD_BYTES = 1_000_000


class LivechatWebhook(Base):
    """One POST to the webhook URL. ``payload`` is the JSON body, serialised when the event happened,
    so every attempt sends the same bytes; the URL and the secret token are read when it is sent."""

    __tablename__ = "livechat_webhooks"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(40))  # Rocket.Chat's: LivechatSession, Message, ...
    room_id: Mapped[str | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    payload: Mapped[str] = mapped_column(Text, info={"max_length": MAX_PAYLOAD_BYTES})
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_livechat_webhooks_status_next", "status", "next_attempt_at"),
        # Old deliveries are pruned by age.
        Index("ix_livechat_webhooks_created_at", "created_at"),
        Index("ix_livechat_webhooks_room_id", "room_id"),
    )
