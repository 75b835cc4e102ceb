"""Operability: /healthz, /readyz, /metrics, request ids and the logs' formats."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event, text

from omnidesk import migrate
from omnidesk.actions.mail import queue_email
from omnidesk.api.admission import MAX_REQUESTS_INSIDE
from omnidesk.app import create_app
from omnidesk.db import Database
from omnidesk.events import InProcessBus
from omnidesk.logs import RequestIdFilter, logging_config
from omnidesk.services import Services
from omnidesk.settings import ConfigurationError, load_settings
from tests.asgi_client import OneCallTestClient
from tests.ddp_client import DDPClient, running_server
from tests.livechat_helpers import guest, set_setting

TOKEN = "scrape-token-0123456789"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}
FRESH_ID = re.compile(r"[0-9a-f]{12}-[0-9a-f]+")


def _with(services: Services, **changes: Any) -> Services:
    """The test's services with other settings or parts; the database is the same."""
    settings = replace(services.settings, **changes.pop("settings", {}))
    return replace(services, settings=settings, **changes)


@pytest.fixture
def scraped(services: Services) -> Iterator[TestClient]:
    """An app whose /metrics is on."""
    with OneCallTestClient(create_app(_with(services, settings={"metrics_token": TOKEN}))) as client:
        yield client


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


# --- /healthz ---------------------------------------------------------------------------------------


def test_healthz_answers_ok_without_a_statement(services: Services, app_client: TestClient) -> None:
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", note)
    try:
        response = app_client.get("/healthz")
    finally:
        event.remove(services.db.engine, "before_cursor_execute", note)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"
    assert statements == []


def test_healthz_and_readyz_take_only_get_and_head(app_client: TestClient) -> None:
    for path in ("/healthz", "/readyz"):
        assert app_client.head(path).status_code == 200
        refused = app_client.post(path)
        assert refused.status_code == 405
        assert refused.headers["allow"] == "GET, HEAD"
        assert refused.json()["errorType"] == "error-method-not-allowed"


# --- /readyz ----------------------------------------------------------------------------------------


def test_readyz_is_ok_when_the_database_the_schema_and_the_bus_are(app_client: TestClient) -> None:
    response = app_client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "bus": "ok"},
    }


def test_readyz_fails_on_a_schema_behind_the_code(services: Services, app_client: TestClient) -> None:
    head = migrate.head_revision()
    script = ScriptDirectory.from_config(migrate._alembic_config())
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    with services.db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    try:
        response = app_client.get("/readyz")
    finally:
        with services.db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert response.status_code == 503, response.text
    assert response.json() == {
        "status": "unavailable",
        "failed": ["migrations"],
        "checks": {
            "database": "ok",
            "migrations": f"schema at {previous}, this release needs {head}",
            "bus": "ok",
        },
    }


class _UnhealthyBus(InProcessBus):
    def healthy(self) -> bool:
        return False


class _SlowBus(InProcessBus):
    def __init__(self) -> None:
        super().__init__()
        self.asked = 0
        self.answer = threading.Event()

    def healthy(self) -> bool:
        self.asked += 1
        self.answer.wait(5)
        return True


def test_readyz_fails_when_the_bus_is_unhealthy(services: Services) -> None:
    with OneCallTestClient(create_app(_with(services, bus=_UnhealthyBus()))) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["bus"]
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "bus": "unhealthy"}


def test_readyz_fails_when_a_check_takes_too_long_and_waits_for_it_to_end(services: Services) -> None:
    bus = _SlowBus()
    app = create_app(_with(services, bus=bus))
    app.state.health.timeout = 0.2
    with OneCallTestClient(app) as client:
        started = time.monotonic()
        first = client.get("/readyz")
        again = client.get("/readyz")
        assert time.monotonic() - started < 2.0
        assert bus.asked == 1  # the stuck round is waited on, not run again beside it
        bus.answer.set()
        deadline = time.monotonic() + 5
        while (after := client.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        asked = bus.asked
        assert client.get("/readyz").status_code == 200
    for response in (first, again):
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "bus": "timed out"}
    assert after.status_code == 200
    assert bus.asked == asked + 1  # once the stuck round has ended, a probe runs the checks again


