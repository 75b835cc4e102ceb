"""Read paths for the managed lists rooms and contacts refer to: tags, priorities, SLAs, custom fields."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from omnidesk.models import BusinessHour, CustomField, Department, Priority, ServiceLevelAgreement, Tag

Row = TypeVar("Row")


def _contains(column: InstrumentedAttribute[Any], text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; ``%`` and ``_`` in the text match themselves."""
    return func.lower(column).contains(text.lower(), autoescape=True)


def _page(
    session: Session,
    query: Select[Row],
    *,
    sortable: Mapping[str, InstrumentedAttribute[Any]],
    sort: Sequence[tuple[str, int]],
    default_order: Sequence[Any],
    tie_breaker: InstrumentedAttribute[Any],
    offset: int,
    count: int,
) -> tuple[list[Row], int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = [
        sortable[name].asc() if direction > 0 else sortable[name].desc() for name, direction in sort
    ] or list(default_order)
    rows = session.scalars(query.order_by(*order, tie_breaker).offset(offset).limit(count)).all()
    return list(rows), total


# --- tags -------------------------------------------------------------------------------------------

SORTABLE_TAG_FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "_id": Tag.id,
    "name": Tag.name,
    "description": Tag.description,
    "_updatedAt": Tag.updated_at,
}


def tag_by_name(session: Session, name: str) -> Tag | None:
    return session.scalar(select(Tag).where(func.lower(Tag.name) == name.strip().lower()))


def tag_available_in(tag: Tag, department_id: str) -> bool:
    return not tag.departments or department_id in tag.departments


def list_tags(
    session: Session,
    *,
    text: str | None,
    department_id: str | None,
    view_all: bool,
    sort: Sequence[tuple[str, int]],
    offset: int,
    count: int,
) -> tuple[list[Tag], int]:
    """Tags matching ``text`` in name or description; with a department (and not ``view_all``) only
    the tags offered there: those of every department and those listing it."""
    query = select(Tag)
    if text:
        query = query.where(or_(_contains(Tag.name, text), _contains(Tag.description, text)))
    if department_id and not view_all:
        # A tag's departments are a JSON array, queried alike on both engines only from Python;
        # the list of tags is short.
        candidates = session.scalars(query).all()
        ids = [tag.id for tag in candidates if tag_available_in(tag, department_id)]
        query = select(Tag).where(Tag.id.in_(ids))
    return _page(
        session,
        query,
        sortable=SORTABLE_TAG_FIELDS,
        sort=sort,
        default_order=[Tag.name.asc()],
        tie_breaker=Tag.id,
        offset=offset,
        count=count,
    )


def existing_department_ids(session: Session, department_ids: Collection[str]) -> set[str]:
    if not department_ids:
        return set()
    return set(session.scalars(select(Department.id).where(Department.id.in_(list(department_ids)))))


# --- SLAs -------------------------------------------------------------------------------------------

SORTABLE_SLA_FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "_id": ServiceLevelAgreement.id,
    "name": ServiceLevelAgreement.name,
    "description": ServiceLevelAgreement.description,
    "dueTimeInMinutes": ServiceLevelAgreement.due_time_minutes,
    "_updatedAt": ServiceLevelAgreement.updated_at,
}


def list_slas(
    session: Session, *, text: str | None, sort: Sequence[tuple[str, int]], offset: int, count: int
) -> tuple[list[ServiceLevelAgreement], int]:
    """SLAs whose name or description contains ``text``; by name unless sorted (Rocket.Chat's order)."""
    query = select(ServiceLevelAgreement)
    if text:
        query = query.where(
            or_(
                _contains(ServiceLevelAgreement.name, text),
                _contains(ServiceLevelAgreement.description, text),
            )
        )
    return _page(
        session,
        query,
        sortable=SORTABLE_SLA_FIELDS,
        sort=sort,
        default_order=[ServiceLevelAgreement.name.asc()],
        tie_breaker=ServiceLevelAgreement.id,
        offset=offset,
        count=count,
    )


def sla_by_id_or_name(session: Session, value: str) -> ServiceLevelAgreement | None:
    """The SLA ``value`` names by id or by name, as ``inquiry.setSLA`` takes it (Rocket.Chat's
    findOneByIdOrName)."""
    return session.get(ServiceLevelAgreement, value) or session.scalar(
        select(ServiceLevelAgreement).where(ServiceLevelAgreement.name == value)
    )


