"""``livechat/sla*`` and ``livechat/inquiry.setSLA``: Rocket.Chat's SLA policies and a waiting chat's SLA."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from omnidesk.access import require, require_any, room_for_staff
from omnidesk.actions.slas import delete_sla, save_sla, set_room_sla
from omnidesk.api.shapes import ok, page_bounds, parse_sort
from omnidesk.api.validation import Body, QueryParams
from omnidesk.dates import iso
from omnidesk.errors import ApiError, NotFound
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Room, ServiceLevelAgreement
from omnidesk.queries.inquiries import inquiry_of_room
from omnidesk.queries.lists import SORTABLE_SLA_FIELDS, list_slas, sla_by_id_or_name

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/livechat", tags=["livechat SLAs"])

READ_PERMISSIONS = ("manage-livechat-sla", "view-l-room")


def sla_shape(sla: ServiceLevelAgreement, *, updated_at: bool = True) -> dict[str, Any]:
    shape: dict[str, Any] = {"_id": sla.id, "name": sla.name, "dueTimeInMinutes": sla.due_time_minutes}
    if sla.description is not None:  # Rocket.Chat stores no description when none was given
        shape["description"] = sla.description
    if updated_at:
        shape["_updatedAt"] = iso(sla.updated_at)
    return shape


class SlaListQuery(QueryParams):
    text: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None


class SlaBody(Body):
    """Rocket.Chat's CreateOrUpdateLivechatSlaProps."""

    name: str
    description: str | None = None
    dueTimeInMinutes: int


@router.get("/sla")
def list_(
    params: Annotated[SlaListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require_any(session, actor, *READ_PERMISSIONS)
    offset, count = page_bounds(params.offset, params.count)
    slas, total = list_slas(
        session,
        text=params.text,
        sort=parse_sort(params.sort, SORTABLE_SLA_FIELDS),
        offset=offset,
        count=count,
    )
    return ok(sla=[sla_shape(sla) for sla in slas], count=len(slas), offset=offset, total=total)


@router.post("/sla")
def create(body: SlaBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-sla")
    sla = save_sla(
        session,
        sla=None,
        name=body.name,
        description=body.description,
        due_time_minutes=body.dueTimeInMinutes,
    )
    return ok(sla=sla_shape(sla, updated_at=False))


@router.get("/sla/{slaId}")
def get(slaId: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require_any(session, actor, *READ_PERMISSIONS)
    sla = session.get(ServiceLevelAgreement, slaId)
    if sla is None:
        raise NotFound(f"SLA with id {slaId} not found")
    return ok(**sla_shape(sla))


def _existing(session: SessionDep, sla_id: str) -> ServiceLevelAgreement:
    sla = session.get(ServiceLevelAgreement, sla_id)
    if sla is None:
        raise ApiError("error-invalid-sla", f"SLA with id {sla_id} not found")
    return sla


@router.put("/sla/{slaId}")
def update(slaId: str, body: SlaBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-sla")
    sla = save_sla(
        session,
        sla=_existing(session, slaId),
        name=body.name,
        description=body.description,
        due_time_minutes=body.dueTimeInMinutes,
    )
    return ok(sla=sla_shape(sla, updated_at=False))


@router.delete("/sla/{slaId}")
def delete(slaId: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-sla")
    delete_sla(session, sla=_existing(session, slaId))
    return ok()


class SetSlaBody(Body):
    roomId: str
    sla: str  # the SLA's id or name


@router.put("/inquiry.setSLA")
def set_inquiry_sla(body: SetSlaBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """A waiting chat's SLA (Rocket.Chat: only while its inquiry is queued)."""
    require_any(session, actor, "view-l-room", "manage-livechat-sla")
    room = session.get(Room, body.roomId)
    if room is not None and not actor.can(session, "manage-livechat-sla"):
        room = room_for_staff(session, actor, room.id)  # an agent: the chats it could take
    inquiry = inquiry_of_room(session, room.id) if room is not None else None
    if room is None or inquiry is None or inquiry.status != "queued":
        raise ApiError("error-invalid-inquiry", "The chat is not waiting in the queue")
    sla = sla_by_id_or_name(session, body.sla) if body.sla else None
    if sla is None:
        raise ApiError("error-invalid-sla", "Invalid SLA")
    set_room_sla(session, room=room, sla=sla, by=actor.user)
    return ok()
