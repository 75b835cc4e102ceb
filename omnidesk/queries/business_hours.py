"""Business hours as routing and the widget read them: which hours apply to a chat of a department or
to an agent, and whether they are open at a moment.

Off (``Livechat_enable_business_hours``), nothing is restricted. ``Single``
(``Livechat_business_hour_type``): the workspace's default hours apply to every chat and agent.
``Multiple``: a department's own hours (active custom hours it names) apply to its chats and agents,
the default hours to the rest; an agent in several departments is within hours when any of them is
open. Inactive hours restrict nothing.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.db import utcnow
from omnidesk.models import BusinessHour, Department, DepartmentAgent
from omnidesk.queries.settings import setting_value

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
END_OF_DAY = "23:59"  # a finish of 23:59 keeps the day open to midnight


def zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def minutes(clock: str) -> int:
    """``"08:30"`` (or ``"08:30:00"``) as minutes after midnight."""
    hours, mins = clock.split(":")[:2]
    return int(hours) * 60 + int(mins)


def open_at(hours: BusinessHour, at: datetime) -> bool:
    """Whether ``hours`` are open at ``at``: not a closed day, within an open day's times."""
    local = at.astimezone(zone(hours.timezone) or ZoneInfo("UTC"))
    if local.date().isoformat() in (hours.holidays or []):
        return False
    day, now = DAYS[local.weekday()], local.hour * 60 + local.minute
    for entry in hours.work_hours or []:
        if entry.get("day") != day or not entry.get("open"):
            continue
        finish = 24 * 60 if entry["finish"] == END_OF_DAY else minutes(entry["finish"])
        if minutes(entry["start"]) <= now < finish:
            return True
    return False


def hours_enabled(session: Session) -> bool:
    return bool(setting_value(session, "Livechat_enable_business_hours"))


def _multiple(session: Session) -> bool:
    return setting_value(session, "Livechat_business_hour_type") == "Multiple"


def default_hours(session: Session) -> BusinessHour | None:
    return session.scalar(select(BusinessHour).where(BusinessHour.type == "default").limit(1))


def _active(hours: BusinessHour | None) -> BusinessHour | None:
    return hours if hours is not None and hours.active else None


def hours_for_department(session: Session, department_id: str | None) -> BusinessHour | None:
    """The hours a chat of ``department_id`` keeps; None when nothing restricts it."""
    if not hours_enabled(session):
        return None
    if _multiple(session) and department_id:
        department = session.get(Department, department_id)
        if department is not None and department.business_hour_id:
            own = _active(session.get(BusinessHour, department.business_hour_id))
            if own is not None:
                return own
    return _active(default_hours(session))


def department_open(session: Session, department_id: str | None, at: datetime | None = None) -> bool:
    """Whether chats of ``department_id`` are served now (True when no hours restrict them)."""
    hours = hours_for_department(session, department_id)
    return hours is None or open_at(hours, at or utcnow())


def agent_within_hours(session: Session, agent_id: str, at: datetime | None = None) -> bool:
    """Whether the hours the agent keeps are open: its departments' own hours, else the default."""
    if not hours_enabled(session):
        return True
    moment = at or utcnow()
    if _multiple(session):
        own = session.scalars(
            select(BusinessHour)
            .join(Department, Department.business_hour_id == BusinessHour.id)
            .join(DepartmentAgent, DepartmentAgent.department_id == Department.id)
            .where(DepartmentAgent.agent_id == agent_id, BusinessHour.active.is_(True))
        ).all()
        if own:
            return any(open_at(hours, moment) for hours in own)
    hours = _active(default_hours(session))
    return hours is None or open_at(hours, moment)


def departments_keeping(session: Session, hours_id: str) -> list[tuple[str, str]]:
    """The (id, name) of the departments that keep these hours, by name."""
    rows = session.execute(
        select(Department.id, Department.name)
        .where(Department.business_hour_id == hours_id)
        .order_by(Department.name)
    ).all()
    return [(department_id, name) for department_id, name in rows]
