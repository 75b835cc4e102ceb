"""Signing in and out in the browser."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from omnidesk.actions.accounts import revoke_login_token
from omnidesk.actions.login_throttle import attempt_login
from omnidesk.browser_session import (
    CSRF_FIELD,
    PRELOGIN_COOKIE,
    clear_session_cookie,
    csrf_is_valid,
    new_prelogin_token,
    session_credentials,
    set_prelogin_cookie,
    set_session_cookie,
)
from omnidesk.errors import TooManyRequests
from omnidesk.http.deps import ServicesDep, SessionDep, client_address
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.security import Passwords, constant_time_equals
from omnidesk.web.render import page_actor, render

router = APIRouter(route_class=OneThreadRoute, include_in_schema=False)


def _safe_next(next_path: str | None) -> str:
    # Only paths on this site: "//evil.example" or "https://..." would send the user elsewhere.
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        return next_path
    return "/"


@router.get("/login")
def login_page(request: Request, session: SessionDep, services: ServicesDep, next: str = "/") -> HTMLResponse:
    token = new_prelogin_token()
    response = render(
        request, "login.html", session=session, actor=None, prelogin=token, next=_safe_next(next)
    )
    set_prelogin_cookie(response, services.settings, token)
    return response


@router.post("/login")
def login_submit(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(PRELOGIN_COOKIE, "")
    if not expected or not constant_time_equals(expected, csrf_token):
        return _login_failed(request, session, services, "Your session expired. Please try again.", next)
    try:
        outcome = attempt_login(
            session,
            passwords=services.passwords,
            identity=username.strip(),
            password_digest=Passwords.digest(password),
            client_address=client_address(request),
        )
    except TooManyRequests as error:
        return _login_failed(
            request, session, services, f"Too many failed sign-ins. {error.reason}", next, status_code=429
        )
    if outcome is None:
        return _login_failed(request, session, services, "Wrong username or password.", next)
    user, token = outcome
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, services.settings, user_id=user.id, token=token)
    response.delete_cookie(PRELOGIN_COOKIE, path="/")
    return response


def _login_failed(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    message: str,
    next: str,
    status_code: int = 400,
) -> Response:
    token = new_prelogin_token()
    response = render(
        request,
        "login.html",
        session=session,
        actor=None,
        status_code=status_code,
        error=message,
        prelogin=token,
        next=_safe_next(next),
    )
    set_prelogin_cookie(response, services.settings, token)
    return response


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    """Only a form of our own pages signs out: another site can make the browser post here with the
    cookie, but cannot read a page to learn its CSRF token."""
    credentials = session_credentials(request)
    response = RedirectResponse("/login", status_code=303)
    if credentials is None:
        return response
    if not csrf_is_valid(services.settings, credentials[1], csrf_token):
        return render(request, "logout_refused.html", session=session, actor=None, status_code=403)
    revoke_login_token(session, token=credentials[1])
    clear_session_cookie(response)
    return response


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    actor = page_actor(request, session)
    if actor.can(session, "view-omnichannel-contact-center"):
        return RedirectResponse("/contact-center/chats", status_code=303)
    return render(request, "home.html", session=session, actor=actor)
