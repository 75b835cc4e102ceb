"""The manager dashboard: charts drawn on the server (``charts.py``) from ``queries/dashboard.py``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from omnidesk.db import utcnow
from omnidesk.http.deps import SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.queries import dashboard as queries
from omnidesk.web import charts
from omnidesk.web.render import NAVIGATION, page_actor, render

router = APIRouter(route_class=OneThreadRoute, include_in_schema=False)

PERIODS = (7, 14, 30)
DEFAULT_PERIOD = 14
# The Contact Center's channel names (static/contact-center.js, CHANNELS).
CHANNEL_LABELS = {
    "widget": "Web chat",
    "api": "API",
    "email": "Email",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "voice": "Voice call",
    "app": "App",
}
ANSWERED_COLOR, MISSED_COLOR = "#009e73", "#d55e00"


def _permissions() -> tuple[str, ...]:
    permission = next(entry.permission for entry in NAVIGATION if entry.href == "/dashboard")
    return (permission,) if isinstance(permission, str) else permission


@router.get("/dashboard")
def dashboard(request: Request, session: SessionDep, days: int = DEFAULT_PERIOD) -> Response:
    actor = page_actor(request, session)
    if not any(actor.can(session, permission) for permission in _permissions()):
        return render(request, "admin/forbidden.html", session=session, actor=actor, status_code=403)
    period = queries.Period.ending_today(days if days in PERIODS else DEFAULT_PERIOD, now=utcnow())
    return render(
        request,
        "dashboard/dashboard.html",
        session=session,
        actor=actor,
        period=period,
        periods=PERIODS,
        now=queries.right_now(session),
        times=queries.response_times(session, period),
        format_duration=charts.format_duration,
        **_chats_context(session, period),
        **_calls_context(session, period),
    )


def _chats_context(session: SessionDep, period: queries.Period) -> dict[str, Any]:
    per_channel = queries.chats_per_channel_per_day(session, period)
    days = period.day_list
    series = [
        charts.Series(CHANNEL_LABELS.get(channel, channel), [counts[day] for day in days], color)
        for (channel, counts), color in zip(per_channel.items(), _colors(len(per_channel)), strict=True)
    ]
    total = sum(sum(item.values) for item in series)
    description = f"{total} chats in the last {period.days} days; " + "; ".join(
        f"{item.label}: {sum(item.values)}" for item in series
    )
    return {
        "chat_series": series,
        "chat_total": total,
        "chats_chart": charts.stacked_bars(
            days,
            series,
            title=f"Chats per channel per day, last {period.days} days",
            description=description,
            width=520,
        ),
    }


def _calls_context(session: SessionDep, period: queries.Period) -> dict[str, Any]:
    call_days = queries.calls_per_day(session, period)
    answered = sum(day.answered for day in call_days)
    missed = sum(day.missed for day in call_days)
    series = [
        charts.Series("answered", [day.answered for day in call_days], ANSWERED_COLOR),
        charts.Series("missed", [day.missed for day in call_days], MISSED_COLOR),
    ]
    return {
        "calls_answered": answered,
        "calls_missed": missed,
        "calls_chart": charts.stacked_bars(
            period.day_list,
            series,
            title=f"Calls answered and missed per day, last {period.days} days",
            description=f"{answered} calls answered and {missed} missed",
            width=420,
            height=240,
        ),
        "calls_donut": charts.donut(
            [("Answered", answered, ANSWERED_COLOR), ("Missed", missed, MISSED_COLOR)],
            title="Answered and missed calls",
            center_label="calls",
        ),
        "call_days": call_days,
    }


def _colors(count: int) -> list[str]:
    return [charts.PALETTE[index % len(charts.PALETTE)] for index in range(count)]
