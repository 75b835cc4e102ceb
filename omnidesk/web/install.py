"""Mounting the pages, their static files and the redirect to sign in on the app."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from omnidesk.web import admin, auth_pages, contact_center, dashboard, live, widget
from omnidesk.web.render import WEB_DIR, LoginRequired

PAGE_ROUTERS = (auth_pages, contact_center, admin, dashboard, live, widget)


def install_web(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    for module in PAGE_ROUTERS:
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _to_login(_request: Request, error: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(error.next_path)}", status_code=303)
