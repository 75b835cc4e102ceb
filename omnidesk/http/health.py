"""``GET /healthz`` (the process is alive) and ``GET /readyz`` (it can serve), for load balancers and
orchestrators.

``/healthz`` touches nothing: a restart would not fix a database that is down, so liveness must not
depend on it. ``/readyz`` answers 200 only when the database answers a trivial query, its schema is at
this release's newest migration, and the event bus says it is healthy; otherwise 503, naming the
checks that failed.

The checks run in that order on a thread of their own, never one of the requests', and a probe waits
for them at most ``READINESS_TIMEOUT_SECONDS``: a check still running then fails as ``timed out``.
One round of checks runs at a time. Probes that arrive meanwhile share its answer, and while it is
stuck (a database that does not answer) they fail at their deadline without starting another: a
thread abandoned per probe would pile up for as long as the database stays away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass, field

from starlette.types import Receive, Scope, Send

from omnidesk import migrate
from omnidesk.http.operations import answer_json, refuse_other_methods
from omnidesk.services import Services

log = logging.getLogger(__name__)

READINESS_TIMEOUT_SECONDS = 2.0
CHECKS = ("database", "migrations", "bus")
OK = "ok"
NOT_CHECKED = "not checked"  # the database failed first, or time ran out
_RUNNING = "running"


@dataclass
class _Round:
    """One run of the checks: their states as the thread writes them, and its end on the loop."""

    done: asyncio.Future[None]
    checks: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CHECKS, NOT_CHECKED))


class Health:
    def __init__(self, services: Services, *, timeout: float = READINESS_TIMEOUT_SECONDS) -> None:
        self.services = services
        self.timeout = timeout
        self.head = migrate.head_revision()  # of the code running, so read once
        self._round: _Round | None = None  # the checks running now; only the event loop sets it

    async def healthz(self, scope: Scope, _receive: Receive, send: Send) -> None:
        if await refuse_other_methods(scope, send):
            return
        await answer_json(scope, send, 200, {"status": "ok"})

    async def readyz(self, scope: Scope, _receive: Receive, send: Send) -> None:
        if await refuse_other_methods(scope, send):
            return
        current = self._round or self._start()
        try:
            # Shielded: a probe that gives up leaves the round to the others.
            await asyncio.wait_for(asyncio.shield(current.done), self.timeout)
            timed_out = False
        except TimeoutError:
            timed_out = True
        results = dict(current.checks)  # a stuck thread may still write to its round's checks
        if timed_out:
            unfinished = next(
                (name for name, state in results.items() if state in (_RUNNING, NOT_CHECKED)), None
            )
            if unfinished is not None:
                results[unfinished] = "timed out"
        failed = [name for name, state in results.items() if state not in (OK, NOT_CHECKED)]
        if failed:
            await answer_json(
                scope, send, 503, {"status": "unavailable", "failed": failed, "checks": results}
            )
        else:
            await answer_json(scope, send, 200, {"status": "ok", "checks": results})

    def _start(self) -> _Round:
        loop = asyncio.get_running_loop()
        current = _Round(done=loop.create_future())

        def finish() -> None:  # on the loop
            self._round = None
            current.done.set_result(None)

        def run() -> None:
            try:
                self.check(current.checks)
            finally:
                with contextlib.suppress(RuntimeError):  # the loop closed while the check was stuck
                    loop.call_soon_threadsafe(finish)

        # A daemon thread: one stuck on the database must not hold up the process's exit.
        threading.Thread(target=run, name="omnidesk-readiness", daemon=True).start()
        self._round = current
        return current

    def check(self, checks: dict[str, str]) -> None:
        """Run the checks in order, each state written to ``checks`` as it is known. The migrations
        are read only from a database that answers; the bus is asked either way."""
        checks["database"] = _RUNNING
        try:
            with self.services.db.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
                checks["database"] = OK
                checks["migrations"] = _RUNNING
                revision = migrate.revision_on(connection)
            checks["migrations"] = (
                OK
                if revision == self.head
                else f"schema at {revision or 'no migration'}, this release needs {self.head}"
            )
        except Exception as error:
            log.warning("Readiness: the database does not answer: %s", error)
            if checks["database"] == _RUNNING:
                checks["database"] = "unreachable"
            else:
                checks["migrations"] = "unreadable"
        checks["bus"] = _RUNNING
        try:
            healthy = self.services.bus.healthy()
        except Exception as error:
            log.warning("Readiness: the event bus does not answer: %s", error)
            healthy = False
        checks["bus"] = OK if healthy else "unhealthy"
