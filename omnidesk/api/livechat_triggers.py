"""``livechat/triggers*``: the widget's proactive triggers, which managers keep (Rocket.Chat's routes)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy.orm import Session

from omnidesk.access import require
from omnidesk.actions.triggers import TriggerAction, TriggerCondition, delete_trigger, save_trigger
from omnidesk.api.openapi import errors
from omnidesk.api.shapes import ok, page_bounds, parse_sort
from omnidesk.api.validation import Body, QueryParams
from omnidesk.dates import iso
from omnidesk.errors import NotFound
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import LivechatTrigger
from omnidesk.queries.triggers import SORTABLE_TRIGGER_FIELDS, list_triggers

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["livechat triggers"])


def trigger_shape(trigger: LivechatTrigger) -> dict[str, Any]:
    return {
        "_id": trigger.id,
        "name": trigger.name,
        "description": trigger.description,
        "enabled": trigger.enabled,
        "runOnce": trigger.run_once,
        "conditions": trigger.conditions,
        "actions": trigger.actions,
        "_updatedAt": iso(trigger.updated_at),
    }


def _trigger_or_fail(session: Session, trigger_id: str) -> LivechatTrigger:
    trigger = session.get(LivechatTrigger, trigger_id)
    if trigger is None:
        raise NotFound("Trigger not found")
    return trigger


class TriggersListQuery(QueryParams):
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None
    query: str | None = None
    fields: str | None = None


@router.get("/livechat/triggers")
def list_(
    params: Annotated[TriggersListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-livechat-triggers")
    offset, count = page_bounds(params.offset, params.count)
    triggers, total = list_triggers(
        session, sort=parse_sort(params.sort, SORTABLE_TRIGGER_FIELDS), offset=offset, count=count
    )
    return ok(triggers=[trigger_shape(t) for t in triggers], count=len(triggers), offset=offset, total=total)


@router.get("/livechat/triggers/{triggerId}")
def get(triggerId: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "view-livechat-triggers")
    return ok(trigger=trigger_shape(_trigger_or_fail(session, triggerId)))


class ConditionBody(Body):
    name: Literal["time-on-site", "page-url", "chat-opened-by-visitor", "after-guest-registration"]
    value: str | None


class ActionParamsBody(Body):
    sender: Literal["queue", "custom"]
    msg: str
    name: str | None = None


class ActionBody(Body):
    name: str
    params: ActionParamsBody | None = None


class TriggerSaveBody(Body):
    id: str | None = Field(default=None, alias="_id")
    name: str
    description: str
    enabled: bool
    runOnce: bool
    conditions: list[ConditionBody] = Field(min_length=1)
    actions: list[ActionBody] = Field(min_length=1)


@router.post("/livechat/triggers", responses=errors(404))  # an unknown _id
def save(body: TriggerSaveBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-triggers")
    trigger = save_trigger(
        session,
        trigger=_trigger_or_fail(session, body.id) if body.id else None,
        name=body.name,
        description=body.description,
        enabled=body.enabled,
        run_once=body.runOnce,
        conditions=[TriggerCondition(c.name, c.value) for c in body.conditions],
        actions=[
            TriggerAction(
                a.name,
                a.params.sender if a.params else "",
                a.params.msg if a.params else "",
                a.params.name if a.params else None,
            )
            for a in body.actions
        ],
    )
    return ok(trigger=trigger_shape(trigger))


@router.delete("/livechat/triggers/{triggerId}")
def delete(triggerId: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-triggers")
    delete_trigger(session, trigger=_trigger_or_fail(session, triggerId))
    return ok()
