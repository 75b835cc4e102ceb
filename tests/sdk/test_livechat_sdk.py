"""End to end: Rocket.Chat's published livechat SDK (npm ``@rocket.chat/ddp-client``), driven by a
short Node script, holds a whole conversation with ``omnidesk serve`` running in a subprocess.

``make test`` installs the SDK (``npm ci`` in this directory). The server uses a fresh SQLite file, or
a schema of its own in the PostgreSQL database the suite runs on.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from omnidesk import migrate
from omnidesk.actions.accounts import create_user, issue_login_token
from omnidesk.actions.bootstrap import ensure_defaults
from omnidesk.services import Services
from omnidesk.settings import load_settings

HERE = Path(__file__).parent
SCRIPT = HERE / "livechat_e2e.js"
STARTUP_TIMEOUT = 30.0
SCRIPT_TIMEOUT = 60.0


def _requirements() -> tuple[str, str]:
    node = shutil.which("node")
    omnidesk = Path(sys.executable).with_name("omnidesk")
    missing = []
    if node is None:
        missing.append("node")
    if not (HERE / "node_modules" / "@rocket.chat" / "ddp-client").is_dir():
        missing.append("the SDK (run `make test`, or `npm ci` in tests/sdk)")
    if not omnidesk.exists():
        missing.append(str(omnidesk))
    if missing:
        reason = "missing: " + ", ".join(missing)
        if os.environ.get("OMNIDESK_CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    assert node is not None
    return node, str(omnidesk)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database for the server: a new SQLite file, or a new schema when the suite runs on PostgreSQL."""
    url = os.environ.get("OMNIDESK_TEST_DATABASE_URL", "")
    if not url:
        yield f"sqlite:///{tmp_path / 'sdk.sqlite3'}"
        return
    url = "postgresql+psycopg://" + url.split("://", 1)[1]
    schema = f"omnidesk_sdk_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        # As the suite's own schema: extensions live in public, which stays on the search path.
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}%2Cpublic"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _environment(database_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "OMNIDESK_ENV": "test",
        "OMNIDESK_DATABASE_URL": database_url,
        "OMNIDESK_PORT": str(port),
        "OMNIDESK_LOG_LEVEL": "warning",
        "OMNIDESK_ARGON2_TIME_COST": "1",
        "OMNIDESK_ARGON2_MEMORY_KIB": "64",
    }


def _prepare_available_agent(environment: dict[str, str]) -> tuple[str, str]:
    """Migrate the server's database and add an agent who takes chats; returns its id and token."""
    services = Services.build(load_settings(environment))
    try:
        migrate.upgrade(services.db)
        with services.transaction() as session:
            ensure_defaults(session)
            agent = create_user(
                session,
                passwords=services.passwords,
                username="sdk.agent",
                email="sdk.agent@example.com",
                password="not used: the agent logs in with its token",
                name="SDK Agent",
                roles=["livechat-agent", "user"],
            )
            agent.livechat_status, agent.status = "available", "online"
            return agent.id, issue_login_token(session, user=agent)
    finally:
        services.db.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_serving(server: subprocess.Popen[str], base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"omnidesk serve exited early:\n{server.communicate()[0]}")
        try:
            with urllib.request.urlopen(f"{base_url}/api/info", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("omnidesk serve did not answer /api/info")


def test_the_published_livechat_sdk_holds_a_whole_conversation(database_url: str) -> None:
    node, omnidesk = _requirements()
    port = _free_port()
    environment = _environment(database_url, port)
    agent_id, agent_token = _prepare_available_agent(environment)
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [omnidesk, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_serving(server, base_url)
        run = subprocess.run(
            [node, str(SCRIPT)],
            cwd=HERE,
            env={**os.environ, "OMNIDESK_URL": base_url, "AGENT_ID": agent_id, "AGENT_TOKEN": agent_token},
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT,
        )
    finally:
        server.terminate()
        try:
            server_log = server.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            server.kill()
            server_log = server.communicate()[0]
    report = f"node stdout:\n{run.stdout}\nnode stderr:\n{run.stderr}\nserver log:\n{server_log}"
    assert run.returncode == 0, report
    assert "SDK E2E OK" in run.stdout, report
    for expected in ("receives the reply over the stream", "the agent sees it", "close message arrives"):
        assert expected in run.stdout, report
