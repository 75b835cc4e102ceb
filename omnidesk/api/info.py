"""``GET /api/info``: what server this is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from omnidesk import __version__
from omnidesk.api.shapes import ok
from omnidesk.http.one_thread_route import OneThreadRoute

router = APIRouter(route_class=OneThreadRoute, tags=["info"])

# Rocket.Chat clients gate features on the server version they see; we speak 8.8.1's API.
ROCKETCHAT_API_VERSION = "8.8.1"


@router.get("/api/info")
def server_info() -> dict[str, Any]:
    return ok(version=ROCKETCHAT_API_VERSION, omnidesk={"version": __version__})
