"""The ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from omnidesk import __version__
from omnidesk.api import (
    auth,
    calls,
    canned_responses,
    chat,
    contacts,
    email_inbox,
    info,
    livechat_agents,
    livechat_appearance,
    livechat_business_hours,
    livechat_custom_fields,
    livechat_departments,
    livechat_inquiries,
    livechat_priorities,
    livechat_rooms,
    livechat_sla,
    livechat_tags,
    livechat_transcripts,
    livechat_triggers,
    livechat_verification,
    livechat_visitor,
    livechat_webhooks,
    messaging_channels,
    messaging_webhooks,
    roles,
    settings,
    uploads,
    users,
    voice_lines,
)
from omnidesk.api.admission import AdmissionLimit
from omnidesk.api.cors import VisitorCors
from omnidesk.api.errors import install_error_handlers
from omnidesk.api.message_writer import MessageWriter
from omnidesk.api.openapi import install_openapi
from omnidesk.api.request_limits import RequestLimits
from omnidesk.http.health import Health
from omnidesk.http.metrics import METRICS_PATH, HttpMetrics, Metrics
from omnidesk.http.operations import Endpoint, OperationsEndpoints
from omnidesk.http.request_ids import RequestIds
from omnidesk.http.security_headers import SecurityHeaders
from omnidesk.realtime import Realtime, RealtimeOptions
from omnidesk.services import Services
from omnidesk.web.install import install_web


def create_app(
    services: Services, *, realtime_options: RealtimeOptions | None = None, owns_services: bool = False
) -> FastAPI:
    """The app over ``services``; ``owns_services``: they end with it (a process of ``serve --workers``)."""
    realtime = Realtime(services, realtime_options)
    message_writer = MessageWriter(services)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The realtime layer attaches to the running event loop and to the bus while the app serves;
        # the message writer writes visitors' messages (and, stopping, those still queued).
        try:
            async with realtime.running(), message_writer.running():
                yield
        finally:
            if owns_services:
                services.close()

    app = FastAPI(
        title="Omnidesk",
        version=__version__,
        description="Omnichannel contact center, wire-compatible with Rocket.Chat's omnichannel REST API.",
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.realtime = realtime
    app.state.message_writer = message_writer
    app.router.add_websocket_route("/websocket", realtime.websocket_endpoint)
    health = Health(services)
    operations: dict[str, Endpoint] = {"/healthz": health.healthz, "/readyz": health.readyz}
    app.state.health = health
    app.add_middleware(VisitorCors)
    app.add_middleware(AdmissionLimit)
    app.add_middleware(RequestLimits, settings=services.settings)
    # Without a token /metrics does not exist and no request is counted.
    if services.settings.metrics_token:
        metrics = Metrics(services, realtime_connections=lambda: realtime.connection_count)
        operations[METRICS_PATH] = metrics.endpoint
        app.state.metrics = metrics
        app.add_middleware(HttpMetrics, metrics=metrics)
    # Probes and scrapes: before the limits and the admission gate, and not counted themselves.
    app.add_middleware(OperationsEndpoints, endpoints=operations)
    app.add_middleware(RequestIds)  # every answer and log line below carries the request's id
    app.add_middleware(SecurityHeaders)  # outermost: also on answers the others give
    install_error_handlers(app)
    # Starlette tries the routes in order, each at a small cost: the routers of the hottest requests
    # (visitors' messages, contacts, the Chats listing) come first.
    for module in (
        info,
        livechat_visitor,
        contacts,
        livechat_rooms,
        auth,
        users,
        roles,
        settings,
        livechat_agents,
        livechat_departments,
        livechat_tags,
        livechat_appearance,
        livechat_triggers,
        livechat_business_hours,
        livechat_priorities,
        livechat_sla,
        livechat_custom_fields,
        livechat_verification,
        livechat_inquiries,
        chat,
        calls,
        voice_lines,
        email_inbox,
        messaging_channels,
        messaging_webhooks,
        livechat_transcripts,
        livechat_webhooks,
        canned_responses,
        uploads,
    ):
        app.include_router(module.router)
    app.include_router(livechat_rooms.messages_router)  # last: /livechat/{rid}/messages
    app.include_router(uploads.files_router)
    install_web(app)
    install_openapi(app)
    return app


def app_from_environment() -> FastAPI:
    """The app of one of ``omnidesk serve --workers N``'s processes, configured as the command was (by
    the environment it passes on); the command has migrated the database already."""
    import gc

    from omnidesk import logs
    from omnidesk.settings import load_settings

    settings = load_settings()
    logs.configure(level=settings.log_level, log_format=settings.log_format)
    app = create_app(Services.build(settings), owns_services=True)
    gc.collect()
    gc.freeze()  # as `serve` does for one process (docs/benchmarks.md)
    return app
