"""The measurements, against the running server: reads side by side with the raw floor and the peers'
scan, ingestion by many concurrent visitors, and visitor-to-agent delivery over DDP."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from bench.clients import DDPConnection, HttpConnection, HttpError
from bench.floor import PAGE, RawDatabase, RoomFilter, random_id, timed
from bench.generate import BENCH_PASSWORD
from bench.in_process import InProcessApp
from bench.options import RunOptions
from bench.server import RunningServer

API = "/api/v1"
# Ids and tokens of what a run writes: never the seeded generator, or a second run on the same
# dataset would send the ids of the first again (and be refused as retries).
FRESH = random.Random(time.time_ns())
THROUGHPUT_CLIENTS = 4  # concurrent clients for the read throughput
THROUGHPUT_REQUESTS = 100


def stats(samples_ms: Sequence[float], *, seconds: float | None = None) -> dict[str, float]:
    """p50, p95, p99 (nearest rank), mean and max in milliseconds; ``per_second`` over ``seconds`` when
    given, else one client's rate."""
    ordered = sorted(samples_ms)
    if not ordered:
        return {"n": 0}

    def rank(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]

    total = sum(ordered)
    return {
        "n": len(ordered),
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "mean": total / len(ordered),
        "max": ordered[-1],
        "per_second": len(ordered) / seconds if seconds else len(ordered) / max(total / 1000, 1e-9),
    }


async def login(server: RunningServer, username: str) -> tuple[str, str]:
    connection = HttpConnection(server.host, server.port)
    try:
        answer = await connection.ok("POST", f"{API}/login", {"user": username, "password": BENCH_PASSWORD})
    finally:
        await connection.close()
    return answer["data"]["userId"], answer["data"]["authToken"]


# --- reads ----------------------------------------------------------------------------------------------


class Reads:
    """Each read measured through the API, then the same through the driver, then the same request
    through the app in-process (no HTTP), then (for search) the peers' scan: interleaved input by
    input, so the machine's noise falls on all of them alike."""

    def __init__(
        self,
        server: RunningServer,
        db: RawDatabase,
        options: RunOptions,
        auth: dict[str, str],
        app: InProcessApp,
    ) -> None:
        self.server, self.db, self.options = server, db, options
        self.auth = auth
        self.http = HttpConnection(server.host, server.port, auth)
        self.app = app

    async def measure(
        self,
        paths: Sequence[str],
        floor: Sequence[Callable[[], int]],
        peers: Sequence[Callable[[], int]] | None = None,
    ) -> dict[str, Any]:
        warmup = self.options.warmup
        api_ms: list[float] = []
        app_ms: list[float] = []
        floor_ms: list[float] = []
        count_ms: list[float] = []
        peers_ms: list[float] = []
        hits: dict[str, list[int]] = {"api": [], "in_process": [], "floor": [], "peers": []}
        peer_every = max(1, (len(paths) - warmup) // max(self.options.peer_samples, 1))
        for index, path in enumerate(paths):
            # Whichever runs first on an input reads the pages the kernel dropped since the cache was
            # warmed (it reclaims idle page cache within minutes); the order alternates input by
            # input so that neither the API nor the floor always pays for it.
            if index % 2:
                floor_elapsed, floor_hits = timed(floor[index])
            started = time.perf_counter()
            answer = await self.http.ok("GET", path)
            elapsed = (time.perf_counter() - started) * 1000
            if not index % 2:
                floor_elapsed, floor_hits = timed(floor[index])
            started = time.perf_counter()
            in_process = await self.app.get(path)
            app_elapsed = (time.perf_counter() - started) * 1000
            if index < warmup:
                continue
            api_ms.append(elapsed)
            app_ms.append(app_elapsed)
            floor_ms.append(floor_elapsed)
            count_ms.append(self.db.count_ms)
            hits["api"].append(int(answer.get("total", 1)))
            hits["in_process"].append(int(in_process.get("total", 1)))
            hits["floor"].append(floor_hits)
            if (
                peers is not None
                and (index - warmup) % peer_every == 0
                and len(peers_ms) < self.options.peer_samples
            ):
                peer_elapsed, peer_hits = timed(peers[index])
                peers_ms.append(peer_elapsed)
                hits["peers"].append(peer_hits)
        result: dict[str, Any] = {
            "api": stats(api_ms),
            "in_process": stats(app_ms),
            "floor": stats(floor_ms),
            "floor_count": stats(count_ms),
            "hits": {name: sum(found) / len(found) for name, found in hits.items() if found},
            "throughput": await self._throughput(paths[warmup : warmup + THROUGHPUT_REQUESTS]),
        }
        if peers is not None:
            result["peers"] = stats(peers_ms)
        return result

    async def round_trip(self, path: str) -> dict[str, Any]:
        """A request that touches no database (``GET /api/info``): what HTTP, the framework and the
        client cost on their own, the part of every read the raw floor does not pay."""
        elapsed: list[float] = []
        for index in range(self.options.warmup + self.options.samples):
            started = time.perf_counter()
            await self.http.ok("GET", path)
            if index >= self.options.warmup:
                elapsed.append((time.perf_counter() - started) * 1000)
        return {"api": stats(elapsed), "path": path}

    async def _throughput(self, paths: Sequence[str]) -> float:
        """Requests per second with a few clients at once (the server has two cores to use)."""
        queue = list(paths)

        async def client() -> None:
            connection = HttpConnection(self.server.host, self.server.port, self.auth)
            try:
                while queue:
                    await connection.ok("GET", queue.pop())
            finally:
                await connection.close()

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(THROUGHPUT_CLIENTS)))
        return len(paths) / (time.perf_counter() - started)

    async def close(self) -> None:
        await self.http.close()


