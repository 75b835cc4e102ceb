"""Security headers on every answer: pages, the API, static files, the widget's script, errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from omnidesk.app import create_app
from omnidesk.browser_session import SESSION_COOKIE
from omnidesk.http.security_headers import API_EXPLORER_POLICY, PAGE_POLICY
from omnidesk.services import Services
from tests.helpers import Persona, page_paths

FIXED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


def assert_secured(response: object, policy: str = PAGE_POLICY) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in FIXED.items():
        assert headers.get_list(name) == [value], (response, name)  # type: ignore[attr-defined]
    assert headers.get_list("content-security-policy") == [policy]


def test_the_page_policy_is_strict() -> None:
    directives = dict(part.strip().split(" ", 1) for part in PAGE_POLICY.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in PAGE_POLICY
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'" and directives["form-action"] == "'self'"


@pytest.mark.parametrize("path", page_paths())
def test_every_page_carries_the_headers_signed_in(app_client: TestClient, admin: Persona, path: str) -> None:
    app_client.cookies.clear()
    app_client.cookies.set(SESSION_COOKIE, f"{admin.id}:{admin.token}")
    try:
        response = app_client.get(path, follow_redirects=False)
    finally:
        app_client.cookies.clear()
    assert response.status_code in (200, 303, 404), (path, response.status_code)
    assert_secured(response)


def test_pages_carry_the_headers_signed_out_too(anonymous: TestClient) -> None:
    anonymous.cookies.clear()
    for path in ("/", "/login", "/contact-center/chats", "/livechat/test-page", "/no-such-page"):
        assert_secured(anonymous.get(path, follow_redirects=False))


def test_api_answers_static_files_and_the_widget_carry_them(
    app_client: TestClient, admin: Persona, agent: Persona
) -> None:
    assert_secured(admin.get("/api/v1/me"))
    assert_secured(agent.get("/api/v1/livechat/rooms"))  # 403 in the error envelope
    assert_secured(app_client.get("/api/v1/me"))  # 401
    assert_secured(admin.post("/api/v1/livechat/tags.save", json={"tagData": {}}))  # 400
    assert_secured(app_client.get("/api/v1/info"))
    assert_secured(app_client.get("/static/app.css"))
    widget = app_client.get("/livechat/widget.js")
    assert_secured(widget)
    # nosniff makes a browser check the type, so the widget's script and stylesheet must say theirs.
    assert widget.headers["content-type"].startswith("text/javascript")
    assert app_client.get("/static/widget.css").headers["content-type"].startswith("text/css")


def test_the_widgets_cross_origin_answers_keep_cors_and_get_no_resource_policy(
    app_client: TestClient,
) -> None:
    shop = {"Origin": "https://shop.example"}
    config = app_client.get("/api/v1/livechat/config", headers=shop)
    assert config.headers["access-control-allow-origin"] == "*"
    assert_secured(config)
    asks = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    preflight = app_client.options("/api/v1/livechat/message", headers={**shop, **asks})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    assert_secured(preflight)
    # Cross-Origin-Resource-Policy: same-origin would stop other sites from loading the widget.
    script = app_client.get("/livechat/widget.js", headers=shop)
    assert "cross-origin-resource-policy" not in script.headers
    assert script.headers["access-control-allow-origin"] == "*"


def test_the_api_explorer_gets_its_own_policy(app_client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        response = app_client.get(path)
        assert response.status_code == 200
        assert_secured(response, API_EXPLORER_POLICY)
    assert_secured(app_client.get("/openapi.json"))


def test_an_unexpected_error_carries_them_too(services: Services) -> None:
    app = create_app(services)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/broken")
    assert response.status_code == 500 and response.json()["errorType"] == "error-internal"
    assert_secured(response)
