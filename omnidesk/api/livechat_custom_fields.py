"""``livechat/custom-fields*``: custom field definitions of contacts (scope ``visitor``) and rooms.

Rocket.Chat 8.8.1 writes them with ``custom-fields.save`` / ``custom-fields.delete``; the plainer
``POST custom-fields``, ``POST custom-fields/:_id`` and ``DELETE custom-fields/:_id`` do the same.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy.orm import Session

from omnidesk.access import require, require_any
from omnidesk.actions.custom_fields import create_custom_field, delete_custom_field, update_custom_field
from omnidesk.api.shapes import ok, page_bounds, parse_sort
from omnidesk.api.validation import Body, QueryParams
from omnidesk.dates import iso
from omnidesk.errors import ApiError
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import CustomField
from omnidesk.queries.lists import SORTABLE_CUSTOM_FIELD_FIELDS, list_custom_fields

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["livechat custom fields"])

# Agents read the definitions to fill in Room Information and contact forms.
READ_PERMISSIONS = ("view-l-room", "view-livechat-customfields")
EDIT_PERMISSION = "edit-livechat-customfields"


def custom_field_shape(field: CustomField) -> dict[str, Any]:
    return {
        "_id": field.id,
        "label": field.label,
        "scope": field.scope,
        "visibility": field.visibility,
        "type": field.type,
        "regexp": field.regexp,
        "required": field.required,
        "defaultValue": field.default_value,
        "options": field.options,
        "public": field.public,
        "searchable": field.searchable,
        "_updatedAt": iso(field.updated_at),
    }


class CustomFieldsListQuery(QueryParams):
    text: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None
    query: str | None = None


@router.get("/livechat/custom-fields")
def list_(
    params: Annotated[CustomFieldsListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require_any(session, actor, *READ_PERMISSIONS)
    offset, count = page_bounds(params.offset, params.count)
    sort = parse_sort(params.sort, SORTABLE_CUSTOM_FIELD_FIELDS)
    fields, total = list_custom_fields(session, text=params.text, sort=sort, offset=offset, count=count)
    return ok(
        customFields=[custom_field_shape(f) for f in fields], count=len(fields), offset=offset, total=total
    )


@router.get("/livechat/custom-fields/{_id}")
def get(_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require_any(session, actor, *READ_PERMISSIONS)
    field = session.get(CustomField, _id)
    # Rocket.Chat answers an unknown id with {customField: null}; its clients test for that.
    return ok(customField=custom_field_shape(field) if field is not None else None)


class CustomFieldChanges(Body):
    label: str | None = None
    scope: Literal["visitor", "room"] | None = None
    visibility: Literal["visible", "hidden"] | None = None
    type: Literal["input", "select"] | None = None
    regexp: str | None = None
    required: bool | None = None
    defaultValue: str | None = None
    options: str | None = None
    public: bool | None = None
    searchable: bool | None = None

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "scope": self.scope,
            "visibility": self.visibility,
            "type": self.type,
            "regexp": self.regexp,
            "required": self.required,
            "default_value": self.defaultValue,
            "options": self.options,
            "public": self.public,
            "searchable": self.searchable,
        }


class CustomFieldUpdate(CustomFieldChanges):
    field: str | None = None  # the key; may be repeated, never changed


class CustomFieldCreate(CustomFieldChanges):
    field: str
    label: str
    scope: Literal["visitor", "room"]
    visibility: Literal["visible", "hidden"]


def _existing(session: Session, field_id: str) -> CustomField:
    field = session.get(CustomField, field_id)
    if field is None:
        raise ApiError("error-invalid-custom-field", "Custom Field Not found")
    return field


def _create(session: Session, data: CustomFieldCreate) -> CustomField:
    return create_custom_field(session, key=data.field, **data.as_kwargs())


def _update(session: Session, field_id: str, data: CustomFieldUpdate | CustomFieldCreate) -> CustomField:
    field = _existing(session, field_id)
    if data.field is not None and data.field != field.id:
        raise ApiError("error-invalid-custom-field-name", "The key of a custom field cannot change")
    return update_custom_field(session, field=field, **data.as_kwargs())


@router.post("/livechat/custom-fields")
def create(body: CustomFieldCreate, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, EDIT_PERMISSION)
    return ok(customField=custom_field_shape(_create(session, body)))


class CustomFieldSaveBody(Body):
    customFieldId: str | None = None
    customFieldData: CustomFieldCreate


@router.post("/livechat/custom-fields.save")
def save(body: CustomFieldSaveBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, EDIT_PERMISSION)
    data = body.customFieldData
    field = _update(session, body.customFieldId, data) if body.customFieldId else _create(session, data)
    return ok(customField=custom_field_shape(field))


@router.post("/livechat/custom-fields/{_id}")
def update(_id: str, body: CustomFieldUpdate, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, EDIT_PERMISSION)
    return ok(customField=custom_field_shape(_update(session, _id, body)))


class CustomFieldDeleteBody(Body):
    customFieldId: str


@router.post("/livechat/custom-fields.delete")
def delete(body: CustomFieldDeleteBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, EDIT_PERMISSION)
    delete_custom_field(session, field=_existing(session, body.customFieldId))
    return ok()


@router.delete("/livechat/custom-fields/{_id}")
def delete_by_id(_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, EDIT_PERMISSION)
    delete_custom_field(session, field=_existing(session, _id))
    return ok()
