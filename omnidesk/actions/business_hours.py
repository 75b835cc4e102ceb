"""Every write to business hours, and the rule that follows them: agents outside their hours are made
not-available, and available again when the hours open (only those the hours made not-available)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from omnidesk.actions.agents import set_agent_status
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.models import BusinessHour, Department, User, UserRole
from omnidesk.models.accounts import AGENT_ROLE
from omnidesk.queries.business_hours import DAYS, agent_within_hours, hours_enabled, minutes, zone

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
MAX_HOLIDAYS = 366


@dataclass(frozen=True)
class WorkHour:
    day: str
    start: str
    finish: str
    open: bool


def ensure_default_hours(session: Session) -> BusinessHour:
    """The workspace's default hours, seeded open every day all day (as Rocket.Chat seeds them)."""
    hours = session.scalar(select(BusinessHour).where(BusinessHour.type == "default").limit(1))
    if hours is None:
        hours = BusinessHour(
            name="",
            type="default",
            active=True,
            timezone="UTC",
            work_hours=[{"day": day, "start": "00:00", "finish": "23:59", "open": True} for day in DAYS],
            holidays=[],
        )
        session.add(hours)
        session.flush()
    return hours


def _refuse(reason: str) -> ApiError:
    return ApiError("error-saving-business-hour", reason)


def _checked_work_hours(work_hours: Sequence[WorkHour]) -> list[dict[str, object]]:
    seen: set[str] = set()
    checked: list[dict[str, object]] = []
    for entry in work_hours:
        if entry.day not in DAYS:
            raise _refuse(f"{entry.day!r} is not a day of the week")
        if entry.day in seen:
            raise _refuse(f"{entry.day} is given twice")
        seen.add(entry.day)
        if not CLOCK.match(entry.start) or not CLOCK.match(entry.finish):
            raise _refuse(f"The times of {entry.day} must be written HH:MM")
        start, finish = entry.start[:5], entry.finish[:5]
        if entry.open and minutes(finish) <= minutes(start):
            raise _refuse(f"On {entry.day} the hours must finish after they start")
        checked.append({"day": entry.day, "start": start, "finish": finish, "open": entry.open})
    return checked


def _checked_holidays(holidays: Sequence[str]) -> list[str]:
    if len(holidays) > MAX_HOLIDAYS:
        raise _refuse(f"At most {MAX_HOLIDAYS} closed days")
    checked = set()
    for holiday in holidays:
        try:
            checked.add(date.fromisoformat(holiday).isoformat())
        except ValueError:
            raise _refuse(f"{holiday!r} is not a date (YYYY-MM-DD)") from None
    return sorted(checked)


def save_business_hours(
    session: Session,
    *,
    hours_id: str | None,
    kind: str,
    name: str,
    active: bool,
    timezone: str,
    work_hours: Sequence[WorkHour],
    holidays: Sequence[str] | None,
    department_ids: Sequence[str] | None,
) -> BusinessHour:
    """Create or update hours (Rocket.Chat's business-hours.save); custom hours apply to exactly the
    departments given. The rule is applied at once, so agents and the queue follow the new hours."""
    if kind not in ("default", "custom"):
        raise _refuse("The type must be default or custom")
    if zone(timezone) is None:
        raise _refuse(f"{timezone!r} is not a time zone")
    if kind == "custom" and not name.strip():
        raise _refuse("Custom business hours need a name")
    if kind == "default":
        hours = ensure_default_hours(session)
        if hours_id and hours_id != hours.id:
            raise _refuse("These are not the default business hours")
    elif hours_id:
        found = session.get(BusinessHour, hours_id)
        if found is None or found.type != "custom":
            raise _refuse("Business hours not found")
        hours = found
    else:
        hours = BusinessHour(type="custom")
        session.add(hours)
    hours.name, hours.active, hours.timezone = name.strip(), active, timezone
    hours.work_hours = _checked_work_hours(work_hours)
    if holidays is not None:
        hours.holidays = _checked_holidays(holidays)
    session.flush()
    if kind == "custom" and department_ids is not None:
        _link_departments(session, hours, department_ids)
    apply_business_hours(session)
    return hours


def _link_departments(session: Session, hours: BusinessHour, department_ids: Sequence[str]) -> None:
    wanted = set(session.scalars(select(Department.id).where(Department.id.in_(set(department_ids)))))
    session.execute(
        update(Department)
        .where(Department.business_hour_id == hours.id, Department.id.not_in(wanted))
        .values(business_hour_id=None)
    )
    if wanted:
        session.execute(update(Department).where(Department.id.in_(wanted)).values(business_hour_id=hours.id))
    session.flush()


def remove_business_hours(session: Session, *, hours_id: str, kind: str) -> None:
    if kind != "custom":
        raise ApiError("error-business-hour-type", "The default business hours cannot be removed")
    hours = session.get(BusinessHour, hours_id)
    if hours is None or hours.type != "custom":
        raise ApiError("error-business-hour-not-found", "Business hours not found")
    session.execute(
        update(Department).where(Department.business_hour_id == hours.id).values(business_hour_id=None)
    )
    session.delete(hours)
    session.flush()
    apply_business_hours(session)


def apply_business_hours(session: Session, at: datetime | None = None) -> int:
    """Make the agents outside their hours not-available, and those the hours made so available again
    once they open (or the hours are turned off); returns how many agents changed."""
    moment = at or utcnow()
    enabled = hours_enabled(session)
    agents = session.scalars(
        select(User)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role_id == AGENT_ROLE))
        .where(User.active.is_(True))
        .order_by(User.id)
    ).all()
    changed = 0
    for agent in agents:
        within = not enabled or agent_within_hours(session, agent.id, moment)
        if not within and agent.livechat_status == "available":
            set_agent_status(session, user=agent, status="not-available")
            agent.livechat_status_by_hours = True
            changed += 1
        elif within and agent.livechat_status_by_hours:
            agent.livechat_status_by_hours = False
            if agent.livechat_status != "available":
                set_agent_status(session, user=agent, status="available")
                changed += 1
    session.flush()
    return changed
