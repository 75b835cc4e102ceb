"""The Contact Center pages: the Chats, Contacts and Calls tabs.

Each page is a server-rendered shell; its script reads everything through the REST API, the same code
path Rocket.Chat clients use. The detail routes (``/contact-center/chats/{rid}`` and the like) render
the same tab with that chat, contact or call opened in the side panel, so they work as deep links.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from omnidesk.access import Actor
from omnidesk.http.deps import SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.web.render import page_actor, render

router = APIRouter(route_class=OneThreadRoute, include_in_schema=False)

CONTACT_CENTER_PERMISSION = "view-omnichannel-contact-center"

# The permissions the scripts need to decide what to offer; the API enforces them again.
CLIENT_PERMISSIONS = (
    "view-l-room",
    "view-livechat-rooms",
    "view-livechat-room-customfields",
    "edit-livechat-room-customfields",
    "save-others-livechat-room-info",
    "remove-closed-livechat-room",
    "send-omnichannel-chat-transcript",
    "request-pdf-transcript",
    "view-livechat-contact",
    "create-livechat-contact",
    "update-livechat-contact",
    "view-livechat-contact-history",
    "block-livechat-contact",
    "unblock-livechat-contact",
    "export-livechat-contact",
    "erase-livechat-contact",
    "merge-livechat-contacts",
    "view-livechat-contact-audit",
    "inbound-voip-calls",
    "manage-others-voice-calls",
)

# tab -> (label, path, the permission the tab needs besides the Contact Center's own)
TABS = {
    "chats": ("Chats", "/contact-center/chats", "view-l-room"),
    "contacts": ("Contacts", "/contact-center/contacts", "view-livechat-contact"),
    "calls": ("Calls", "/contact-center/calls", "view-l-room"),
}


def _page(request: Request, session: Session, tab: str, open_id: str | None = None) -> Response:
    actor = page_actor(request, session)
    tabs = _visible_tabs(session, actor)
    if not actor.can(session, CONTACT_CENTER_PERMISSION) or tab not in {key for key, *_ in tabs}:
        return render(
            request,
            "contact_center/forbidden.html",
            session=session,
            actor=actor,
            status_code=403,
            tabs=tabs,
        )
    granted = actor.permissions(session)
    config: dict[str, Any] = {
        "tab": tab,
        "openId": open_id,
        "userId": actor.id,
        "username": actor.user.username,
        "permissions": sorted(permission for permission in CLIENT_PERMISSIONS if permission in granted),
    }
    return render(
        request,
        f"contact_center/{tab}.html",
        session=session,
        actor=actor,
        tab=tab,
        tab_label=TABS[tab][0],
        tabs=tabs,
        config=config,
    )


def _visible_tabs(session: Session, actor: Actor) -> list[tuple[str, str, str]]:
    if not actor.can(session, CONTACT_CENTER_PERMISSION):
        return []
    return [(key, label, path) for key, (label, path, needed) in TABS.items() if actor.can(session, needed)]


@router.get("/contact-center")
def contact_center(request: Request, session: SessionDep) -> Response:
    actor = page_actor(request, session)
    tabs = _visible_tabs(session, actor)
    return RedirectResponse(tabs[0][2] if tabs else "/contact-center/chats", status_code=303)


@router.get("/contact-center/chats")
def chats(request: Request, session: SessionDep) -> Response:
    return _page(request, session, "chats")


@router.get("/contact-center/chats/{rid}")
def chat(rid: str, request: Request, session: SessionDep) -> Response:
    return _page(request, session, "chats", rid)


@router.get("/contact-center/contacts")
def contacts(request: Request, session: SessionDep) -> Response:
    return _page(request, session, "contacts")


@router.get("/contact-center/contacts/{contact_id}")
def contact(contact_id: str, request: Request, session: SessionDep) -> Response:
    return _page(request, session, "contacts", contact_id)


@router.get("/contact-center/calls")
def calls(request: Request, session: SessionDep) -> Response:
    return _page(request, session, "calls")


@router.get("/contact-center/calls/{call_id}")
def call(call_id: str, request: Request, session: SessionDep) -> Response:
    return _page(request, session, "calls", call_id)
