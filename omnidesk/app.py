"""The ASGI application."""

from __future__ import annotations

from fastapi import FastAPI

from omnidesk import __version__
from omnidesk.api import auth, info, roles, settings, users
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
    for module in (info, auth, users, roles, settings):
        app.include_router(module.router)
    return app
