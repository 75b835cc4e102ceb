"""Two ``omnidesk serve`` processes on one PostgreSQL and one Redis, as two nodes of a cluster: a visitor on
node A and its agent's socket on node B hear each other; the agent, coming online on B, gets the chat
opened on A; node A killed with ``kill -9`` mid-conversation loses no acknowledged message, and the
visitor goes on through B.

PostgreSQL comes from OMNIDESK_TEST_DATABASE_URL (the suite's PostgreSQL run; in the SQLite run this
test is skipped, since several processes on SQLite are refused by design) and Redis from the
``redis_url`` fixture; CI has both and fails without them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import create_engine, select

from omnidesk import migrate
from omnidesk.actions.accounts import create_user, issue_login_token
from omnidesk.actions.bootstrap import ensure_defaults
from omnidesk.models import Message, Setting, User
from omnidesk.services import Services
from omnidesk.settings import load_settings
from tests.ddp_client import DDPClient, visitor_params

STARTUP_TIMEOUT = 30.0
METRICS_TOKEN = "two-nodes-metrics-token"
MESSAGES = "stream-room-messages"
NOTIFY_USER = "stream-notify-user"


@pytest.fixture
def database_url() -> Iterator[str]:
    url = os.environ.get("OMNIDESK_TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("several processes need PostgreSQL: this runs in the suite's PostgreSQL run")
    url = "postgresql+psycopg://" + url.split("://", 1)[1]
    schema = f"omnidesk_nodes_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}%2Cpublic"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Node:
    """One ``omnidesk serve`` process."""

    def __init__(self, name: str, environment: dict[str, str], *options: str) -> None:
        self.name = name
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/websocket"
        omnidesk = shutil.which("omnidesk", path=str(Path(sys.executable).parent))
        assert omnidesk, "the omnidesk command is not installed in this environment"
        self.process = subprocess.Popen(
            [omnidesk, "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(self.port), *options],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.http = httpx.Client(base_url=self.base, timeout=10)

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"node {self.name} exited early:\n{self.process.communicate()[0]}")
            try:
                if self.http.get("/api/info").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"node {self.name} did not answer /api/info")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> str:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.communicate()[0]


def _prepare(
    environment: dict[str, str], *, agents: int = 1, routing: str = "Auto_Selection", status: str = "offline"
) -> tuple[Services, list[tuple[str, str]]]:
    """Migrate, and add agents who take chats, offline until they connect unless ``status`` says; their
    ids and tokens."""
    services = Services.build(load_settings({**environment, "OMNIDESK_REDIS_URL": ""}))
    migrate.upgrade(services.db)
    made = []
    with services.transaction() as session:
        ensure_defaults(session)
        setting = session.get(Setting, "Livechat_Routing_Method")
        assert setting is not None
        setting.value = routing
        for n in range(agents):
            agent = create_user(
                session,
                passwords=services.passwords,
                username=f"node.agent{n}",
                email=f"node.agent{n}@example.com",
                password="not used: the agent logs in with its token",
                name=f"Node Agent {n}",
                roles=["livechat-agent", "user"],
            )
            agent.livechat_status, agent.status, agent.status_default = "available", status, "online"
            made.append((agent.id, issue_login_token(session, user=agent)))
    return services, made


def _status(services: Services, user_id: str) -> str:
    session = services.session(write=False)
    try:
        return session.scalars(select(User.status).where(User.id == user_id)).one()
    finally:
        session.close()


def _wait(predicate: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.05)


def _message_of(client: DDPClient, text: str) -> dict[str, Any]:
    frame = client.expect(
        lambda f: (
            f.get("msg") == "changed"
            and f.get("collection") == MESSAGES
            and f["fields"]["args"][0]["msg"] == text
        )
    )
    message: dict[str, Any] = frame["fields"]["args"][0]
    return message


def _environment(database_url: str, redis_url: str, redis_prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "OMNIDESK_ENV": "test",
        "OMNIDESK_DATABASE_URL": database_url,
        "OMNIDESK_REDIS_URL": redis_url,
        "OMNIDESK_REDIS_PREFIX": redis_prefix,
        "OMNIDESK_LOG_LEVEL": "warning",
        "OMNIDESK_ARGON2_TIME_COST": "1",
        "OMNIDESK_ARGON2_MEMORY_KIB": "64",
        "OMNIDESK_METRICS_TOKEN": METRICS_TOKEN,
    }


def test_two_nodes_serve_one_conversation_and_survive_one_of_them_killed(
    database_url: str, redis_url: str, redis_prefix: str
) -> None:
    environment = _environment(database_url, redis_url, redis_prefix)
    services, [(agent_id, agent_token)] = _prepare(environment)
    node_a, node_b = Node("A", environment), Node("B", environment)
    logs: dict[str, str] = {}
    try:
        node_a.wait_until_serving()
        node_b.wait_until_serving()

        # The agent comes online through its socket on B.
        agent = DDPClient(node_b.ws)
        agent.login(agent_token)
        assert agent.subscribe(NOTIFY_USER, f"{agent_id}/rooms-changed", False)["msg"] == "ready"
        _wait(lambda: _status(services, agent_id) == "online", "the agent connected to B is online")

        # A visitor opens a chat on A: it is routed to the agent online on B, who hears of it there.
        token = secrets.token_urlsafe(24)
        visitor_http = node_a.http
        assert (
            visitor_http.post(
                "/api/v1/livechat/visitor", json={"visitor": {"token": token, "name": "Nadia"}}
            ).status_code
            == 200
        )
        room = visitor_http.get("/api/v1/livechat/room", params={"token": token}).json()["room"]
        assert room["servedBy"]["_id"] == agent_id
        inserted = agent.event(NOTIFY_USER, f"{agent_id}/rooms-changed")
        assert inserted[1]["_id"] == room["_id"]
        rid = room["_id"]
        assert agent.subscribe(MESSAGES, rid, False)["msg"] == "ready"

        visitor = DDPClient(node_a.ws)
        assert visitor.subscribe(MESSAGES, *visitor_params(rid, token))["msg"] == "ready"

        # Each hears the other across the nodes.
        said = visitor_http.post(
            "/api/v1/livechat/message", json={"token": token, "rid": rid, "msg": "hello from A"}
        )
        assert said.status_code == 200, said.text
        assert _message_of(agent, "hello from A")["u"]["username"]
        agent_http = httpx.Client(
            base_url=node_b.base, headers={"X-User-Id": agent_id, "X-Auth-Token": agent_token}
        )
        answer = agent_http.post(
            "/api/v1/chat.sendMessage", json={"message": {"rid": rid, "msg": "hello from B"}}
        )
        assert answer.status_code == 200, answer.text
        _message_of(visitor, "hello from B")
        scraped = node_b.http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
        lag = next(line for line in scraped.splitlines() if line.startswith("omnidesk_bus_lag_seconds "))
        assert 0 <= float(lag.split()[1]) < 5
        assert node_a.http.get("/readyz").json()["status"] == "ok"

        # Node A dies mid-conversation while the visitor keeps writing to it.
        acknowledged: list[str] = []
        stop = threading.Event()

        def keep_writing() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    sent = visitor_http.post(
                        "/api/v1/livechat/message", json={"token": token, "rid": rid, "msg": f"burst {n}"}
                    )
                except httpx.TransportError:
                    return
                if sent.status_code == 200:
                    acknowledged.append(sent.json()["message"]["_id"])

        writer = threading.Thread(target=keep_writing)
        writer.start()
        _wait(lambda: len(acknowledged) >= 20, "the visitor's messages are acknowledged")
        node_a.kill()
        stop.set()
        writer.join(10)
        logs["A"] = node_a.stop()

        session = services.session(write=False)
        try:
            stored = set(session.scalars(select(Message.id).where(Message.room_id == rid)))
        finally:
            session.close()
        assert set(acknowledged) <= stored, "an acknowledged message was lost with node A"

        # The visitor reconnects to B and goes on; the agent, on B all along, hears it.
        visitor.close()
        visitor = DDPClient(node_b.ws)
        assert visitor.subscribe(MESSAGES, *visitor_params(rid, token))["msg"] == "ready"
        on_b = node_b.http.post(
            "/api/v1/livechat/message", json={"token": token, "rid": rid, "msg": "still here"}
        )
        assert on_b.status_code == 200, on_b.text
        _message_of(agent, "still here")
        answer = agent_http.post("/api/v1/chat.sendMessage", json={"message": {"rid": rid, "msg": "so am I"}})
        assert answer.status_code == 200, answer.text
        _message_of(visitor, "so am I")
        visitor.close()
        agent.close()
        agent_http.close()
    finally:
        for node in (node_a, node_b):
            logs.setdefault(node.name, node.stop())
        services.db.dispose()
    for name, log in logs.items():
        assert "Traceback" not in log, f"node {name} failed:\n{log}"


def test_serve_workers_runs_several_processes_that_serve_one_conversation(
    database_url: str, redis_url: str, redis_prefix: str
) -> None:
    environment = _environment(database_url, redis_url, redis_prefix)
    services, [(agent_id, agent_token)] = _prepare(environment)
    node = Node("workers", environment, "--workers", "2")
    try:
        node.wait_until_serving()
        children = Path(f"/proc/{node.process.pid}/task/{node.process.pid}/children").read_text().split()
        commands = [Path(f"/proc/{child}/cmdline").read_bytes() for child in children]
        assert sum(b"spawn_main" in command for command in commands) == 2  # (and a resource tracker)
        # Sockets land on either process; each hears what the other's requests commit.
        agents = [DDPClient(node.ws) for _ in range(4)]
        for client in agents:
            client.login(agent_token)
        _wait(lambda: _status(services, agent_id) == "online", "the agent is online")
        token = secrets.token_urlsafe(24)
        assert (
            node.http.post("/api/v1/livechat/visitor", json={"visitor": {"token": token}}).status_code == 200
        )
        rid = node.http.get("/api/v1/livechat/room", params={"token": token}).json()["room"]["_id"]
        for client in agents:
            assert client.subscribe(MESSAGES, rid, False)["msg"] == "ready"
        for n in range(4):  # requests land on either process too
            sent = node.http.post(
                "/api/v1/livechat/message", json={"token": token, "rid": rid, "msg": f"m{n}"}
            )
            assert sent.status_code == 200, sent.text
        for client in agents:
            for n in range(4):
                _message_of(client, f"m{n}")
            client.close()
    finally:
        log = node.stop()
        services.db.dispose()
    assert "2 processes" in log and "Traceback" not in log, log


def test_chats_taken_on_two_nodes_at_once_are_each_taken_once_and_limits_count_on_both(
    database_url: str, redis_url: str, redis_prefix: str
) -> None:
    environment = _environment(database_url, redis_url, redis_prefix)
    services, agents = _prepare(environment, agents=2, routing="Manual_Selection", status="online")
    nodes = [Node("A", environment), Node("B", environment)]
    clients: list[httpx.Client] = []
    try:
        for node in nodes:
            node.wait_until_serving()
        for n in range(6):
            token = secrets.token_urlsafe(24)
            assert (
                nodes[n % 2]
                .http.post("/api/v1/livechat/visitor", json={"visitor": {"token": token}})
                .status_code
                == 200
            )
            assert nodes[n % 2].http.get("/api/v1/livechat/room", params={"token": token}).status_code == 200
        clients = [
            httpx.Client(
                base_url=node.base, headers={"X-User-Id": agent_id, "X-Auth-Token": token}, timeout=10
            )
            for node, (agent_id, token) in zip(nodes, agents, strict=True)
        ]
        for client in clients:  # available for chats, as an agent's client sets itself
            assert (
                client.post("/api/v1/livechat/agent.status", json={"status": "available"}).status_code == 200
            )
        queued = clients[0].get("/api/v1/livechat/inquiries.queued").json()["inquiries"]
        assert len(queued) == 6
        start = threading.Barrier(2)
        taken: list[tuple[int, str]] = []

        def take_all(index: int) -> None:
            start.wait()
            for inquiry in queued:
                answer = clients[index].post(
                    "/api/v1/livechat/inquiries.take", json={"inquiryId": inquiry["_id"]}
                )
                if answer.status_code == 200:
                    taken.append((index, inquiry["_id"]))

        racers = [threading.Thread(target=take_all, args=(index,)) for index in (0, 1)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(30)
        assert sorted(inquiry for _, inquiry in taken) == sorted(inquiry["_id"] for inquiry in queued)

        # Login throttling counts a name's failures on every node: ten wrong passwords spread over
        # both, and the eleventh is refused on either.
        statuses = [
            nodes[n % 2]
            .http.post("/api/v1/login", json={"user": "node.agent0", "password": "wrong"})
            .status_code
            for n in range(12)
        ]
        assert statuses == [401] * 10 + [429] * 2
    finally:
        for client in clients:
            client.close()
        logs = {node.name: node.stop() for node in nodes}
        services.db.dispose()
    for name, log in logs.items():
        assert "Traceback" not in log, f"node {name} failed:\n{log}"
