"""The event bus across processes, on one Redis stream.

Every process appends the events its sessions commit to the stream ``omnidesk:events`` and reads every
entry back, its own included, so every subscriber on every node sees the events in the one order the
stream gave them: a room's events in the order they were published after their commits, and each once,
since a reader keeps the id of the last entry it handed on and reads on from there.

Publishing never blocks a request: events wait in a bounded outbox that one thread writes to Redis in
batches (one pipeline per batch). While Redis is unreachable, the outbox holds what it can and is
written on reconnection; what did not fit is lost, and the process then appends a ``Resync`` once it
can. A reader that lost its connection reads on from its last entry when it is back (entries the
stream still holds are not missed), and hands its subscribers a ``Resync`` first: an event may have
been lost, so whoever keeps state from events rebuilds it (the realtime layer asks its clients to
reconnect, which makes them fetch what they show again). Nothing acknowledged to a client is lost
meanwhile: the state is in the database; the bus only tells who should look again.

The stream is trimmed to about ``max_len`` entries, enough for any reader that is not stalled.
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import redis

from omnidesk.events import Event, Resync, Subscriber, event_from_payload

log = logging.getLogger(__name__)

PREFIX = "omnidesk"
MAX_LEN = 100_000
OUTBOX_SIZE = 100_000
BATCH = 500
RETRY_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)

_STOP = object()


class RedisBus:
    def __init__(
        self,
        url: str,
        *,
        prefix: str = PREFIX,
        max_len: int = MAX_LEN,
        outbox_size: int = OUTBOX_SIZE,
        block_ms: int = 1000,
    ) -> None:
        self.url = url
        self.stream = f"{prefix}:events"
        self.max_len = max_len
        self.block_ms = block_ms
        self.node = secrets.token_hex(6)  # names this process's entries in the stream
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._outbox: queue.Queue[Any] = queue.Queue(maxsize=outbox_size)
        self._dropped = False  # events were lost on the way out: the others must be told
        self._stopping = threading.Event()
        self._publisher: threading.Thread | None = None
        self._reader: threading.Thread | None = None
        self._reader_ready = threading.Event()
        # How long the last entry read took from its append to its subscribers (seconds; the entry's
        # id is Redis's clock at the append): the bus lag /metrics reports.
        self.lag_seconds = 0.0

    # --- the bus's interface ----------------------------------------------------------------------------

    def publish(self, event: Event) -> None:
        self._start_publisher()
        try:
            self._outbox.put_nowait(_encode(event))
        except queue.Full:
            self._dropped = True
            log.error("bus: %s events wait for Redis; dropping a %s event", self._outbox.qsize(), event.type)

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(subscriber)
        self._start_reader()

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def healthy(self) -> bool:
        try:
            return bool(self._client(timeout=1.0).ping())
        except redis.RedisError:
            return False

    def close(self, timeout: float = 5.0) -> None:
        """Write what waits in the outbox (for at most ``timeout`` seconds), then stop both threads."""
        self._stopping.set()
        if self._publisher is not None:
            self._outbox.put(_STOP)
            self._publisher.join(timeout)
            self._publisher = None
        if self._reader is not None:
            self._reader.join(timeout + self.block_ms / 1000)
            self._reader = None

    @property
    def outbox_length(self) -> int:
        """Events waiting to be written to Redis."""
        return self._outbox.qsize()

    def wait_until_reading(self, timeout: float = 5.0) -> bool:
        """Whether the reader has its place in the stream (tests: events published after it are seen)."""
        return self._reader_ready.wait(timeout)

    # --- publishing ----------------------------------------------------------------------------------------

    def _client(self, *, timeout: float | None = None, name: str | None = None) -> redis.Redis:
        return redis.Redis.from_url(
            self.url,
            socket_connect_timeout=timeout or 5.0,
            socket_timeout=timeout,
            decode_responses=True,
            client_name=name,
        )

    def _start_publisher(self) -> None:
        if self._publisher is None:
            with self._lock:
                if self._publisher is None:
                    self._publisher = threading.Thread(
                        target=self._publish_loop, name="bus-publisher", daemon=True
                    )
                    self._publisher.start()

    def _publish_loop(self) -> None:
        client = self._client(timeout=5.0, name=f"omnidesk-bus-publisher-{self.node}")
        batch: list[str] = []
        stop = False
        failures = 0
        while not (stop and not batch):
            if not batch:
                item = self._outbox.get()
                if item is _STOP:
                    break
                batch.append(item)
            while len(batch) < BATCH:
                try:
                    item = self._outbox.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            try:
                self._append(client, batch)
            except redis.RedisError as error:
                if self._stopping.is_set() and failures >= 2:
                    log.error("bus: Redis unreachable at shutdown; %s events not published", len(batch))
                    return
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("bus: cannot publish to Redis (%s); retrying in %ss", error, delay)
                time.sleep(delay)
                continue
            failures = 0
            batch = []

    def _append(self, client: redis.Redis, batch: list[str]) -> None:
        pipe = client.pipeline(transaction=False)
        if self._dropped:
            batch = [_encode(Resync(reason="events lost on the way to the bus")), *batch]
        for payload in batch:
            entry = cast(Any, {"n": self.node, "e": payload})
            pipe.xadd(self.stream, entry, maxlen=self.max_len, approximate=True)
        pipe.execute()
        self._dropped = False

    # --- reading -------------------------------------------------------------------------------------------

    def _start_reader(self) -> None:
        if self._reader is None:
            with self._lock:
                if self._reader is None:
                    self._reader = threading.Thread(target=self._read_loop, name="bus-reader", daemon=True)
                    self._reader.start()

    def _read_loop(self) -> None:
        last_id: str | None = None
        failures = 0
        while not self._stopping.is_set():
            try:
                client = self._client(
                    timeout=self.block_ms / 1000 + 5.0, name=f"omnidesk-bus-reader-{self.node}"
                )
                if last_id is None:
                    last_id = self._tail(client)
                elif failures:
                    self._deliver(Resync(reason="the connection to the bus was lost"))
                self._reader_ready.set()
                failures = 0
                while not self._stopping.is_set():
                    answer: Any = client.xread({self.stream: last_id}, count=BATCH, block=self.block_ms)
                    for _stream, entries in answer or ():
                        for entry_id, fields in entries:
                            last_id = entry_id
                            self._deliver_entry(fields)
                        if entries:
                            appended_ms = int(str(entries[-1][0]).split("-", 1)[0])
                            self.lag_seconds = max(time.time() - appended_ms / 1000, 0.0)
            except redis.RedisError as error:
                delay = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("bus: lost the connection to Redis (%s); reconnecting in %ss", error, delay)
                self._stopping.wait(delay)

    def _tail(self, client: redis.Redis) -> str:
        """The id of the stream's newest entry: a reader starts after it."""
        newest = client.xrevrange(self.stream, count=1)
        return str(newest[0][0]) if newest else "0-0"

    def _deliver_entry(self, fields: dict[str, str]) -> None:
        try:
            event = event_from_payload(json.loads(fields["e"]))
        except (KeyError, TypeError, ValueError):
            log.error("bus: an entry that is no event: %.200r", fields)
            return
        self._deliver(event)

    def _deliver(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:  # one broken subscriber must not starve the others
                log.exception("event subscriber failed on %s", event.type)


def _encode(event: Event) -> str:
    return json.dumps(event.payload(), separators=(",", ":"), default=str)
