"""A small DDP client for the realtime tests, and a real uvicorn server to point it at.

The client keeps every frame it has received and not yet matched, so a test can wait for the frame it
cares about (``expect``) without caring what came in between. Waits are event-driven with short
timeouts; nothing sleeps.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

TIMEOUT = 5.0

Frame = dict[str, Any]


class DDPClient:
    def __init__(self, url: str, *, handshake: bool = True, answer_pings: bool = True) -> None:
        self.ws: ClientConnection = connect(
            url, proxy=None, compression=None, ping_interval=None, open_timeout=TIMEOUT, legacy=True
        )
        self.answer_pings = answer_pings
        self.pending: list[Frame] = []
        self.pings_seen = 0
        self._ids = itertools.count(1)
        self.session: str | None = None
        if handshake:
            connected = self.connect()
            assert connected["msg"] == "connected", connected
            self.session = connected["session"]

    # --- plumbing -------------------------------------------------------------------------------------

    def send(self, frame: Frame | str) -> None:
        self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    def _receive(self, timeout: float) -> Frame:
        text = self.ws.recv(timeout=timeout)
        frame: Frame = json.loads(text)
        if frame.get("msg") == "ping":
            self.pings_seen += 1
            if self.answer_pings:
                self.send({"msg": "pong", **({"id": frame["id"]} if "id" in frame else {})})
        return frame

    def expect(self, predicate: Callable[[Frame], bool], timeout: float = TIMEOUT) -> Frame:
        """The first frame (received already or to come) that matches, removed from the pending ones."""
        for index, frame in enumerate(self.pending):
            if predicate(frame):
                return self.pending.pop(index)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching frame within {timeout}s; received: {self.pending}")
            try:
                frame = self._receive(remaining)
            except TimeoutError:
                continue
            if predicate(frame):
                return frame
            self.pending.append(frame)

    def next_id(self) -> str:
        return str(next(self._ids))

    def wait_closed(self, timeout: float = TIMEOUT) -> int | None:
        """Read until the server closes the connection; returns the close code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.pending.append(self._receive(max(deadline - time.monotonic(), 0.01)))
            except TimeoutError:
                continue
            except ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
        raise AssertionError(f"the server did not close the connection within {timeout}s")

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> DDPClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- DDP --------------------------------------------------------------------------------------------

    def connect(self) -> Frame:
        self.send({"msg": "connect", "version": "1", "support": ["1", "pre2", "pre1"]})
        return self.expect(lambda f: f.get("msg") in ("connected", "failed"))

    def subscribe(self, name: str, *params: Any) -> Frame:
        """Subscribe and wait for the answer: ``ready`` or ``nosub``."""
        sub_id = self.next_id()
        self.send({"msg": "sub", "id": sub_id, "name": name, "params": list(params)})
        return self.expect(
            lambda f: (
                (f.get("msg") == "ready" and sub_id in f.get("subs", []))
                or (f.get("msg") == "nosub" and f.get("id") == sub_id)
            )
        )

    def unsubscribe(self, sub_id: str) -> Frame:
        self.send({"msg": "unsub", "id": sub_id})
        return self.expect(lambda f: f.get("msg") == "nosub" and f.get("id") == sub_id)

    def call(self, method: str, *params: Any) -> Frame:
        method_id = self.next_id()
        self.send({"msg": "method", "id": method_id, "method": method, "params": list(params)})
        result = self.expect(lambda f: f.get("msg") == "result" and f.get("id") == method_id)
        self.expect(lambda f: f.get("msg") == "updated" and method_id in f.get("methods", []))
        return result

    def login(self, token: str) -> Frame:
        result = self.call("login", {"resume": token})
        assert "error" not in result, result
        return result

    def event(self, collection: str, event_name: str, timeout: float = TIMEOUT) -> list[Any]:
        """The args of the next stream event on ``collection`` named ``event_name``."""
        frame = self.expect(
            lambda f: (
                f.get("msg") == "changed"
                and f.get("collection") == collection
                and f["fields"]["eventName"] == event_name
            ),
            timeout,
        )
        args: list[Any] = frame["fields"]["args"]
        return args

    def stream_frames(self) -> list[Frame]:
        return [frame for frame in self.pending if frame.get("msg") == "changed"]


def visitor_params(event_name: str, token: str) -> list[Any]:
    """Subscription params as Rocket.Chat's livechat SDK sends them."""
    return [event_name, {"useCollection": False, "args": [{"token": token, "visitorToken": token}]}]


@contextmanager
def running_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free port in a thread; yields the WebSocket URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.005)
    try:
        yield f"ws://127.0.0.1:{port}/websocket"
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)
        sock.close()
