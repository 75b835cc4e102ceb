"""Rocket.Chat's ``email-inbox`` endpoints: the mailboxes whose emails become chats (admins,
``manage-email-inbox``). Passwords are never sent back: the answer shows a mask, and saving the mask (or
an empty password) keeps the stored one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from omnidesk.access import fetch_for_admin, require
from omnidesk.actions import email_inbox as inbox_actions
from omnidesk.api.openapi import errors
from omnidesk.api.shapes import ok, page_bounds
from omnidesk.api.validation import Body, QueryParams
from omnidesk.channels.config import MASK
from omnidesk.channels.email_inbox import inbox_config_of
from omnidesk.dates import iso
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import EmailInbox
from omnidesk.queries.email_inbox import inbox_by_email, list_inboxes

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["email inboxes"])

PERMISSION = "manage-email-inbox"


def inbox_shape(inbox: EmailInbox) -> dict[str, Any]:
    config = inbox_config_of(inbox)
    shape: dict[str, Any] = {
        "_id": inbox.id,
        "name": inbox.name,
        "email": inbox.email,
        "active": inbox.active,
        "description": inbox.description,
        "senderInfo": inbox.sender_info,
        "department": inbox.department_id,
        "smtp": {
            "server": config.smtp.server,
            "port": config.smtp.port,
            "username": config.smtp.username,
            "password": MASK,
            "secure": config.smtp.secure,
        },
        "imap": {
            "server": config.imap.server,
            "port": config.imap.port,
            "username": config.imap.username,
            "password": MASK,
            "secure": config.imap.secure,
            "maxRetries": config.imap.max_retries,
        },
        # Extension: how reading the inbox goes.
        "status": {
            "lastReadAt": iso(inbox.last_polled_at),
            "failedReads": inbox.failed_polls,
            "lastError": inbox.last_error,
        },
        "_createdAt": iso(inbox.created_at),
        "_createdBy": {"_id": inbox.created_by_id} if inbox.created_by_id else None,
        "_updatedAt": iso(inbox.updated_at),
    }
    return shape


class InboxListQuery(QueryParams):
    query: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)


@router.get("/email-inbox.list")
def list_email_inboxes(
    params: Annotated[InboxListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, PERMISSION)
    offset, count = page_bounds(params.offset, params.count)
    inboxes, total = list_inboxes(session, text=params.query, offset=offset, count=count)
    return ok(emailInboxes=[inbox_shape(i) for i in inboxes], count=len(inboxes), offset=offset, total=total)


class SmtpServer(Body):
    server: str = Field(min_length=1, max_length=255)
    port: int = Field(ge=1, le=65535)
    username: str = Field(max_length=320)
    password: str = Field(max_length=500)
    secure: bool


class ImapServer(SmtpServer):
    maxRetries: int | None = Field(default=None, ge=1, le=1000)


class EmailInboxSave(Body):
    id_: str | None = Field(default=None, alias="_id")
    name: str = Field(max_length=200)
    email: str
    active: bool
    description: str | None = None
    senderInfo: str | None = Field(default=None, max_length=200)
    department: str | None = None
    smtp: SmtpServer
    imap: ImapServer


@router.post("/email-inbox", responses=errors(404))
def save_email_inbox(body: EmailInboxSave, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Create an inbox, or with ``_id`` replace that one's settings."""
    inbox = fetch_for_admin(session, actor, EmailInbox, body.id_, permission=PERMISSION) if body.id_ else None
    require(session, actor, PERMISSION)
    fields = body.model_dump(exclude={"id_"})
    saved = inbox_actions.save_inbox(session, inbox=inbox, fields=fields, actor_id=actor.id)
    return ok(_id=saved.id)


@router.get("/email-inbox/{inbox_id}")
def get_email_inbox(inbox_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    # Rocket.Chat answers the inbox itself, at the top level of the body.
    return ok(**inbox_shape(fetch_for_admin(session, actor, EmailInbox, inbox_id, permission=PERMISSION)))


@router.delete("/email-inbox/{inbox_id}")
def delete_email_inbox(inbox_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    inbox_actions.delete_inbox(
        session,
        inbox=fetch_for_admin(session, actor, EmailInbox, inbox_id, permission=PERMISSION),
    )
    return ok(_id=inbox_id)


class InboxSearchQuery(QueryParams):
    email: str


@router.get("/email-inbox.search")
def search_email_inbox(
    params: Annotated[InboxSearchQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, PERMISSION)
    inbox = inbox_by_email(session, params.email.strip())
    return ok(emailInbox=inbox_shape(inbox) if inbox else None)


@router.post("/email-inbox.send-test/{inbox_id}")
def send_test_email(inbox_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Queue a test email to the admin's own address, sent through the inbox's SMTP server."""
    inbox = fetch_for_admin(session, actor, EmailInbox, inbox_id, permission=PERMISSION)
    inbox_actions.send_test_email(session, inbox=inbox, to=actor.user.email)
    return ok(_id=inbox.id)
