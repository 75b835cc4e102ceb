"""Uploaded files (Rocket.Chat's ``rocketchat_uploads``): the row of each file in a chat, its bytes in
the file store under ``storage_key``. A thumbnail is a row of its own that names its original."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omnidesk.db import Base, IdType, new_id, utcnow


class Upload(Base):
    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    # The random key of the bytes in the file store; never derived from the name.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(120))  # as sniffed from the bytes
    size: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str | None] = mapped_column(IdType)  # the staff member who uploaded it
    visitor_id: Mapped[str | None] = mapped_column(IdType)  # or the visitor
    message_id: Mapped[str | None] = mapped_column(IdType)  # the message that shows it, once sent
    original_id: Mapped[str | None] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"), index=True)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # False until ``rooms.mediaConfirm`` sends it (Rocket.Chat's temporary upload).
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