def search_path(text: str) -> str:
    return f"{API}/omnichannel/contacts.search?" + urlencode({"searchText": text, "count": PAGE})


def contact_path(contact_id: str) -> str:
    return f"{API}/omnichannel/contacts.get?contactId={quote(contact_id)}"


def history_path(contact_id: str) -> str:
    return f"{API}/omnichannel/contacts.history?contactId={quote(contact_id)}&count={PAGE}"


def rooms_path(rooms: RoomFilter) -> str:
    return f"{API}/livechat/rooms?{rooms.query_string()}"


# --- ingestion --------------------------------------------------------------------------------------------


class Visitor:
    def __init__(self, server: RunningServer, token: str) -> None:
        self.token = token
        self.http = HttpConnection(server.host, server.port)
        self.room_id = ""
        self.agent_id = ""
        self.open_ms = 0.0  # how long opening the conversation took (routing included)

    async def start(self, label: str) -> None:
        body = {
            "visitor": {
                "token": self.token,
                "name": f"Bench {label}",
                "email": f"{self.token}@bench.example.net",
            }
        }
        await self.http.ok("POST", f"{API}/livechat/visitor", body)
        started = time.perf_counter()
        room = (await self.http.ok("GET", f"{API}/livechat/room?token={quote(self.token)}"))["room"]
        self.open_ms = (time.perf_counter() - started) * 1000
        self.room_id = room["_id"]
        self.agent_id = (room.get("servedBy") or {}).get("_id", "")

    async def send(self, text: str, message_id: str) -> bool:
        body = {"token": self.token, "rid": self.room_id, "msg": text, "_id": message_id}
        status, answer = await self.http.request("POST", f"{API}/livechat/message", body)
        return status == 200 and bool(answer.get("success"))

    async def finish(self) -> None:
        try:
            await self.http.ok(
                "POST", f"{API}/livechat/room.close", {"rid": self.room_id, "token": self.token}
            )
        finally:
            await self.http.close()


