"""Prometheus metrics: ``GET /metrics`` in the text format, behind a bearer token.

- **HTTP** (``HttpMetrics``, a middleware): requests by route template, method and status, and their
  latency by route. The label is the route's template (``/api/v1/livechat/room/{rid}``) rather than
  the path, so the series stay as many as the routes; a path no route matches is ``unmatched``, and a
  method outside HTTP's usual ones ``other``.
- **State**, read at scrape time, never per request (``StateCollector``): the database pool, the
  livechat queue, open chats, the delivery queues' jobs (``queries/workload.py``, one short read
  session), the realtime sockets, and with several processes the bus's lag and outbox. A database
  that cannot be read leaves its figures out and ``omnidesk_database_up`` at 0, so the rest still
  reaches Prometheus.

The operator's endpoints (``/healthz``, ``/readyz``, ``/metrics``) are not counted: probes and scrapes
every few seconds would outnumber the traffic they watch.

``/metrics`` tells how busy the workspace is, so it is not public: without ``OMNIDESK_METRICS_TOKEN``
it does not exist (and ``app.py`` leaves ``HttpMetrics`` out), and with it a scrape must send
``Authorization: Bearer <token>``. (A rule such as
"loopback only" would let the world in through a reverse proxy on the same machine.)
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime

import anyio
import anyio.to_thread
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omnidesk.db import utcnow
from omnidesk.errors import Unauthorized
from omnidesk.http.operations import answer, answer_json, refuse_other_methods
from omnidesk.queries.workload import current_workload
from omnidesk.services import Services

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds; a request over 10 s is counted in +Inf.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The registry of one app, its HTTP series, and the ``/metrics`` endpoint."""

    def __init__(self, services: Services, *, realtime_connections: Callable[[], int]) -> None:
        self.token = services.settings.metrics_token.encode()
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "omnidesk_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "omnidesk_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template.",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(StateCollector(services, realtime_connections))
        ProcessCollector(registry=self.registry)
        # The series of each (route template, method, status), so a request costs a dict lookup rather
        # than labels() with its lock.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._limiter: anyio.CapacityLimiter | None = None

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"]
        # Any token is a method to uvicorn: an unusual one must not make series (or cache entries).
        key = (route_template(scope), method if method in _METHODS else "other", status)
        series = self._series.get(key)
        if series is None:
            series = (self.requests.labels(key[0], key[1], str(status)), self.latency.labels(key[0]))
            self._series[key] = series
        series[0].inc()
        series[1].observe(seconds)

    async def endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        if await refuse_other_methods(scope, send):
            return
        if not self._authorized(scope["headers"]):
            refusal = Unauthorized("The metrics need OMNIDESK_METRICS_TOKEN as a bearer token.")
            await answer_json(
                scope, send, 401, refusal.body(), headers=((b"www-authenticate", b'Bearer realm="metrics"'),)
            )
            return
        if self._limiter is None:  # created on the serving loop
            # One scrape at a time, on a thread outside the requests' limiter: scrapes never wait for
            # the requests' threads, and a slow database cannot make them pile up.
            self._limiter = anyio.CapacityLimiter(1)
        # The text format, or OpenMetrics for a scraper that asks for it (Prometheus does).
        accept = b",".join(value for name, value in scope["headers"] if name == b"accept").decode("latin-1")
        encode, content_type = choose_encoder(accept)
        body = await anyio.to_thread.run_sync(encode, self.registry, limiter=self._limiter)
        await answer(scope, send, 200, body, content_type.encode())

    def _authorized(self, headers: list[tuple[bytes, bytes]]) -> bool:
        for name, value in headers:
            if name == b"authorization":
                scheme, _, credentials = value.partition(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(credentials.strip(), self.token)
        return False


class HttpMetrics:
    """ASGI middleware: counts and times every HTTP request by the route that answered it."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self.metrics.observe(scope, status, time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The template of the route that answered, read after the app ran: the router leaves the route it
    chose in the scope it was given, which is the middlewares' scope too. A mount (``/static``) leaves
    no route but its prefix, as the root path of what it serves."""
    route = scope.get("route")
    if route is not None:
        path: str = route.path
        return path
    if "app_root_path" in scope:
        return f"{scope['root_path']}/{{path}}"
    return UNMATCHED


class StateCollector:
    """The gauges read when Prometheus scrapes, on the scrape's thread."""

    def __init__(self, services: Services, realtime_connections: Callable[[], int]) -> None:
        self.services = services
        self.realtime_connections = realtime_connections

    def describe(self) -> Iterable[Metric]:
        return ()  # the names are fixed; nothing to check against the registry's others

    def collect(self) -> Iterable[Metric]:
        yield from self._pool()
        yield GaugeMetricFamily(
            "omnidesk_realtime_connections",
            "WebSocket (DDP) connections open now.",
            value=self.realtime_connections(),
        )
        yield from self._bus()
        yield from self._workload()

    def _bus(self) -> Iterable[Metric]:
        """The bus across processes (``cluster/bus``): its last delivery's lag and what waits to go out.
        The in-process bus delivers as it publishes: it has neither."""
        lag = getattr(self.services.bus, "lag_seconds", None)
        if lag is None:
            return
        yield GaugeMetricFamily(
            "omnidesk_bus_lag_seconds",
            "From the last event's append to Redis to its delivery in this process.",
            value=lag,
        )
        yield GaugeMetricFamily(
            "omnidesk_bus_outbox_events",
            "Events this process has committed and not yet written to Redis.",
            value=getattr(self.services.bus, "outbox_length", 0),
        )

    def _pool(self) -> Iterable[Metric]:
        pool = self.services.db.engine.pool
        if not isinstance(pool, QueuePool):
            return
        yield GaugeMetricFamily(
            "omnidesk_db_pool_checked_out", "Database connections in use now.", value=pool.checkedout()
        )
        yield GaugeMetricFamily(
            "omnidesk_db_pool_size",
            "Database connections the pool keeps open; it may open max_overflow more while busy.",
            value=pool.size(),
        )

    def _workload(self) -> Iterable[Metric]:
        try:
            with self.services.session(write=False) as session:
                workload = current_workload(session)
        except Exception:
            log.warning("Metrics: the database could not be read", exc_info=True)
            yield GaugeMetricFamily("omnidesk_database_up", "Whether this scrape read the database.", value=0)
            return
        yield GaugeMetricFamily("omnidesk_database_up", "Whether this scrape read the database.", value=1)
        yield GaugeMetricFamily(
            "omnidesk_livechat_queue_length",
            "Chats waiting in the queue for an agent.",
            value=workload.queued_chats,
        )
        yield GaugeMetricFamily(
            "omnidesk_livechat_queue_oldest_wait_seconds",
            "How long the chat longest in the queue has waited (0 when none waits).",
            value=_seconds_since(workload.oldest_queued_at),
        )
        yield GaugeMetricFamily("omnidesk_livechat_open_chats", "Chats open now.", value=workload.open_chats)
        jobs = GaugeMetricFamily(
            "omnidesk_delivery_jobs",
            "Jobs of each delivery queue (mail, messaging, webhook) by state: pending, sending, failed.",
            labels=("queue", "state"),
        )
        for (queue, state), count in sorted(workload.jobs.items()):
            jobs.add_metric((queue, state), count)
        yield jobs


def _seconds_since(moment: datetime | None) -> float:
    return 0.0 if moment is None else max(0.0, (utcnow() - moment).total_seconds())
