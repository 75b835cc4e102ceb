"""``livechat/business-hour``, ``livechat/business-hours`` (list, ``.save``, ``.remove``): when chats are
served, in Rocket.Chat's shapes (``ILivechatBusinessHour``). ``holidays`` (ISO dates closed all day) is
an Omnidesk extension. Reading and managing both need ``view-livechat-business-hours``, as in
Rocket.Chat."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy.orm import Session

from omnidesk.access import require
from omnidesk.actions.business_hours import WorkHour, remove_business_hours, save_business_hours
from omnidesk.api.shapes import ok, page_bounds
from omnidesk.api.validation import Body, QueryParams
from omnidesk.dates import iso
from omnidesk.db import utcnow
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import BusinessHour
from omnidesk.queries.business_hours import DAYS, default_hours, departments_keeping, minutes, zone
from omnidesk.queries.lists import list_business_hours as list_business_hours_query

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["livechat business hours"])

PERMISSION = "view-livechat-business-hours"
CRON_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _offset(name: str, at: datetime) -> str:
    """The zone's UTC offset now, as Rocket.Chat writes it (``-03:00``)."""
    local_zone = zone(name)
    offset = at.astimezone(local_zone).utcoffset() if local_zone else None
    total = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if total < 0 else "+"
    return f"{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def _time(day: str, clock: str, shift_minutes: int) -> dict[str, Any]:
    """One end of a day's hours: local, in UTC (day and time) and as Rocket.Chat's cron fields."""
    local = DAYS.index(day) * 24 * 60 + minutes(clock)
    utc = (local - shift_minutes) % (7 * 24 * 60)
    utc_day, utc_clock = DAYS[utc // (24 * 60)], f"{utc % (24 * 60) // 60:02d}:{utc % 60:02d}"
    return {
        "time": clock,
        "utc": {"dayOfWeek": utc_day, "time": utc_clock},
        "cron": {"dayOfWeek": CRON_DAYS[utc // (24 * 60)], "time": utc_clock},
    }


def hours_shape(session: Session, hours: BusinessHour) -> dict[str, Any]:
    now = utcnow()
    offset = _offset(hours.timezone, now)
    shift = (1 if offset[0] == "+" else -1) * (int(offset[1:3]) * 60 + int(offset[4:6]))
    departments = departments_keeping(session, hours.id)
    return {
        "_id": hours.id,
        "name": hours.name,
        "active": hours.active,
        "type": hours.type,
        "timezone": {"name": hours.timezone, "utc": offset},
        "ts": iso(hours.created_at),
        "workHours": [
            {
                "day": entry["day"],
                "start": _time(entry["day"], entry["start"], shift),
                "finish": _time(entry["day"], entry["finish"], shift),
                "open": bool(entry["open"]),
                "code": DAYS.index(entry["day"]),
            }
            for entry in hours.work_hours
        ],
        "holidays": list(hours.holidays or []),
        "departments": [{"_id": department_id, "name": name} for department_id, name in departments],
        "_updatedAt": iso(hours.updated_at),
    }


class OneQuery(QueryParams):
    id_: str | None = Field(default=None, alias="_id", max_length=64)
    type: str | None = Field(default=None, max_length=20)


@router.get("/livechat/business-hour")
def get_business_hour(
    params: Annotated[OneQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, PERMISSION)
    hours: BusinessHour | None = None
    if params.id_:
        hours = session.get(BusinessHour, params.id_)
    elif params.type in (None, "default"):
        hours = default_hours(session)
    # Rocket.Chat answers an unknown id or type with a null businessHour.
    return ok(businessHour=hours_shape(session, hours) if hours is not None else None)


class ListQuery(QueryParams):
    name: str | None = Field(default=None, max_length=200)
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None


@router.get("/livechat/business-hours")
def list_business_hours(
    params: Annotated[ListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, PERMISSION)
    offset, count = page_bounds(params.offset, params.count)
    rows, total = list_business_hours_query(session, name=params.name, offset=offset, count=count)
    shapes = [hours_shape(session, hours) for hours in rows]
    return ok(businessHours=shapes, count=len(shapes), offset=offset, total=total)


class WorkHourInput(Body):
    day: str = Field(max_length=20)
    start: str = Field(max_length=8)
    finish: str = Field(max_length=8)
    open: bool


class TimezoneInput(Body):
    name: str = Field(max_length=64)
    utc: str | None = Field(default=None, max_length=10)


class SaveBody(Body):
    """Rocket.Chat's form fields; ``daysOpen``/``daysTime`` repeat ``workHours`` and are not read."""

    id_: str | None = Field(default=None, alias="_id", max_length=64)
    name: str = Field(default="", max_length=200)
    type: str = Field(max_length=20)
    active: bool
    timezoneName: str | None = Field(default=None, max_length=64)
    timezone: str | TimezoneInput | None = None
    workHours: list[WorkHourInput] = Field(max_length=7)
    daysOpen: list[Annotated[str, Field(max_length=20)]] | None = Field(default=None, max_length=7)
    daysTime: list[dict[str, Any]] | None = Field(default=None, max_length=7)
    departmentsToApplyBusinessHour: str | None = Field(default=None, max_length=20_000)
    holidays: list[Annotated[str, Field(max_length=10)]] | None = Field(default=None, max_length=366)

    def zone_name(self) -> str:
        if self.timezoneName:
            return self.timezoneName
        if isinstance(self.timezone, TimezoneInput):
            return self.timezone.name
        return self.timezone or "UTC"


@router.post("/livechat/business-hours.save")
def save(body: SaveBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, PERMISSION)
    departments = body.departmentsToApplyBusinessHour
    save_business_hours(
        session,
        hours_id=body.id_,
        kind=body.type,
        name=body.name,
        active=body.active,
        timezone=body.zone_name(),
        work_hours=[WorkHour(entry.day, entry.start, entry.finish, entry.open) for entry in body.workHours],
        holidays=body.holidays,
        department_ids=[part for part in departments.split(",") if part] if departments is not None else None,
    )
    return ok()


class RemoveBody(Body):
    id_: str = Field(alias="_id", min_length=1, max_length=64)
    type: str = Field(max_length=20)


@router.post("/livechat/business-hours.remove")
def remove(body: RemoveBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, PERMISSION)
    remove_business_hours(session, hours_id=body.id_, kind=body.type)
    return ok()
