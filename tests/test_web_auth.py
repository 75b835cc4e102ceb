"""Signing in and out in the browser: HttpOnly session cookie, CSRF on every write."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from omnidesk.browser_session import SESSION_COOKIE
from tests.helpers import PASSWORD, Persona


def _prelogin(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def test_signing_in_sets_an_httponly_session_cookie_and_pages_follow_permissions(
    app_client: TestClient, manager: Persona
) -> None:
    app_client.cookies.clear()
    token = _prelogin(app_client)
    response = app_client.post(
        "/login",
        data={"username": "mona", "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert app_client.get("/api/v1/me").json()["username"] == "mona"  # the API accepts the cookie
    app_client.cookies.clear()


def test_a_wrong_password_or_a_forged_login_form_is_refused(app_client: TestClient, manager: Persona) -> None:
    app_client.cookies.clear()
    token = _prelogin(app_client)
    wrong = app_client.post("/login", data={"username": "mona", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 400 and "Wrong username or password." in wrong.text
    forged = app_client.post(
        "/login",
        data={"username": "mona", "password": PASSWORD, "csrf_token": "guess"},
        follow_redirects=False,
    )
    assert forged.status_code == 400 and SESSION_COOKIE not in forged.headers.get("set-cookie", "")
    app_client.cookies.clear()


def test_cookie_writes_need_the_csrf_token_and_logout_ends_the_session(
    app_client: TestClient, manager: Persona
) -> None:
    app_client.cookies.clear()
    app_client.cookies.set(SESSION_COOKIE, f"{manager.id}:{manager.token}")
    page = app_client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/contact-center/chats"
    body = {"status": "away"}
    refused = app_client.post("/api/v1/users.setStatus", json=body)
    assert refused.status_code == 403 and refused.json()["errorType"] == "error-csrf"
    from omnidesk.browser_session import csrf_token_for

    csrf = csrf_token_for(app_client.app.state.services.settings.secret_key, manager.token)  # type: ignore[attr-defined]
    accepted = app_client.post("/api/v1/users.setStatus", json=body, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 200
    logout = app_client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert logout.status_code == 303
    app_client.cookies.set(SESSION_COOKIE, f"{manager.id}:{manager.token}")
    assert app_client.get("/api/v1/me").status_code == 401  # the login itself was revoked
    app_client.cookies.clear()


def test_pages_send_strangers_to_sign_in_and_only_to_local_paths(app_client: TestClient) -> None:
    app_client.cookies.clear()
    response = app_client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"
    page = app_client.get("/login", params={"next": "//evil.example/steal"})
    assert 'name="next" value="/"' in page.text


def test_a_cross_site_logout_without_the_token_is_refused_and_the_session_stays(
    app_client: TestClient, manager: Persona
) -> None:
    from omnidesk.browser_session import csrf_token_for

    app_client.cookies.clear()
    app_client.cookies.set(SESSION_COOKIE, f"{manager.id}:{manager.token}")
    shop = {"Origin": "https://evil.example", "Referer": "https://evil.example/"}
    for forged in ({}, {"csrf_token": ""}, {"csrf_token": "guess"}):
        refused = app_client.post("/logout", data=forged, headers=shop, follow_redirects=False)
        assert refused.status_code == 403 and "still signed in" in refused.text
        assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    # Another login's token does not sign this one out.
    other = csrf_token_for(app_client.app.state.services.settings.secret_key, "another-login")  # type: ignore[attr-defined]
    assert app_client.post("/logout", data={"csrf_token": other}, follow_redirects=False).status_code == 403
    assert app_client.get("/api/v1/me").json()["username"] == "mona"
    assert app_client.get("/logout").status_code == 405  # no GET: a link or an image cannot sign out

    csrf = csrf_token_for(app_client.app.state.services.settings.secret_key, manager.token)  # type: ignore[attr-defined]
    logout = app_client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert logout.status_code == 303 and logout.headers["location"] == "/login"
    assert f'{SESSION_COOKIE}=""' in logout.headers["set-cookie"]
    app_client.cookies.set(SESSION_COOKIE, f"{manager.id}:{manager.token}")
    assert app_client.get("/api/v1/me").status_code == 401
    app_client.cookies.clear()


def test_logout_without_a_session_just_goes_to_sign_in(app_client: TestClient) -> None:
    app_client.cookies.clear()
    response = app_client.post("/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