def duplicate_sla(
    session: Session, *, name: str, due_time_minutes: int, other_than: str | None
) -> ServiceLevelAgreement | None:
    """Another SLA with this name (case-insensitive) or these minutes."""
    query = select(ServiceLevelAgreement).where(
        or_(
            func.lower(ServiceLevelAgreement.name) == name.lower(),
            ServiceLevelAgreement.due_time_minutes == due_time_minutes,
        )
    )
    if other_than is not None:
        query = query.where(ServiceLevelAgreement.id != other_than)
    return session.scalar(query.limit(1))


# --- business hours --------------------------------------------------------------------------------


def list_business_hours(
    session: Session, *, name: str | None, offset: int, count: int
) -> tuple[list[BusinessHour], int]:
    """Business hours whose name contains ``name``, by name (Rocket.Chat's order)."""
    query = select(BusinessHour)
    if name:
        query = query.where(_contains(BusinessHour.name, name))
    return _page(
        session,
        query,
        sortable={},
        sort=(),
        default_order=[BusinessHour.name.asc()],
        tie_breaker=BusinessHour.id,
        offset=offset,
        count=count,
    )


# --- priorities -------------------------------------------------------------------------------------

SORTABLE_PRIORITY_FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "_id": Priority.id,
    "name": Priority.name,
    "i18n": Priority.i18n,
    "sortItem": Priority.sort_item,
    "dirty": Priority.dirty,
    "_updatedAt": Priority.updated_at,
}


def list_priorities(
    session: Session, *, text: str | None, sort: Sequence[tuple[str, int]], offset: int, count: int
) -> tuple[list[Priority], int]:
    query = select(Priority)
    if text:
        query = query.where(or_(_contains(Priority.name, text), _contains(Priority.i18n, text)))
    return _page(
        session,
        query,
        sortable=SORTABLE_PRIORITY_FIELDS,
        sort=sort,
        default_order=[Priority.sort_item.asc()],
        tie_breaker=Priority.id,
        offset=offset,
        count=count,
    )


def priority_by_name(session: Session, name: str) -> Priority | None:
    """The priority an admin gave this name (case-insensitive); default names do not count."""
    return session.scalar(select(Priority).where(func.lower(Priority.name) == name.strip().lower()))


def any_priority_renamed(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Priority).where(Priority.dirty.is_(True))) != 0


def renamed_priorities(session: Session) -> list[Priority]:
    return list(
        session.scalars(select(Priority).where(Priority.dirty.is_(True)).order_by(Priority.sort_item))
    )


# --- custom fields ----------------------------------------------------------------------------------

SORTABLE_CUSTOM_FIELD_FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "_id": CustomField.id,
    "label": CustomField.label,
    "scope": CustomField.scope,
    "visibility": CustomField.visibility,
    "type": CustomField.type,
    "_updatedAt": CustomField.updated_at,
}


def list_custom_fields(
    session: Session, *, text: str | None, sort: Sequence[tuple[str, int]], offset: int, count: int
) -> tuple[list[CustomField], int]:
    query = select(CustomField)
    if text:
        query = query.where(or_(_contains(CustomField.label, text), _contains(CustomField.id, text)))
    return _page(
        session,
        query,
        sortable=SORTABLE_CUSTOM_FIELD_FIELDS,
        sort=sort,
        default_order=[CustomField.label.asc()],
        tie_breaker=CustomField.id,
        offset=offset,
        count=count,
    )


def custom_fields_for_scope(session: Session, *, scope: str) -> list[CustomField]:
    return list(
        session.scalars(select(CustomField).where(CustomField.scope == scope).order_by(CustomField.id))
    )


def searchable_custom_field_keys(session: Session, *, scope: str) -> list[str]:
    """Keys of the fields of ``scope`` whose values searches may match (the ``searchable`` flag)."""
    return list(
        session.scalars(
            select(CustomField.id)
            .where(CustomField.scope == scope, CustomField.searchable.is_(True))
            .order_by(CustomField.id)
        )
    )
