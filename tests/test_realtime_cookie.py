"""Realtime: a staff page logs its WebSocket in with the session cookie, from this site's pages only."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.requests import HTTPConnection
from websockets.sync.client import connect

from omnidesk.app import create_app
from omnidesk.realtime.browser import FOREIGN_ORIGIN, origin_is_this_site
from omnidesk.services import Services
from tests.ddp_client import TIMEOUT, DDPClient, running_server
from tests.helpers import Persona
from tests.livechat_helpers import set_available

NOTIFY_USER = "stream-notify-user"
LOGGED_OUT = "You've been logged out by the server. Please log in again."


class BrowserDDP(DDPClient):
    """A DDP client whose handshake carries what a browser's would: an Origin and the cookies."""

    def __init__(self, url: str, *, origin: str | None, cookie: str | None = None) -> None:
        headers = {"Cookie": cookie} if cookie else {}
        self.ws = connect(
            url,
            origin=origin,  # type: ignore[arg-type]
            additional_headers=headers,
            proxy=None,
            compression=None,
            ping_interval=None,
            open_timeout=TIMEOUT,
            legacy=True,
        )
        self.answer_pings = True
        self.pending = []
        self.pings_seen = 0
        self._ids = itertools.count(1)
        connected = self.connect()
        assert connected["msg"] == "connected", connected
        self.session = connected["session"]

    def cookie_login(self) -> dict[str, Any]:
        return self.call("login", {"cookie": True})


@pytest.fixture(scope="module")
def url(services: Services) -> Iterator[str]:
    with running_server(create_app(services)) as ws_url:
        yield ws_url


def site_of(url: str) -> str:
    return "http://" + url.split("://", 1)[1].split("/", 1)[0]


def cookie_of(persona: Persona) -> str:
    return f"omnidesk_session={persona.id}:{persona.token}"


def test_a_page_of_this_site_logs_in_with_its_session_cookie(agent: Persona, url: str) -> None:
    with BrowserDDP(url, origin=site_of(url), cookie=cookie_of(agent)) as page:
        result = page.cookie_login()["result"]
        assert result["id"] == agent.id and result["type"] == "cookie"
        assert "token" not in result  # the page cannot read its HttpOnly cookie; it is not told it either
        assert page.subscribe(NOTIFY_USER, f"{agent.id}/rooms-changed")["msg"] == "ready"


def test_a_foreign_origin_cannot_use_the_cookie(agent: Persona, url: str) -> None:
    with BrowserDDP(url, origin="https://evil.example", cookie=cookie_of(agent)) as page:
        refused = page.cookie_login()["error"]
        assert refused["error"] == 403 and refused["reason"] == FOREIGN_ORIGIN
        assert page.subscribe(NOTIFY_USER, f"{agent.id}/rooms-changed")["error"]["error"] == "not-allowed"


def test_a_handshake_without_origin_or_on_another_port_is_refused(agent: Persona, url: str) -> None:
    with BrowserDDP(url, origin=None, cookie=cookie_of(agent)) as client:
        assert client.cookie_login()["error"]["reason"] == FOREIGN_ORIGIN
    with BrowserDDP(url, origin="http://127.0.0.1:9", cookie=cookie_of(agent)) as page:
        assert page.cookie_login()["error"]["reason"] == FOREIGN_ORIGIN


def test_the_public_url_counts_as_this_site(services: Services, agent: Persona, url: str) -> None:
    # Behind a proxy the Host header may be the internal one; the public URL is this site too.
    assert services.settings.public_url != site_of(url)
    with BrowserDDP(url, origin=services.settings.public_url, cookie=cookie_of(agent)) as page:
        assert page.cookie_login()["result"]["id"] == agent.id


def test_a_missing_forged_or_revoked_cookie_is_refused(agent: Persona, agent2: Persona, url: str) -> None:
    with BrowserDDP(url, origin=site_of(url)) as page:
        assert page.cookie_login()["error"]["reason"] == LOGGED_OUT
    with BrowserDDP(url, origin=site_of(url), cookie=f"omnidesk_session={agent2.id}:{agent.token}") as page:
        assert page.cookie_login()["error"]["reason"] == LOGGED_OUT  # someone else's id with alex's token
    agent.post("/api/v1/logout")
    with BrowserDDP(url, origin=site_of(url), cookie=cookie_of(agent)) as page:
        assert page.cookie_login()["error"]["reason"] == LOGGED_OUT


def test_a_deactivated_user_cannot_log_in_with_its_cookie(admin: Persona, agent: Persona, url: str) -> None:
    deactivated = admin.post("/api/v1/users.update", json={"userId": agent.id, "data": {"active": False}})
    assert deactivated.status_code == 200
    with BrowserDDP(url, origin=site_of(url), cookie=cookie_of(agent)) as page:
        assert page.cookie_login()["error"]["error"] == 403


def test_ddp_logout_ends_the_connections_login_but_not_the_browser_session(
    services: Services, agent: Persona, url: str
) -> None:
    set_available(services, agent)
    with BrowserDDP(url, origin=site_of(url), cookie=cookie_of(agent)) as page:
        page.cookie_login()
        page.call("logout")
        assert page.subscribe(NOTIFY_USER, f"{agent.id}/rooms-changed")["msg"] == "nosub"
    me = agent.client.get("/api/v1/me", headers={"Cookie": cookie_of(agent)})
    assert me.status_code == 200 and me.json()["_id"] == agent.id


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        ("https://desk.example.com", "desk.example.com", True),
        ("https://desk.example.com:443", "desk.example.com", True),
        ("http://desk.example.com", "desk.example.com:80", True),
        ("https://DESK.example.com", "desk.example.com", True),
        ("https://desk.example.com.evil.example", "desk.example.com", False),
        ("https://desk.example.com:8443", "desk.example.com", False),
        ("null", "desk.example.com", False),
        ("http://127.0.0.1:3000", "10.0.0.5:8000", True),  # the public URL
    ],
)
def test_which_origins_are_this_site(origin: str, host: str, allowed: bool) -> None:
    handshake = HTTPConnection(
        {"type": "websocket", "headers": [(b"host", host.encode()), (b"origin", origin.encode())]}
    )
    assert origin_is_this_site(handshake, "http://127.0.0.1:3000") is allowed
