"""The harness's own clients: a lean HTTP/1.1 keep-alive client and a DDP client, both asyncio.

The machine is small and the client shares it with the server, so the client must cost as little as
possible: a hand-rolled request over one kept-alive connection costs a fraction of a general-purpose
client, which leaves the cores to the server being measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

IDLE_SECONDS = 3.0


class HttpError(Exception):
    pass


class HttpConnection:
    """One kept-alive connection; requests on it go one at a time."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self.headers = headers or {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._used = time.monotonic()

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Send a request, return the status and the decoded JSON answer. A connection left idle for
        longer than the server keeps it (uvicorn: 5 s) is replaced first, so no timing includes a
        reconnection; one closed under us anyway is retried once on a new connection (every request
        the harness sends is idempotent)."""
        if time.monotonic() - self._used > IDLE_SECONDS:
            await self.close()
        try:
            return await self._request(method, path, body)
        except (HttpError, ConnectionError, asyncio.IncompleteReadError):
            await self.close()
            return await self._request(method, path, body)

    async def _request(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        reader, writer = await self._open()
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(payload)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        status_line = await reader.readline()
        if not status_line:
            await self.close()
            raise HttpError(f"{method} {path}: the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, closing = 0, False, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                closing = True
        data = await (self._read_chunked(reader) if chunked else reader.readexactly(length))
        self._used = time.monotonic()
        if closing:
            await self.close()
        return status, json.loads(data) if data else None

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readline()

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = await self.request(method, path, body)
        if status != 200:
            raise HttpError(f"{method} {path}: {status} {answer}")
        return answer


class DDPConnection:
    """A DDP client that routes stream events to a callback as they arrive."""

    def __init__(self, ws: ClientConnection, on_event: Callable[[dict[str, Any], float], None]) -> None:
        self.ws = ws
        self.on_event = on_event
        self._ids = itertools.count(1)
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, url: str, on_event: Callable[[dict[str, Any], float], None]) -> DDPConnection:
        ws = await connect(url, compression=None, ping_interval=None, open_timeout=30, max_queue=None)
        self = cls(ws, on_event)
        await ws.send(json.dumps({"msg": "connect", "version": "1", "support": ["1"]}))
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("msg") == "connected":
                break
            if frame.get("msg") == "failed":
                raise HttpError(f"DDP connect failed: {frame}")
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for text in self.ws:
            received = time.perf_counter()
            frame = json.loads(text)
            kind = frame.get("msg")
            if kind == "changed":
                self.on_event(frame, received)
            elif kind == "ping":
                await self.ws.send(
                    json.dumps({"msg": "pong", **({"id": frame["id"]} if "id" in frame else {})})
                )
            elif kind == "ready":
                for sub_id in frame.get("subs", []):
                    self._resolve(sub_id, frame)
            elif kind in ("nosub", "result"):
                self._resolve(frame.get("id", ""), frame)

    def _resolve(self, key: str, frame: dict[str, Any]) -> None:
        waiter = self._waiting.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(frame)

    async def _ask(self, frame: dict[str, Any]) -> dict[str, Any]:
        key = str(next(self._ids))
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[key] = waiter
        await self.ws.send(json.dumps({**frame, "id": key}))
        return await asyncio.wait_for(waiter, 60)

    async def login(self, token: str) -> None:
        answer = await self._ask({"msg": "method", "method": "login", "params": [{"resume": token}]})
        if "error" in answer:
            raise HttpError(f"DDP login refused: {answer}")

    async def subscribe(self, name: str, *params: Any) -> None:
        answer = await self._ask({"msg": "sub", "name": name, "params": list(params)})
        if answer.get("msg") != "ready":
            raise HttpError(f"subscription {name} {params} refused: {answer}")

    async def close(self) -> None:
        await self.ws.close()
        if self._reader is not None:
            # The reader ends with the connection, however it ends.
            with contextlib.suppress(Exception):
                await self._reader
