"""Rendering pages: the Jinja2 environment, the signed-in user, and the navigation it may see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from omnidesk.access import Actor, logged_in_user
from omnidesk.browser_session import csrf_token_for, session_credentials
from omnidesk.security import hash_token
from omnidesk.services import Services

WEB_DIR = Path(__file__).parent
# Autoescaping is on for every template: whatever a user typed renders as text.
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))


class LoginRequired(Exception):
    """Raised by a page whose visitor is not signed in; answered with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


@dataclass(frozen=True)
class NavEntry:
    label: str
    href: str
    icon: str
    permission: str | tuple[str, ...]
    section: str = "Omnichannel"


# The sidebar: an entry shows when the user holds (any of) its permission(s).
NAVIGATION = [
    NavEntry("Contact Center", "/contact-center/chats", "contact-center", "view-omnichannel-contact-center"),
    NavEntry("Live chats", "/live", "chat", "view-l-room"),
    # Agents keep their own responses here too, so it is not an administration page alone.
    NavEntry("Canned responses", "/admin/canned-responses", "reply", "view-canned-responses"),
    NavEntry("Dashboard", "/dashboard", "chart", ("view-livechat-analytics", "view-livechat-manager")),
    NavEntry("Agents", "/admin/agents", "agent", "manage-livechat-agents", "Administration"),
    NavEntry("Managers", "/admin/managers", "manager", "manage-livechat-managers", "Administration"),
    NavEntry(
        "Departments", "/admin/departments", "department", "manage-livechat-departments", "Administration"
    ),
    NavEntry(
        "Custom fields", "/admin/custom-fields", "fields", "edit-livechat-customfields", "Administration"
    ),
    NavEntry("Tags", "/admin/tags", "tag", "manage-livechat-tags", "Administration"),
    NavEntry("Priorities", "/admin/priorities", "priority", "manage-livechat-priorities", "Administration"),
    NavEntry(
        "Business hours", "/admin/business-hours", "clock", "view-livechat-business-hours", "Administration"
    ),
    NavEntry("SLAs", "/admin/slas", "sla", "manage-livechat-sla", "Administration"),
    NavEntry("Voice lines", "/admin/voice-lines", "phone", "manage-voice-lines", "Administration"),
    NavEntry("Appearance", "/admin/appearance", "palette", "view-livechat-appearance", "Administration"),
    NavEntry("Triggers", "/admin/triggers", "bolt", "view-livechat-triggers", "Administration"),
    NavEntry("Settings", "/admin/settings", "settings", "edit-livechat-settings", "Administration"),
]


def page_actor(request: Request, session: Session) -> Actor:
    """The signed-in user of a page request, or LoginRequired."""
    credentials = session_credentials(request)
    user = None
    if credentials is not None:
        user_id, token = credentials
        user = logged_in_user(session, token_hash=hash_token(token), user_id=user_id)
    if user is None:
        raise LoginRequired(request.url.path)
    request.state.auth_token = credentials[1] if credentials else ""
    return Actor(user=user)


def navigation_for(session: Session, actor: Actor) -> list[NavEntry]:
    granted = actor.permissions(session)
    visible = []
    for entry in NAVIGATION:
        needed = (entry.permission,) if isinstance(entry.permission, str) else entry.permission
        if any(permission in granted for permission in needed):
            visible.append(entry)
    return visible


def render(
    request: Request,
    template: str,
    *,
    session: Session,
    actor: Actor | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    services: Services = request.app.state.services
    token = getattr(request.state, "auth_token", "")
    return templates.TemplateResponse(
        request,
        template,
        {
            "actor": actor,
            "user": actor.user if actor else None,
            "permissions": actor.permissions(session) if actor else frozenset(),
            "navigation": navigation_for(session, actor) if actor else [],
            "csrf_token": csrf_token_for(services.settings.secret_key, token) if token else "",
            "site_name": "Omnidesk",
            "current_path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