def test_readyz_probes_at_once_share_one_round_of_checks(services: Services) -> None:
    bus = _SlowBus()
    with OneCallTestClient(create_app(_with(services, bus=bus))) as client, ThreadPoolExecutor(3) as pool:
        probes = [pool.submit(client.get, "/readyz") for _ in range(3)]
        deadline = time.monotonic() + 5
        while bus.asked == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # the other probes arrive while the round is running
        bus.answer.set()
        assert [probe.result(timeout=5).status_code for probe in probes] == [200, 200, 200]
    assert bus.asked == 1


def test_readyz_fails_when_the_database_does_not_answer(
    services: Services, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = Database(f"sqlite:///{tmp_path / 'no such directory' / 'omnidesk.sqlite3'}")
    try:
        with OneCallTestClient(create_app(_with(services, db=unreachable))) as client:
            response = client.get("/readyz")
    finally:
        unreachable.dispose()
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "failed": ["database"],
        "checks": {"database": "unreachable", "migrations": "not checked", "bus": "ok"},
    }
    assert "the database does not answer" in caplog.text


def test_probes_pass_a_full_admission_gate_and_the_request_limits(services: Services) -> None:
    app = create_app(services)
    inside = threading.Semaphore(0)
    release = threading.Event()

    def slow() -> dict[str, bool]:
        inside.release()
        release.wait(10)
        return {"success": True}

    app.add_api_route("/api/v1/slow", slow)
    with OneCallTestClient(app) as client, ThreadPoolExecutor(MAX_REQUESTS_INSIDE + 1) as pool:
        held = [pool.submit(client.get, "/api/v1/slow") for _ in range(MAX_REQUESTS_INSIDE)]
        try:
            for _ in held:
                assert inside.acquire(timeout=10)
            waiting = pool.submit(client.get, "/api/info")
            assert client.get("/healthz").status_code == 200
            assert client.get("/readyz").status_code == 200
            assert not waiting.done()  # an ordinary request waits at the gate
            # More headers than a request may carry (431 anywhere else).
            crowded = {f"x-filler-{n}": "x" for n in range(120)}
            assert client.get("/healthz", headers=crowded).status_code == 200
            assert client.get("/api/info", headers=crowded).status_code == 431
        finally:
            release.set()
        assert waiting.result(timeout=10).status_code == 200
        assert all(future.result(timeout=10).status_code == 200 for future in held)


# --- /metrics ---------------------------------------------------------------------------------------


def test_metrics_are_off_without_a_token(app_client: TestClient) -> None:
    assert app_client.get("/metrics").status_code == 404
    assert app_client.get("/metrics", headers=SCRAPE).status_code == 404


