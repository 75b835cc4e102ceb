"""The agent's conversation view: the queue, the agent's open chats, and one conversation, live.

The page is a shell; ``static/live-*.js`` (loaded by ``templates/live/live.html`` after ``ddp.js`` and
``chat-messages.js``) fill it from the REST API and keep it current over DDP (logged in with the session
cookie, see ``realtime/browser.py``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from omnidesk.http.deps import SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models.accounts import AGENT_ROLE
from omnidesk.web.admin import forbidden
from omnidesk.web.render import page_actor, render

router = APIRouter(route_class=OneThreadRoute, include_in_schema=False)

PERMISSION = "view-l-room"


def _live(request: Request, session: SessionDep, room_id: str) -> Response:
    actor = page_actor(request, session)
    if not actor.can(session, PERMISSION):
        return forbidden(request, session, actor)
    return render(
        request,
        "live/live.html",
        session=session,
        actor=actor,
        room_id=room_id,
        available=actor.user.livechat_status == "available",
        is_agent=actor.has_role(AGENT_ROLE),
    )


@router.get("/live")
def live(request: Request, session: SessionDep) -> Response:
    return _live(request, session, "")


@router.get("/live/{room_id}")
def live_room(room_id: str, request: Request, session: SessionDep) -> Response:
    return _live(request, session, room_id)