async def _bounded(calls: Sequence[Callable[[], Awaitable[None]]], limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(call: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await call()

    await asyncio.gather(*(one(call) for call in calls))


async def start_visitors(server: RunningServer, count: int, rng: random.Random, label: str) -> list[Visitor]:
    run = random_id(FRESH)[:8]
    visitors = [Visitor(server, f"bench-{run}-{label}-{index}") for index in range(count)]
    await _bounded(
        [functools.partial(visitor.start, f"{label} {index}") for index, visitor in enumerate(visitors)], 2
    )
    return visitors


async def finish_visitors(visitors: Sequence[Visitor]) -> None:
    await _bounded([visitor.finish for visitor in visitors], 2)


async def ingestion(
    server: RunningServer, db: RawDatabase, options: RunOptions, rng: random.Random
) -> dict[str, Any]:
    """Many visitors writing at once, each sending its next message when the last is acknowledged.
    A message counts once the server answered 200, which it does only after the commit."""
    visitors = await start_visitors(server, options.visitors, rng, "ingest")
    latencies: list[float] = []
    acknowledged: list[str] = []
    failed = 0

    async def talk(visitor: Visitor) -> None:
        nonlocal failed
        for number in range(options.messages_per_visitor):
            message_id = random_id(FRESH)
            started = time.perf_counter()
            if await visitor.send(f"message {number} from the benchmark", message_id):
                latencies.append((time.perf_counter() - started) * 1000)
                acknowledged.append(message_id)
            else:
                failed += 1

    started = time.perf_counter()
    server_cpu, client_cpu = cpu_seconds(server.pid), time.process_time()
    try:
        await asyncio.gather(*(talk(visitor) for visitor in visitors))
        seconds = time.perf_counter() - started
        server_cpu, client_cpu = cpu_seconds(server.pid) - server_cpu, time.process_time() - client_cpu
    finally:
        await finish_visitors(visitors)
    stored = db.stored_messages(acknowledged)
    return {
        "visitors": options.visitors,
        "ceiling_per_second": await ceiling(server, options.visitors, options.messages_per_visitor),
        "acknowledged": len(acknowledged),
        "failed": failed,
        "stored": stored,
        "seconds": seconds,
        "per_second": len(acknowledged) / seconds,
        # CPU time per acknowledged message: the server process's (all its threads), and the
        # benchmark's own clients', which share the machine with it.
        "server_cpu_ms_per_message": server_cpu * 1000 / max(len(acknowledged), 1),
        "client_cpu_ms_per_message": client_cpu * 1000 / max(len(acknowledged), 1),
        "latency": stats(latencies, seconds=seconds),
        "room_open": stats([visitor.open_ms for visitor in visitors]),
    }


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process and its living children (the processes of
    ``serve --workers``) have used so far, from ``/proc``."""
    total = 0
    for process in (pid, *_children(pid)):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


async def ceiling(server: RunningServer, clients: int, requests_each: int) -> float:
    """What the server answers per second, with as many clients as ingestion has, when a request does
    nothing (``GET /api/info``: no database, no login): HTTP, the framework and the client's own cost,
    the ceiling that any write through the API stays under on this machine."""
    connections = [HttpConnection(server.host, server.port) for _ in range(clients)]

    async def client(connection: HttpConnection) -> None:
        for _ in range(requests_each):
            await connection.ok("GET", "/api/info")

    try:
        started = time.perf_counter()
        await asyncio.gather(*(client(connection) for connection in connections))
        return clients * requests_each / (time.perf_counter() - started)
    finally:
        await asyncio.gather(*(connection.close() for connection in connections))


# --- realtime ---------------------------------------------------------------------------------------------


async def realtime(
    server: RunningServer,
    db: RawDatabase,
    options: RunOptions,
    rng: random.Random,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Visitor-to-agent delivery with many conversations open: every visitor listens on its room, every
    serving agent on all its rooms (``__my_messages__``); messages go out at a steady rate from random
    conversations, and each is timed from the moment the visitor sends it to the moment the serving
    agent's socket receives it."""
    wanted = options.conversations
    found = db.rows(
        "SELECT r.id, v.token, r.served_by_id FROM rooms r JOIN visitors v ON v.id = r.visitor_id "
        "WHERE r.open = TRUE AND r.on_hold = FALSE AND r.served_by_id IS NOT NULL AND v.channel_type IS NULL "
        "ORDER BY r.id LIMIT ?",
        [wanted],
    )
    conversations = [(str(room), str(token), str(agent)) for room, token, agent in found]
    extra = (
        await start_visitors(server, wanted - len(conversations), rng, "live")
        if len(conversations) < wanted
        else []
    )
    conversations += [(v.room_id, v.token, v.agent_id) for v in extra if v.agent_id]
    agent_ids = sorted({agent for _room, _token, agent in conversations})
    names = dict(
        db.rows(f"SELECT id, username FROM users WHERE id IN ({','.join('?' * len(agent_ids))})", agent_ids)
    )

    sent: dict[str, float] = {}
    delivered: dict[str, float] = {}
    everyone_heard = asyncio.Event()

    def agent_heard(frame: dict[str, Any], received: float) -> None:
        message_id = frame["fields"]["args"][0].get("_id", "")
        if message_id in sent and message_id not in delivered:
            delivered[message_id] = (received - sent[message_id]) * 1000
            if len(delivered) == options.realtime_messages:
                everyone_heard.set()

    def visitor_heard(_frame: dict[str, Any], _received: float) -> None:
        pass

    sockets: list[DDPConnection] = []
    try:

        async def serve_as(agent_id: str) -> None:
            _user_id, token = await login(server, names[agent_id])
            socket = await DDPConnection.open(server.websocket_url, agent_heard)
            sockets.append(socket)
            await socket.login(token)
            await socket.subscribe(
                "stream-room-messages", "__my_messages__", {"useCollection": False, "args": []}
            )

        await _bounded([functools.partial(serve_as, agent_id) for agent_id in agent_ids], 4)
        say(f"    {len(agent_ids)} agents listening; opening {len(conversations)} visitor sockets")

        async def listen(room_id: str, token: str) -> None:
            socket = await DDPConnection.open(server.websocket_url, visitor_heard)
            sockets.append(socket)
            params = {"useCollection": False, "args": [{"token": token, "visitorToken": token}]}
            await socket.subscribe("stream-room-messages", room_id, params)

        await _bounded([functools.partial(listen, room, token) for room, token, _agent in conversations], 32)
        say(f"    {len(conversations)} visitors listening; sending {options.realtime_messages} messages")
        senders: asyncio.Queue[HttpConnection] = asyncio.Queue()
        for _ in range(32):
            senders.put_nowait(HttpConnection(server.host, server.port))
        acks: list[float] = []

        async def send(room_id: str, token: str) -> None:
            http = await senders.get()
            try:
                message_id = random_id(FRESH)
                sent[message_id] = time.perf_counter()
                body = {"token": token, "rid": room_id, "msg": "are you there?", "_id": message_id}
                await http.ok("POST", f"{API}/livechat/message", body)
                acks.append((time.perf_counter() - sent[message_id]) * 1000)
            finally:
                senders.put_nowait(http)

        started = time.perf_counter()
        tasks: list[asyncio.Task[None]] = []
        for number in range(options.realtime_messages):
            await asyncio.sleep(max(0.0, started + number / options.realtime_rate - time.perf_counter()))
            room_id, token, _agent = rng.choice(conversations)
            tasks.append(asyncio.create_task(send(room_id, token)))
        await asyncio.gather(*tasks)
        with contextlib.suppress(TimeoutError):  # what never arrived is counted as undelivered
            await asyncio.wait_for(everyone_heard.wait(), 15)
        while not senders.empty():
            await senders.get_nowait().close()
    finally:
        await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)
        if extra:
            await finish_visitors(extra)
    if len(conversations) < wanted:
        raise HttpError(f"only {len(conversations)} conversations could be opened, {wanted} wanted")
    return {
        "conversations": len(conversations),
        "agents": len(agent_ids),
        "sent": len(sent),
        "delivered": len(delivered),
        "delivery": stats(list(delivered.values())),
        "ack": stats(acks),
    }
