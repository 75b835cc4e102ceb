"""Browser tests: the real app served by uvicorn on a free port, driven by Playwright in Debian's
Chromium (never a downloaded browser). Under CI (OMNIDESK_CI set) a missing Chromium fails the run;
elsewhere these tests skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from omnidesk.app import create_app
from omnidesk.browser_session import SESSION_COOKIE
from omnidesk.services import Services
from tests.helpers import PASSWORD

CHROMIUM = os.environ.get("OMNIDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str


@pytest.fixture(scope="session")
def live_server(services: Services) -> Iterator[LiveServer]:
    """The app on a real socket, sharing the test database (so fixtures can prepare data)."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(services), host="127.0.0.1", port=port, log_level="warning", ws="websockets"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield LiveServer(url=f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)


# Package scope: Playwright's sync API keeps an event loop on this thread while it runs, which would
# break the asyncio.run() of later tests; it ends with the last browser test.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("OMNIDESK_CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A factory of pages, each in its own browser context (its own cookies), closed after the test."""
    contexts: list[Any] = []

    def make(*, width: int = 1366, height: int = 860) -> Any:
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the login form, as a person would."""
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():  # the form posts and is redirected: done when that page has loaded
        page.get_by_role("button", name="Sign in").click()
    return page


def signed_in(page: Any, username: str, path: str = "/") -> Any:
    """``page`` signed in as ``username`` and on ``path`` (its landing page by default), without the
    login form's two page loads: a REST login, its token set as the session cookie the form would set
    (the form itself is walked by test_sign_in and test_csp). Going straight to ``path`` spares an
    agent's presence the blip of leaving a page: offline between its two realtime connections."""
    response = page.request.post("/api/v1/login", data={"user": username, "password": PASSWORD})
    assert response.ok, response.text()
    login = response.json()["data"]
    value = f"{login['userId']}:{login['authToken']}"
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": value, "domain": "127.0.0.1", "path": "/"}])
    page.goto(path)
    return page
