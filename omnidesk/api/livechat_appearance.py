"""``livechat/appearance``: the widget's look and texts, as Rocket.Chat's appearance settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Body as BodyParam
from pydantic import Field

from omnidesk.access import require
from omnidesk.actions.appearance import AppearanceChange, save_appearance
from omnidesk.api.shapes import ok
from omnidesk.api.validation import Body
from omnidesk.defaults import APPEARANCE_SETTINGS
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.queries.settings import settings_by_id
from omnidesk.shapes.settings import setting_shape

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["livechat appearance"])

# More than every appearance setting twice is no form's save.
MAX_CHANGES = 2 * len(APPEARANCE_SETTINGS)


@router.get("/livechat/appearance")
def get_appearance(actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "view-livechat-appearance")
    rows = settings_by_id(session, APPEARANCE_SETTINGS)
    return ok(appearance=[setting_shape(rows[name]) for name in APPEARANCE_SETTINGS if name in rows])


class AppearanceItem(Body):
    id: str = Field(alias="_id")
    value: str | bool | int | float | list[str]


@router.post("/livechat/appearance")
def post_appearance(
    body: Annotated[list[AppearanceItem], BodyParam(min_length=1, max_length=MAX_CHANGES)],
    actor: CurrentActor,
    session: SessionDep,
) -> dict[str, Any]:
    require(session, actor, "manage-livechat-appearance")
    save_appearance(session, changes=[AppearanceChange(item.id, item.value) for item in body])
    return ok()
