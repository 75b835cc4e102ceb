"""``GET /healthz`` (the process is alive) and ``GET /readyz`` (it can serve), for load balancers and
orchestrators.

``/healthz`` touches nothing: a restart would not fix a database that is down, so liveness must not
depend on it. ``/readyz`` answers 200 only when the database answers a trivial query, its schema is at
this release's newest migration, and the event bus says it is healthy; otherwise 503, naming the
checks that failed. The checks run in that order on a thread of their own (one probe at a time, outside
the requests' thread limiter, so probes neither wait for requests nor pile up behind a stuck database)
and within ``READINESS_TIMEOUT_SECONDS``: a check still running then fails as ``timed out``.
"""

from __future__ import annotations

import logging

import anyio
import anyio.to_thread
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


class Health:
    def __init__(self, services: Services, *, timeout: float = READINESS_TIMEOUT_SECONDS) -> None:
        self.services = services
        self.timeout = timeout
        self.head = migrate.head_revision()  # of the code running, so read once
        self._limiter: anyio.CapacityLimiter | None = None

    async def healthz(self, scope: Scope, _receive: Receive, send: Send) -> None:
        if await refuse_other_methods(scope, send):
            return
        await answer_json(scope, send, 200, {"status": "ok"})

    async def readyz(self, scope: Scope, _receive: Receive, send: Send) -> None:
        if await refuse_other_methods(scope, send):
            return
        if self._limiter is None:  # created on the serving loop
            self._limiter = anyio.CapacityLimiter(1)
        checks = dict.fromkeys(CHECKS, NOT_CHECKED)
        with anyio.move_on_after(self.timeout) as deadline:
            await anyio.to_thread.run_sync(self.check, checks, limiter=self._limiter, abandon_on_cancel=True)
        results = dict(checks)  # the abandoned thread may still write to ``checks``
        if deadline.cancelled_caught:
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
