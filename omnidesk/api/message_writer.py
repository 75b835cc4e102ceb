"""Group commit for visitors' messages: ``POST livechat/message`` hands its message to this process's
writer and waits on the event loop, holding no worker thread and no connection, until the batch it
joined has committed; only then is it answered.

The writer is one thread. It takes every message waiting (up to ``MAX_BATCH``), writes the plain ones
in one transaction (``actions/message_batches.write_plain_messages``), commits once and answers
them all; while it writes, the next batch gathers. A declined message, or every message of a batch
that failed, is then sent alone on a worker thread, as each message was before the writer
(``send_message_alone``): its own transaction, its own answer or error, so one bad message fails
nobody else. On SQLite the writer's transaction queues on the process's writer lock like any other
(``db.py``). Each process of ``serve --workers N`` has a writer of its own.

At most ``MAX_WAITING`` messages are queued or being written; more wait on the event loop to get in.
When the app stops, the writer writes what is queued, then ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread

from omnidesk.actions.message_batches import VisitorMessage, send_message_alone, write_plain_messages
from omnidesk.services import Services
from omnidesk.shapes.livechat import message_shape

log = logging.getLogger(__name__)

MAX_BATCH = 256
MAX_WAITING = 512
# Messages sent alone at once, each on a worker thread of its own: fewer than the admitted requests,
# which need the same threads.
MAX_ALONE = 8

# A message waiting, and the future its request awaits: its shape once written, None when declined.
_Waiting = tuple[VisitorMessage, "asyncio.Future[dict[str, Any] | None]"]


class MessageWriter:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._serving = 0  # the app's lifespans running (a test may serve one app on two loops)
        self._places: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
        self._alone = anyio.CapacityLimiter(MAX_ALONE)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Write batches while the app serves; at the end, write what is queued, then stop."""
        self._serving += 1
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._write_batches, name="omnidesk-message-writer", daemon=True
            )
            self._thread.start()
        try:
            yield
        finally:
            self._places.pop(asyncio.get_running_loop(), None)
            self._serving -= 1
            thread = self._thread
            if not self._serving and thread is not None:
                self._thread = None  # what arrives from now on is sent alone
                self._queue.put(None)  # behind what is queued
                await anyio.to_thread.run_sync(thread.join)

    async def send(self, message: VisitorMessage) -> dict[str, Any]:
        """The stored message's shape once committed; what sending it alone raises, if it fails."""
        if self._thread is None:
            return await self._send_alone(message)  # not serving: an app called without its lifespan
        loop = asyncio.get_running_loop()
        places = self._places.get(loop)
        if places is None:
            places = self._places[loop] = asyncio.Semaphore(MAX_WAITING)
        async with places:
            if self._thread is None:  # stopped while this one waited for a place
                shape = None
            else:
                future: asyncio.Future[dict[str, Any] | None] = loop.create_future()
                self._queue.put((message, future))  # ahead of the stop, which comes on this loop
                shape = await future
        if shape is None:
            return await self._send_alone(message)
        return shape

    async def _send_alone(self, message: VisitorMessage) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(self._write_alone, message, limiter=self._alone)

    def _write_alone(self, message: VisitorMessage) -> dict[str, Any]:
        with self.services.transaction() as session:
            return message_shape(send_message_alone(session, message))

    # --- the writer's thread ------------------------------------------------------------------------

    def _write_batches(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    waiting = self._queue.get_nowait()
                except queue.Empty:
                    break
                if waiting is None:
                    stopping = True
                    break
                batch.append(waiting)
            _answer(batch, self._write(batch))

    def _write(self, batch: list[_Waiting]) -> list[dict[str, Any] | None]:
        """The shape of each message of ``batch`` written, None for each to send alone."""
        session = self.services.session(write=True)
        try:
            written = write_plain_messages(session, [message for message, _ in batch])
            session.commit()
            return [message_shape(message) if message is not None else None for message in written]
        except Exception:
            log.warning("message writer: a batch of %s failed; each is sent alone", len(batch), exc_info=True)
            with contextlib.suppress(Exception):
                session.rollback()
            return [None] * len(batch)
        finally:
            session.close()


def _answer(batch: list[_Waiting], shapes: list[dict[str, Any] | None]) -> None:
    """Hand each request its answer on its own event loop: one call per loop for the whole batch."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], dict[str, Any] | None]]] = {}
    for (_, future), shape in zip(batch, shapes, strict=True):
        by_loop.setdefault(future.get_loop(), []).append((future, shape))
    for loop, answers in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits there any more
            loop.call_soon_threadsafe(_settle, answers)


def _settle(answers: list[tuple[asyncio.Future[Any], dict[str, Any] | None]]) -> None:
    for future, shape in answers:
        if not future.done():  # a request cancelled meanwhile (its client left)
            future.set_result(shape)
