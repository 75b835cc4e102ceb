"""The ASGI application."""

from __future__ import annotations

from fastapi import FastAPI

from omnidesk import __version__
from omnidesk.api import (
    auth,
    chat,
    contacts,
    info,
    livechat_agents,
    livechat_custom_fields,
    livechat_departments,
    livechat_inquiries,
    livechat_priorities,
    livechat_rooms,
    livechat_tags,
    livechat_visitor,
    roles,
    settings,
    users,
)
from omnidesk.api.errors import install_error_handlers
from omnidesk.services import Services


def create_app(services: Services) -> FastAPI:
    app = FastAPI(
        title="Omnidesk",
        version=__version__,
        description="Omnichannel contact center, wire-compatible with Rocket.Chat's omnichannel REST API.",
    )
    app.state.services = services
    install_error_handlers(app)
    for module in (
        info,
        auth,
        users,
        roles,
        settings,
        livechat_agents,
        livechat_departments,
        livechat_tags,
        livechat_priorities,
        livechat_custom_fields,
        livechat_visitor,
        livechat_inquiries,
        chat,
        contacts,
        livechat_rooms,  # last: its /livechat/{rid}/messages would shadow fixed paths
    ):
        app.include_router(module.router)
    return app
