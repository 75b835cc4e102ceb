"""Read paths of the manager dashboard: chats per channel per day, what waits right now, response and
resolution times, calls answered and missed.

Days are UTC calendar days, bucketed by the database (one GROUP BY per chart); medians are computed in
Python because SQLite has no percentile function.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from omnidesk.models import Call, Message, Room
from omnidesk.models.calls import MISSED_STATES


@dataclass(frozen=True)
class Period:
    """The last ``days`` UTC days, today included."""

    first_day: date
    days: int

    @classmethod
    def ending_today(cls, days: int, *, now: datetime) -> Period:
        today = now.astimezone(UTC).date()
        return cls(first_day=today - timedelta(days=days - 1), days=days)

    @property
    def day_list(self) -> list[date]:
        return [self.first_day + timedelta(days=offset) for offset in range(self.days)]

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)


def _utc_day(session: Session, column: Any) -> ColumnElement[str]:
    """``YYYY-MM-DD`` of a UTC datetime column. SQLite stores naive UTC text; PostgreSQL a timestamptz,
    which is turned to UTC whatever the connection's time zone."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)


def chats_per_channel_per_day(session: Session, period: Period) -> dict[str, dict[date, int]]:
    """Chats started on each day, by channel (the room's source type): ``{channel: {day: count}}``,
    with every day of the period present for every channel that had a chat."""
    day = _utc_day(session, Room.created_at).label("day")
    rows = session.execute(
        select(Room.source_type, day, func.count())
        .where(Room.created_at >= period.start, Room.created_at < period.end)
        .group_by(Room.source_type, day)
    ).all()
    series: dict[str, dict[date, int]] = {}
    for channel, day_text, count in rows:
        days = series.setdefault(channel, dict.fromkeys(period.day_list, 0))
        days[date.fromisoformat(day_text)] = count
    return dict(sorted(series.items(), key=lambda item: -sum(item[1].values())))


@dataclass(frozen=True)
class RightNow:
    queued: int  # open, nobody serves it yet
    open: int  # served and talking
    on_hold: int
    live_calls: int


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def right_now(session: Session) -> RightNow:
    served = Room.served_by_id.is_not(None)
    queued, talking, on_hold = session.execute(
        select(
            _count_where(Room.served_by_id.is_(None)),
            _count_where(served & Room.on_hold.is_(False)),
            _count_where(served & Room.on_hold.is_(True)),
        ).where(Room.open.is_(True))
    ).one()
    live_calls = session.scalar(
        select(func.count()).where(
            Call.ended_at.is_(None), Call.state.in_(("ringing", "in-progress", "on-hold"))
        )
    )
    return RightNow(queued=queued, open=talking, on_hold=on_hold, live_calls=live_calls or 0)


@dataclass(frozen=True)
class ResponseTimes:
    """Medians in seconds (None without data) and how many chats each is taken over."""

    first_response: float | None
    first_response_count: int
    resolution: float | None
    resolution_count: int


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def response_times(session: Session, period: Period) -> ResponseTimes:
    """First response: from a chat's start to the first message a staff member wrote, for chats started
    in the period. Resolution: from start to close, for chats closed in the period."""
    first_reply = (
        select(Message.room_id, func.min(Message.created_at).label("replied_at"))
        .join(Room, Room.id == Message.room_id)
        .where(
            Message.author_kind == "user",
            Message.type.is_(None),
            Room.created_at >= period.start,
            Room.created_at < period.end,
        )
        .group_by(Message.room_id)
        .subquery()
    )
    replies = session.execute(
        select(Room.created_at, first_reply.c.replied_at).join(first_reply, first_reply.c.room_id == Room.id)
    ).all()
    closes = session.execute(
        select(Room.created_at, Room.closed_at).where(
            Room.closed_at >= period.start, Room.closed_at < period.end, Room.open.is_(False)
        )
    ).all()
    waits = [max((replied - started).total_seconds(), 0.0) for started, replied in replies]
    resolutions = [
        max((closed - started).total_seconds(), 0.0) for started, closed in closes if closed is not None
    ]
    return ResponseTimes(
        first_response=_median(waits),
        first_response_count=len(waits),
        resolution=_median(resolutions),
        resolution_count=len(resolutions),
    )


@dataclass(frozen=True)
class CallDay:
    day: date
    answered: int
    missed: int


def calls_per_day(session: Session, period: Period) -> list[CallDay]:
    """Inbound and outbound calls started each day: answered (someone picked up) and missed (ended
    unanswered: no answer, busy, canceled, voicemail). Failed and live calls are in neither."""
    day = _utc_day(session, Call.started_at).label("day")
    rows = session.execute(
        select(
            day,
            _count_where(Call.answered_at.is_not(None)),
            _count_where(Call.answered_at.is_(None) & Call.state.in_(MISSED_STATES)),
        )
        .where(Call.started_at >= period.start, Call.started_at < period.end)
        .group_by(day)
    ).all()
    counts = {
        date.fromisoformat(day_text): (int(answered or 0), int(missed or 0))
        for day_text, answered, missed in rows
    }
    return [CallDay(day, *counts.get(day, (0, 0))) for day in period.day_list]
