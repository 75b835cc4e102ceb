"""One DDP client over one WebSocket.

Three tasks per connection: a reader that handles frames one at a time (as Meteor does, so a
client's method calls and subscriptions take effect in the order it sent them), a writer that drains
a bounded outbox, and a heartbeat. Whatever is pushed to a connection goes through ``send_text``,
which never waits: when the outbox is full the client is too slow and is dropped, so one stuck client
never holds up the event dispatcher or anybody else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.orm import Session
from starlette.websockets import WebSocket, WebSocketDisconnect

from omnidesk.db import new_id
from omnidesk.errors import InvalidParams
from omnidesk.input_rules import check_value
from omnidesk.realtime import ejson, protocol
from omnidesk.realtime.options import RealtimeOptions
from omnidesk.realtime.protocol import MeteorError
from omnidesk.realtime.streams import Grant, Login
from omnidesk.services import Services

P = ParamSpec("P")
T = TypeVar("T")


class Hub(Protocol):
    """What a connection and the DDP methods use of the hub that serves them (``hub.Realtime``). A
    protocol, so that connections do not import the hub that creates them."""

    services: Services
    options: RealtimeOptions

    def register(self, connection: Connection) -> None: ...

    def unregister(self, connection: Connection) -> None: ...

    async def authorize(
        self, connection: Connection, sub_id: str, name: str, params: list[Any]
    ) -> Subscription: ...

    def subscribe(self, connection: Connection, subscription: Subscription) -> None: ...

    def unsubscribe(self, connection: Connection, sub_id: str) -> None: ...

    def set_login(self, connection: Connection, login: Login | None) -> None: ...

    async def call(self, connection: Connection, name: str, params: list[Any]) -> Any: ...

    async def read(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T: ...

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T: ...

    def fan_out(
        self,
        collection: str,
        key: str,
        args: list[Any],
        *,
        exclude: Connection | None = None,
        only_users: Collection[str] | None = None,
    ) -> int: ...


log = logging.getLogger(__name__)

# WebSocket close codes (4000-4999 are for applications).
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_SERVICE_RESTART = 1012  # reconnect: the server may have missed events (``Realtime._resync``)
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_TOO_BIG = 1009
CLOSE_IDLE = 4000
CLOSE_TOO_SLOW = 4001


@dataclass
class Subscription:
    id: str
    collection: str
    key: str
    grant: Grant


@dataclass
class Connection:
    realtime: Hub
    websocket: WebSocket
    id: str = field(default_factory=new_id)
    session_id: str = field(default_factory=new_id)
    login: Login | None = None
    raw_token: str | None = None  # kept to revoke it on ``logout``
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    handshaken: bool = False
    closed: bool = False

    def __post_init__(self) -> None:
        options = self.realtime.options
        self._outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=options.queue_size)
        self._stop = asyncio.Event()
        self._close_code = CLOSE_NORMAL
        self._client_gone = False
        self._last_seen = asyncio.get_running_loop().time()

    def __hash__(self) -> int:
        return hash(self.id)

    def __eq__(self, other: object) -> bool:
        return self is other

    # --- sending -----------------------------------------------------------------------------------

    def send(self, frame: dict[str, Any]) -> None:
        self.send_text(ejson.dumps(frame))

    def send_text(self, text: str) -> None:
        """Queue an already-serialised frame; drop the connection if it cannot keep up."""
        if self.closed:
            return
        try:
            self._outbox.put_nowait(text)
        except asyncio.QueueFull:
            log.warning("realtime: dropping connection %s, its outbox is full", self.id)
            self.close(CLOSE_TOO_SLOW)

    def close(self, code: int = CLOSE_NORMAL) -> None:
        if not self.closed:
            self.closed = True
            self._close_code = code
            self._stop.set()

    # --- the connection's life ----------------------------------------------------------------------

    async def serve(self) -> None:
        await self.websocket.accept()
        # Meteor servers greet with this; clients ignore it.
        self.send({"server_id": "0"})
        tasks = [
            asyncio.create_task(self._read(), name=f"ddp-read-{self.id}"),
            asyncio.create_task(self._write(), name=f"ddp-write-{self.id}"),
            asyncio.create_task(self._heartbeat(), name=f"ddp-heartbeat-{self.id}"),
            asyncio.create_task(self._stop.wait(), name=f"ddp-stop-{self.id}"),
        ]
        self.realtime.register(self)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.closed = True
            self.realtime.unregister(self)
            for task in tasks:
                task.cancel()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for outcome in results:
                if isinstance(outcome, Exception):
                    log.error("realtime: connection %s failed", self.id, exc_info=outcome)
            await self._flush_and_close()

    async def _flush_and_close(self) -> None:
        """Send what is still queued (a ``failed`` frame, say) unless the client is the problem, then
        close the socket; a client that stopped reading gets a second at most."""
        if self._client_gone:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1):
                if self._close_code not in (CLOSE_TOO_SLOW, CLOSE_IDLE):
                    while not self._outbox.empty():
                        await self.websocket.send_text(self._outbox.get_nowait())
                await self.websocket.close(self._close_code)

    async def _read(self) -> None:
        max_size = self.realtime.options.max_frame_size
        while True:
            try:
                message = await self.websocket.receive()
            except (WebSocketDisconnect, RuntimeError, OSError):
                message = {"type": "websocket.disconnect"}
            if message["type"] == "websocket.disconnect":
                self.closed = self._client_gone = True
                return
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode("utf-8", errors="replace")
            if text is None:
                continue
            self._last_seen = asyncio.get_running_loop().time()
            if len(text) > max_size:
                self.close(CLOSE_TOO_BIG)
                return
            try:
                frame = ejson.loads(text)
                check_value(frame)
            except InvalidParams as error:  # not echoed: the text may not even encode
                self.send(protocol.protocol_error("Bad request", error.reason))
                continue
            except ValueError:
                self.send(protocol.protocol_error("Bad request", text[:500]))
                continue
            if not isinstance(frame, dict):
                self.send(protocol.protocol_error("Bad request", frame))
                continue
            await self._handle(frame)

    async def _write(self) -> None:
        timeout = self.realtime.options.send_timeout
        while True:
            text = await self._outbox.get()
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation.
                async with asyncio.timeout(timeout):
                    await self.websocket.send_text(text)
            except TimeoutError:
                log.warning("realtime: dropping connection %s, a send took over %ss", self.id, timeout)
                self._close_code = CLOSE_TOO_SLOW
                return
            except (WebSocketDisconnect, RuntimeError, OSError):
                self.closed = self._client_gone = True
                return

    async def _heartbeat(self) -> None:
        """Ping a quiet client; drop it when it has said nothing (not even pong) for too long."""
        options = self.realtime.options
        loop = asyncio.get_running_loop()
        opened = loop.time()
        while True:
            await asyncio.sleep(options.heartbeat_interval)
            quiet_for = loop.time() - self._last_seen
            never_connected = not self.handshaken and loop.time() - opened >= options.idle_timeout
            if quiet_for >= options.idle_timeout or never_connected:
                self._close_code = CLOSE_IDLE
                return
            if quiet_for >= options.heartbeat_interval:
                self.send(protocol.ping())

    # --- frames --------------------------------------------------------------------------------------

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("msg")
        if kind == "connect":
            self._connect(frame)
            return
        if kind == "ping":
            self.send(protocol.pong(_optional_str(frame.get("id"))))
            return
        if kind == "pong":
            return
        if not self.handshaken:
            self.send(protocol.protocol_error("Must connect first", frame))
            return
        if kind == "sub":
            await self._sub(frame)
        elif kind == "unsub":
            sub_id = frame.get("id")
            if isinstance(sub_id, str):
                self.realtime.unsubscribe(self, sub_id)
                self.send(protocol.nosub(sub_id))
        elif kind == "method":
            await self._method(frame)
        else:
            self.send(protocol.protocol_error("Bad request", frame))

    def _connect(self, frame: dict[str, Any]) -> None:
        if self.handshaken:
            self.send(protocol.protocol_error("Already connected", frame))
            return
        version = frame.get("version")
        if version not in protocol.SUPPORTED_VERSIONS:
            self.send(protocol.failed("1"))
            self.close(CLOSE_PROTOCOL_ERROR)
            return
        self.handshaken = True
        self.send(protocol.connected(self.session_id))

    async def _sub(self, frame: dict[str, Any]) -> None:
        sub_id, name, params = frame.get("id"), frame.get("name"), frame.get("params", [])
        if not isinstance(sub_id, str) or not isinstance(name, str) or not isinstance(params, list):
            self.send(protocol.protocol_error("Malformed subscription", frame))
            return
        if sub_id in self.subscriptions:
            return  # DDP: a repeated sub id is ignored
        if len(self.subscriptions) >= self.realtime.options.max_subscriptions:
            self.send(protocol.nosub(sub_id, MeteorError("too-many-subscriptions", "Too many subscriptions")))
            return
        try:
            subscription = await self.realtime.authorize(self, sub_id, name, params)
        except MeteorError as error:
            self.send(protocol.nosub(sub_id, error))
            return
        except Exception:
            log.exception("realtime: subscription to %s failed", name)
            self.send(protocol.nosub(sub_id, MeteorError(500, "Internal server error")))
            return
        if self.closed:
            return
        self.realtime.subscribe(self, subscription)
        self.send(protocol.ready(sub_id))

    async def _method(self, frame: dict[str, Any]) -> None:
        method_id, name, params = frame.get("id"), frame.get("method"), frame.get("params", [])
        if not isinstance(method_id, str) or not isinstance(name, str) or not isinstance(params, list):
            self.send(protocol.protocol_error("Malformed method invocation", frame))
            return
        try:
            value = await self.realtime.call(self, name, params)
        except MeteorError as error:
            self.send(protocol.result(method_id, error=error))
        except Exception:
            log.exception("realtime: method %s failed", name)
            self.send(protocol.result(method_id, error=MeteorError(500, "Internal server error")))
        else:
            self.send(protocol.result(method_id, value))
        self.send(protocol.updated(method_id))


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
