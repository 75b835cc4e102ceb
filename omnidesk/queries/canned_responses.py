"""Read paths for canned responses: the managed listing and what an agent may insert."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from omnidesk.access import CannedResponseReach
from omnidesk.models import CannedResponse, CannedResponseTag

SORTABLE_CANNED_RESPONSE_FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "_id": CannedResponse.id,
    "shortcut": CannedResponse.shortcut,
    "text": CannedResponse.text,
    "scope": CannedResponse.scope,
    "departmentId": CannedResponse.department_id,
    "userId": CannedResponse.user_id,
    "createdBy": CannedResponse.created_by_username,
    "_createdAt": CannedResponse.created_at,
    "_updatedAt": CannedResponse.updated_at,
}


@dataclass(frozen=True)
class CannedResponseFilters:
    shortcut: str | None = None
    text: str | None = None  # in the shortcut or the text, any case
    scope: str | None = None
    tags: Sequence[str] = ()  # any of them
    department_id: str | None = None
    created_by: str | None = None  # the author's id (Rocket.Chat's filter) or username


def _usable(reach: CannedResponseReach) -> ColumnElement[bool]:
    """The global responses, the actor's own, and those of the departments within reach (all of them
    for ``sees_all``)."""
    departments: ColumnElement[bool]
    if reach.sees_all or reach.department_ids is None:
        departments = CannedResponse.scope == "department"
    elif reach.department_ids:
        departments = and_(
            CannedResponse.scope == "department",
            CannedResponse.department_id.in_(sorted(reach.department_ids)),
        )
    else:
        departments = false()
    return or_(
        CannedResponse.scope == "global",
        and_(CannedResponse.scope == "user", CannedResponse.user_id == reach.user_id),
        departments,
    )


def _contains(column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    return func.lower(column).contains(text.lower(), autoescape=True)


def list_canned_responses(
    session: Session,
    *,
    reach: CannedResponseReach,
    filters: CannedResponseFilters,
    sort: Sequence[tuple[str, int]],
    offset: int,
    count: int,
) -> tuple[list[CannedResponse], int]:
    """A page of the responses within reach that match ``filters``, by shortcut unless sorted
    (Rocket.Chat's order)."""
    # ``sees_all`` lists other agents' own responses too, so that managers keep them.
    conditions: list[ColumnElement[bool]] = [] if reach.sees_all else [_usable(reach)]
    if filters.shortcut:
        conditions.append(CannedResponse.shortcut == filters.shortcut)
    if filters.text:
        conditions.append(
            or_(
                _contains(CannedResponse.shortcut, filters.text), _contains(CannedResponse.text, filters.text)
            )
        )
    if filters.scope:
        conditions.append(CannedResponse.scope == filters.scope)
    if filters.department_id:
        conditions.append(CannedResponse.department_id == filters.department_id)
    if filters.created_by:
        conditions.append(
            or_(
                CannedResponse.created_by_id == filters.created_by,
                CannedResponse.created_by_username == filters.created_by,
            )
        )
    if filters.tags:
        conditions.append(
            exists().where(
                CannedResponseTag.response_id == CannedResponse.id,
                CannedResponseTag.tag.in_(list(filters.tags)),
            )
        )
    query = select(CannedResponse).where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = [
        SORTABLE_CANNED_RESPONSE_FIELDS[name].asc()
        if direction > 0
        else SORTABLE_CANNED_RESPONSE_FIELDS[name].desc()
        for name, direction in sort
    ] or [CannedResponse.shortcut.asc()]
    rows = session.scalars(query.order_by(*order, CannedResponse.id).offset(offset).limit(count))
    return list(rows), total


def usable_canned_responses(session: Session, *, reach: CannedResponseReach) -> list[CannedResponse]:
    """What the actor may insert in a reply (``canned-responses.get``): the global responses, those of
    the actor's departments (every department's for managers and monitors) and the actor's own, by
    shortcut."""
    query = select(CannedResponse).where(_usable(reach))
    return list(session.scalars(query.order_by(CannedResponse.shortcut, CannedResponse.id)))


def canned_response_by_shortcut(session: Session, shortcut: str) -> CannedResponse | None:
    return session.scalar(select(CannedResponse).where(CannedResponse.shortcut == shortcut))
