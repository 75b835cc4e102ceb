"""``omnichannel/contacts*``: the contact directory (Rocket.Chat's ILivechatContact API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field, field_validator
from sqlalchemy.orm import Session

from omnidesk.access import require, sees_all_chats
from omnidesk.actions import contact_merge
from omnidesk.actions import contacts as contact_actions
from omnidesk.actions.contact_privacy import erase_contact, record_export
from omnidesk.api.openapi import errors
from omnidesk.api.shapes import ok, page_bounds, parse_sort, total_fields
from omnidesk.api.validation import Body, QueryParams
from omnidesk.errors import ApiError, Failure, InvalidParams, NotFound
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Contact, ContactChannel
from omnidesk.queries.contacts import (
    SORTABLE_CONTACT_FIELDS,
    audit_of_contact,
    closed_rooms_of_contact,
    contact_exists,
    enabled_contact,
    likely_duplicates,
    resolve_contact_id,
    search_contacts,
    stored_contact,
)
from omnidesk.shapes.contact_export import contact_export
from omnidesk.shapes.contact_merge import merge_preview
from omnidesk.shapes.contacts import audit_shape, channel_shape, contact_shape, contact_shapes
from omnidesk.shapes.rooms import room_shapes

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/omnichannel", tags=["contacts"])


def _shape_one(session: Session, contact: Contact) -> dict[str, Any]:
    shape = contact_shape(session, contact.id)
    assert shape is not None, "an enabled contact, fetched in this transaction"
    return shape


def _contact_or_error(session: Session, contact_id: str) -> Contact:
    contact = enabled_contact(session, contact_id)
    if contact is None:
        raise Failure("error-contact-not-found")  # Rocket.Chat's answer: the error id alone
    return contact


def _unique(values: list[str] | None) -> list[str] | None:
    if values is not None:
        for index, value in enumerate(values):
            if value in values[:index]:
                first = values.index(value)
                raise ValueError(
                    f"must NOT have duplicate items (items ## {index} and {first} are identical)"
                )
    return values


class ContactCreateBody(Body):
    name: str
    emails: list[str]
    phones: list[str]
    customFields: dict[str, Any] | None = None
    contactManager: str | None = None
    allowDuplicate: bool | None = None  # Omnidesk's: save although another contact has an email/phone

    _unique_lists = field_validator("emails", "phones")(_unique)


@router.post("/contacts", responses=errors(409))
def create_contact(body: ContactCreateBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "create-livechat-contact")
    contact = contact_actions.create_contact(
        session,
        actor=actor,
        name=body.name,
        emails=body.emails,
        phones=body.phones,
        custom_fields=body.customFields,
        contact_manager=body.contactManager,
        allow_duplicate=bool(body.allowDuplicate),
    )
    return ok(contactId=contact.id)


class ContactUpdateBody(Body):
    contactId: str
    name: str | None = None
    emails: list[str] | None = None
    phones: list[str] | None = None
    customFields: dict[str, Any] | None = None
    contactManager: str | None = None
    wipeConflicts: bool | None = None
    allowDuplicate: bool | None = None

    _unique_lists = field_validator("emails", "phones")(_unique)


@router.post("/contacts.update", responses=errors(409))
def update_contact(body: ContactUpdateBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "update-livechat-contact")
    contact = _contact_or_error(session, body.contactId)
    contact_actions.update_contact(
        session,
        actor=actor,
        contact=contact,
        name=body.name,
        emails=body.emails,
        phones=body.phones,
        custom_fields=body.customFields,
        contact_manager=body.contactManager,
        wipe_conflicts=bool(body.wipeConflicts),
        allow_duplicate=bool(body.allowDuplicate),
    )
    return ok(contact=_shape_one(session, contact))


class ConflictsBody(Body):
    contactId: str
    name: str | None = None
    contactManager: str | None = None
    customFields: dict[str, Any] | None = None
    wipeConflicts: bool | None = None


@router.post("/contacts.conflicts")
def resolve_conflicts(body: ConflictsBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "update-livechat-contact")
    contact = _contact_or_error(session, body.contactId)
    contact_actions.resolve_conflicts(
        session,
        actor=actor,
        contact=contact,
        name=body.name,
        contact_manager=body.contactManager,
        custom_fields=body.customFields,
        wipe_conflicts=bool(body.wipeConflicts),
    )
    shape = _shape_one(session, contact)
    return ok(contact=shape, result=shape)  # the typings say "contact", Rocket.Chat's server "result"


class ContactIdQuery(QueryParams):
    contactId: str = Field(min_length=1)


@router.get("/contacts.get", responses=errors(404))
def get_contact(
    params: Annotated[ContactIdQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-livechat-contact")
    shape = contact_shape(session, params.contactId)
    if shape is None:  # a merged contact's id gives the contact it went into
        survivor = resolve_contact_id(session, params.contactId)
        shape = contact_shape(session, survivor) if survivor else None
    if shape is None:
        raise NotFound()
    return ok(contact=shape)


class SearchQuery(QueryParams):
    searchText: str | None = None
    unknown: bool | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None


@router.get("/contacts.search")
def search(
    params: Annotated[SearchQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-livechat-contact")
    offset, count = page_bounds(params.offset, params.count)
    found = search_contacts(
        session,
        search_text=params.searchText,
        unknown=bool(params.unknown),
        sort=parse_sort(params.sort, SORTABLE_CONTACT_FIELDS),
        offset=offset,
        count=count,
    )
    shapes = contact_shapes(session, found.contact_ids)
    total = total_fields(found.total, found.total_is_exact)
    return ok(contacts=shapes, count=len(shapes), offset=offset, **total)


class ExistenceQuery(QueryParams):
    contactId: str | None = None
    email: str | None = None
    phone: str | None = None


@router.get("/contacts.checkExistence")
def check_existence(
    params: Annotated[ExistenceQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-livechat-contact")
    given = [value for value in (params.contactId, params.email, params.phone) if value is not None]
    if len(given) != 1:
        raise InvalidParams("must match exactly one schema in oneOf")
    if params.email is not None and (params.email.count("@") != 1 or params.email.startswith("@")):
        raise InvalidParams('must match format "basic_email"')
    exists = contact_exists(session, contact_id=params.contactId, email=params.email, phone=params.phone)
    return ok(exists=exists)


@router.get("/contacts.channels")
def channels(
    params: Annotated[ContactIdQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-livechat-contact")
    contact = enabled_contact(session, params.contactId)
    # One entry per channel name, the one used most recently, as Rocket.Chat groups them.
    newest: dict[str, ContactChannel] = {}
    for channel in contact.channels if contact else []:
        kept = newest.get(channel.name)
        if kept is None or (channel.last_chat_at or channel.created_at) > (
            kept.last_chat_at or kept.created_at
        ):
            newest[channel.name] = channel
    return ok(channels=[channel_shape(channel) for channel in newest.values()])


class HistoryQuery(QueryParams):
    contactId: str = Field(min_length=1)
    source: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None


@router.get("/contacts.history")
def history(
    params: Annotated[HistoryQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-livechat-contact-history")
    contact_id = resolve_contact_id(session, params.contactId)
    if contact_id is None:
        raise Failure("error-contact-not-found")
    offset, count = page_bounds(params.offset, params.count)
    # Every agent sees the contact, but only the chats it may open: the ones it served.
    room_ids, total = closed_rooms_of_contact(
        session,
        contact_id=contact_id,
        source=params.source,
        served_by=None if sees_all_chats(session, actor) else actor.id,
        offset=offset,
        count=count,
    )
    rooms = room_shapes(session, room_ids)
    return ok(history=rooms, count=len(rooms), offset=offset, total=total)


class ContactIdBody(Body):
    contactId: str


@router.post("/contacts.delete", responses=errors(404))
def delete(body: ContactIdBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "delete-livechat-contact")
    contact = enabled_contact(session, body.contactId)
    if contact is None:
        raise Failure("error-contact-not-found", status_code=404)  # Rocket.Chat's notFound(id)
    contact_actions.delete_contact(session, actor=actor, contact=contact)
    return ok()


class ChannelSource(Body):
    type: str
    id: str | None = None


class ChannelVisitor(Body):
    visitorId: str
    source: ChannelSource


class BlockBody(Body):
    visitor: ChannelVisitor


def _set_blocked(body: BlockBody, actor: Any, session: Session, *, blocked: bool) -> dict[str, Any]:
    contact_actions.set_channel_blocked(
        session,
        actor=actor,
        visitor_id=body.visitor.visitorId,
        source_type=body.visitor.source.type,
        source_id=body.visitor.source.id,
        blocked=blocked,
    )
    return ok()


@router.post("/contacts.block")
def block(body: BlockBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "block-livechat-contact")
    return _set_blocked(body, actor, session, blocked=True)


@router.post("/contacts.unblock")
def unblock(body: BlockBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "unblock-livechat-contact")
    return _set_blocked(body, actor, session, blocked=False)


class AuditQuery(QueryParams):
    contactId: str = Field(min_length=1)
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)


@router.get("/contacts.audit")
def audit(params: Annotated[AuditQuery, Query()], actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "view-livechat-contact-audit")
    offset, count = page_bounds(params.offset, params.count)
    contact = stored_contact(session, params.contactId)  # an erased contact's trail has no contact
    contact_id = contact.id if contact is not None else params.contactId
    entries, total = audit_of_contact(session, contact_id=contact_id, offset=offset, count=count)
    return ok(audit=[audit_shape(entry) for entry in entries], count=len(entries), offset=offset, total=total)


@router.get("/contacts.export", responses=errors(404))
def export(
    params: Annotated[ContactIdQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    """Everything held about the person, as one document (Omnidesk's; see shapes/contact_export.py)."""
    require(session, actor, "export-livechat-contact")
    contact = stored_contact(session, params.contactId)
    if contact is None:
        raise ApiError("error-contact-not-found", "Contact not found", status_code=404)
    document = contact_export(session, contact)
    record_export(session, actor=actor, contact=contact)
    return ok(export=document)


class EraseBody(Body):
    contactId: str = Field(min_length=1)


@router.post("/contacts.erase", responses=errors(404))
def erase(body: EraseBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Erase the person and everything held about them (Omnidesk's; see actions/contact_privacy.py)."""
    require(session, actor, "erase-livechat-contact")
    contact = stored_contact(session, body.contactId)
    if contact is None:
        raise ApiError("error-contact-not-found", "Contact not found", status_code=404)
    return ok(erased=erase_contact(session, actor=actor, contact=contact))


class MergeBody(Body):
    contactId: str = Field(min_length=1)
    mergeWith: list[str] = Field(min_length=1, max_length=contact_merge.MAX_MERGED)
    preview: bool | None = None


@router.post("/contacts.merge", responses=errors(404))
def merge(body: MergeBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Merge contacts into ``contactId`` (Omnidesk's; see actions/contact_merge.py); with ``preview``,
    answer what the merge would make without writing."""
    require(session, actor, "merge-livechat-contacts")
    survivor, *others = contact_merge.contacts_to_merge(
        session, contact_id=body.contactId, merge_with=body.mergeWith
    )
    plan = contact_merge.plan_merge(session, survivor=survivor, others=others)
    if body.preview:
        return ok(preview=merge_preview(session, plan))
    record = contact_merge.merge_contacts(session, actor=actor, plan=plan)
    return ok(mergeId=record.id, contact=_shape_one(session, survivor))


class UnmergeBody(Body):
    mergeId: str = Field(min_length=1)


@router.post("/contacts.unmerge", responses=errors(404))
def unmerge(body: UnmergeBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Undo a merge while nothing newer depends on it (Omnidesk's)."""
    require(session, actor, "merge-livechat-contacts")
    record = contact_merge.unmerge(session, actor=actor, merge_id=body.mergeId)
    return ok(contactIds=[record.survivor_id, *record.merged_ids])


@router.get("/contacts.duplicates")
def duplicates(
    params: Annotated[ContactIdQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    """Contacts that may be the same person: sharing an email or a phone, or of the same name
    (Omnidesk's; the Contacts tab suggests them for a merge)."""
    require(session, actor, "view-livechat-contact")
    contact = _contact_or_error(session, params.contactId)
    found = likely_duplicates(session, contact)
    shapes = {shape["_id"]: shape for shape in contact_shapes(session, list(found))}
    return ok(
        contacts=[
            {**shapes[other_id], "matchedOn": found[other_id]} for other_id in found if other_id in shapes
        ]
    )
