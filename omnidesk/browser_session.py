"""Browser sessions: the login token in an HttpOnly cookie, and a CSRF token derived from it.

The cookie holds ``<user id>:<login token>``, the same login the REST API takes in X-User-Id and
X-Auth-Token, so pages and their scripts use one API. A write made with the cookie must also carry the
CSRF token (a form field or the X-CSRF-Token header): another site can make the browser send the
cookie, but cannot read the page to learn the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from omnidesk.security import constant_time_equals
from omnidesk.settings import Settings

SESSION_COOKIE = "omnidesk_session"
# Before login there is no session to derive from: the login form uses a random double-submit cookie.
PRELOGIN_COOKIE = "omnidesk_prelogin"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def csrf_token_for(secret_key: str, login_token: str) -> str:
    return hmac.new(secret_key.encode(), f"csrf:{login_token}".encode(), hashlib.sha256).hexdigest()


def session_credentials(request: Request) -> tuple[str, str] | None:
    raw = request.cookies.get(SESSION_COOKIE, "")
    user_id, _, token = raw.partition(":")
    return (user_id, token) if user_id and token else None


def csrf_is_valid(settings: Settings, login_token: str, presented: str | None) -> bool:
    return bool(presented) and constant_time_equals(
        csrf_token_for(settings.secret_key, login_token), presented or ""
    )


def _secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def set_session_cookie(response: Response, settings: Settings, *, user_id: str, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        f"{user_id}:{token}",
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
        max_age=60 * 60 * 24 * 30,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def new_prelogin_token() -> str:
    return secrets.token_urlsafe(24)


def set_prelogin_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        PRELOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(settings),
        max_age=3600,
        path="/",
    )