def test_metrics_need_the_bearer_token(scraped: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": TOKEN}):
        refused = scraped.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "omnidesk_" not in refused.text
    assert scraped.get("/metrics", headers=SCRAPE).status_code == 200
    assert scraped.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200
    assert scraped.post("/metrics", headers=SCRAPE).status_code == 405


def test_metrics_speak_openmetrics_to_a_scraper_that_asks(scraped: TestClient) -> None:
    accept = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
    response = scraped.get("/metrics", headers={**SCRAPE, "Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    assert response.text.endswith("# EOF\n")
    assert "omnidesk_livechat_open_chats" in response.text


def test_metrics_count_requests_by_route_template_and_status(scraped: TestClient) -> None:
    for token in ("visitor-one", "visitor-two"):
        assert scraped.get(f"/api/v1/livechat/visitor/{token}").status_code == 400
    assert scraped.get("/api/info").status_code == 200
    assert scraped.get("/no/such/page").status_code == 404
    assert scraped.request("BREW", "/api/info").status_code == 405
    assert scraped.get("/static/dom.js").status_code == 200
    scraped.get("/healthz")
    samples = _samples(scraped)

    def requests(route: str, status: str, method: str = "GET") -> float:
        labels = (("method", method), ("route", route), ("status", status))
        return samples.get(("omnidesk_http_requests_total", labels), 0)

    assert requests("/api/v1/livechat/visitor/{token}", "400") == 2
    assert requests("/api/info", "200") == 1
    assert requests("unmatched", "404") == 1
    assert requests("/api/info", "405", method="other") == 1
    assert requests("/static/{path}", "200") == 1
    routes = {dict(labels).get("route") for (name, labels) in samples if name.startswith("omnidesk_http")}
    assert not any("visitor-one" in str(route) for route in routes)
    assert "/healthz" not in routes and "/metrics" not in routes
    latency = (("route", "/api/v1/livechat/visitor/{token}"),)
    assert samples[("omnidesk_http_request_duration_seconds_count", latency)] == 2
    assert samples[("omnidesk_http_request_duration_seconds_sum", latency)] > 0


def test_metrics_read_the_queue_the_chats_and_the_delivery_queues_at_scrape_time(
    services: Services, scraped: TestClient
) -> None:
    before = _samples(scraped)
    assert before[("omnidesk_livechat_queue_length", ())] == 0
    assert before[("omnidesk_livechat_queue_oldest_wait_seconds", ())] == 0
    assert before[("omnidesk_database_up", ())] == 1
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    visitor = guest(scraped, "metrics-visitor")
    visitor.register(name="Waiting Wanda")
    visitor.open_room()
    with services.transaction() as session:
        queue_email(session, to="a@example.com", subject="Hello", body_text="Hi")
        queue_email(session, to="b@example.com", subject="Hello", body_text="Hi")
    time.sleep(0.01)
    after = _samples(scraped)
    assert after[("omnidesk_livechat_queue_length", ())] == 1
    assert after[("omnidesk_livechat_queue_oldest_wait_seconds", ())] > 0
    assert after[("omnidesk_livechat_open_chats", ())] == 1
    assert after[("omnidesk_delivery_jobs", (("queue", "mail"), ("state", "pending")))] == 2
    assert after[("omnidesk_delivery_jobs", (("queue", "webhook"), ("state", "pending")))] == 0
    assert after[("omnidesk_delivery_jobs", (("queue", "messaging"), ("state", "failed")))] == 0
    assert after[("omnidesk_db_pool_size", ())] >= 1
    assert after[("omnidesk_db_pool_checked_out", ())] >= 0
    assert ("process_resident_memory_bytes", ()) in after


def test_metrics_leave_out_what_an_unreadable_database_would_say(services: Services, tmp_path: Path) -> None:
    unreachable = Database(f"sqlite:///{tmp_path / 'no such directory' / 'omnidesk.sqlite3'}")
    app = create_app(_with(services, db=unreachable, settings={"metrics_token": TOKEN}))
    try:
        with OneCallTestClient(app) as client:
            samples = _samples(client)
    finally:
        unreachable.dispose()
    assert samples[("omnidesk_database_up", ())] == 0
    assert ("omnidesk_livechat_queue_length", ()) not in samples
    assert ("omnidesk_realtime_connections", ()) in samples


def test_metrics_count_the_realtime_sockets(services: Services) -> None:
    app = create_app(_with(services, settings={"metrics_token": TOKEN}))

    def connections(base: str) -> float:
        request = urllib.request.Request(f"{base}/metrics", headers=SCRAPE)
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read().decode()
        (line,) = [line for line in body.splitlines() if line.startswith("omnidesk_realtime_connections ")]
        return float(line.split()[1])

    with running_server(app) as url:
        base = url.replace("ws://", "http://").removesuffix("/websocket")
        assert connections(base) == 0
        with DDPClient(url), DDPClient(url):
            assert connections(base) == 2


# --- request ids and logs ---------------------------------------------------------------------------


def test_a_safe_request_id_is_echoed(app_client: TestClient) -> None:
    for given in ("abc-123", "trace.id_42", "x" * 64):
        response = app_client.get("/api/info", headers={"X-Request-ID": given})
        assert response.headers["x-request-id"] == given
    assert (
        app_client.get("/healthz", headers={"X-Request-ID": "probe-1"}).headers["x-request-id"] == "probe-1"
    )


def test_an_unsafe_or_missing_request_id_is_replaced(app_client: TestClient) -> None:
    seen = set()
    for given in ("x" * 65, "two words", "back\\slash", "ünïcode".encode(), "a/b", "", None):
        headers: dict[str, Any] = {} if given is None else {"X-Request-ID": given}
        chosen = app_client.get("/api/info", headers=headers).headers["x-request-id"]
        assert FRESH_ID.fullmatch(chosen), (given, chosen)
        seen.add(chosen)
    assert len(seen) == 7


def _logging_app(services: Services) -> FastAPI:
    app = create_app(services)

    def on_a_thread() -> dict[str, bool]:  # a synchronous handler: AnyIO's worker thread
        logging.getLogger("omnidesk.test").warning("in the handler")
        return {"success": True}

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/logs-something", on_a_thread)
    app.add_api_route("/api/v1/broken", broken)
    return app


def test_each_record_written_in_a_request_carries_its_id(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RequestIdFilter())
    with OneCallTestClient(_logging_app(services), raise_server_exceptions=False) as client:
        client.get("/api/v1/logs-something", headers={"X-Request-ID": "req-thread"})
        failed = client.get("/api/v1/broken", headers={"X-Request-ID": "req-error"})
        assert (failed.status_code, failed.headers["x-request-id"]) == (500, "req-error")
        generated = client.get("/api/v1/logs-something").headers["x-request-id"]
    logging.getLogger("omnidesk.test").warning("outside")
    ids = [(record.getMessage(), record.request_id) for record in caplog.records]  # type: ignore[attr-defined]
    assert ("in the handler", "req-thread") in ids
    assert ("in the handler", generated) in ids
    assert ("unhandled error on GET /api/v1/broken", "req-error") in ids
    assert ("outside", "-") in ids


def test_the_text_format_shows_the_request_id(services: Services) -> None:
    lines: list[str] = []
    handler = logging.StreamHandler()
    configured = logging_config(level="info", log_format="text")["formatters"]["default"]
    handler.setFormatter(logging.Formatter(configured["format"]))
    handler.addFilter(RequestIdFilter())
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    logger = logging.getLogger("omnidesk.test")
    logger.addHandler(handler)
    try:
        with OneCallTestClient(_logging_app(services)) as client:
            client.get("/api/v1/logs-something", headers={"X-Request-ID": "req-text"})
    finally:
        logger.removeHandler(handler)
    assert len(lines) == 1
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING omnidesk.test \[req-text\] in the handler", lines[0]
    )


def test_serve_logs_one_json_object_per_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_cli import _free_port

    monkeypatch.setenv("OMNIDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'json-logs.sqlite3'}")
    monkeypatch.setenv("OMNIDESK_LOG_FORMAT", "json")
    monkeypatch.delenv("OMNIDESK_ENV", raising=False)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "omnidesk.cli", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/info", headers={"X-Request-ID": "json-log-check"}
            )
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    assert response.headers["X-Request-ID"] == "json-log-check"
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    raise AssertionError(server.communicate()[1].decode()) from None
                time.sleep(0.1)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
    records = [json.loads(line) for line in stderr.decode().splitlines() if line.strip()]
    assert records, "nothing was logged"
    assert all(set(record) >= {"timestamp", "level", "logger", "message", "request_id"} for record in records)
    access = [record for record in records if record["logger"] == "uvicorn.access"]
    assert any("/api/info" in record["message"] for record in access)
    assert [record["request_id"] for record in access if "/api/info" in record["message"]] == [
        "json-log-check"
    ]
    started = [record for record in records if "Application startup complete" in record["message"]]
    assert started and started[0]["request_id"] == "-" and started[0]["level"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", records[0]["timestamp"])


# --- settings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OMNIDESK_LOG_FORMAT", "xml", "OMNIDESK_LOG_FORMAT must be one of text, json"),
        ("OMNIDESK_METRICS_TOKEN", "short", "OMNIDESK_METRICS_TOKEN must be at least 16 characters"),
    ],
)
def test_bad_operability_settings_stop_the_process(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings({variable: value})


def test_operability_settings_default_to_text_logs_and_no_metrics() -> None:
    settings = load_settings({})
    assert (settings.log_format, settings.metrics_token) == ("text", "")
    assert load_settings({"OMNIDESK_LOG_FORMAT": "JSON"}).log_format == "json"
