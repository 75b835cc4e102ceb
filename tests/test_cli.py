"""The ``omnidesk`` command: migrate, createadmin, resetpassword, demo, serve."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from omnidesk import logs, migrate
from omnidesk.cli import main
from omnidesk.db import Database
from omnidesk.demo.workspace import DEMO_PASSWORD, DEMO_STAFF
from omnidesk.settings import ConfigurationError, load_settings


@pytest.fixture
def sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("OMNIDESK_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("OMNIDESK_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("OMNIDESK_ARGON2_MEMORY_KIB", "64")
    monkeypatch.delenv("OMNIDESK_ENV", raising=False)
    return path


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    database = Database(f"sqlite:///{path}")
    try:
        with database.engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]
    finally:
        database.dispose()


def test_migrate_creates_the_schema_and_is_idempotent(
    sqlite_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert f"schema at {migrate.head_revision()}" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "(was" not in capsys.readouterr().out
    assert _rows(sqlite_file, "SELECT count(*) FROM roles") == [(5,)]


def test_createadmin_prints_a_random_password_once_and_if_none_keeps_the_first(
    sqlite_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["createadmin", "--username", "root", "--email", "root@example.com"]) == 0
    out = capsys.readouterr().out
    assert "Created admin 'root'" in out and "password:" in out
    assert main(["createadmin", "--if-none", "--username", "other", "--email", "o@example.com"]) == 0
    assert "exists already" in capsys.readouterr().out
    roles = _rows(
        sqlite_file, "SELECT u.username, r.role_id FROM users u JOIN user_roles r ON r.user_id = u.id"
    )
    assert sorted(roles) == [("root", "admin"), ("root", "user")]


def test_createadmin_reports_bad_input_without_a_traceback(
    sqlite_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["createadmin", "--username", "root", "--email", "not-an-email"]) == 1
    assert "Invalid email not-an-email" in capsys.readouterr().err


def test_resetpassword(sqlite_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["createadmin", "--username", "root", "--email", "root@example.com", "--password", "first pass"])
    assert main(["resetpassword", "--username", "root", "--password", "second pass"]) == 0
    assert main(["resetpassword", "--username", "ghost"]) == 1
    assert "No user named 'ghost'" in capsys.readouterr().err


def test_demo_loads_a_believable_contact_center_and_is_safe_to_run_twice(
    sqlite_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert f"{len(DEMO_STAFF)} staff accounts created" in first
    assert repr(DEMO_PASSWORD) in first
    rooms = "SELECT count(*), sum(open), sum(served_by_id IS NULL), sum(on_hold), count(DISTINCT source_type)"
    rooms += " FROM rooms"
    total, still_open, queued, held, sources = _rows(sqlite_file, rooms)[0]
    assert total >= 30 and still_open >= 4 and queued == 2 and held >= 1
    assert sources == 5  # widget, api, email, sms, whatsapp
    assert _rows(sqlite_file, "SELECT count(*) FROM departments") == [(3,)]
    assert _rows(sqlite_file, "SELECT count(DISTINCT tag) FROM room_tags")[0][0] >= 5
    known, unknown = _rows(sqlite_file, "SELECT sum(NOT unknown), sum(unknown) FROM contacts")[0]
    assert known >= 5 and unknown >= 5
    assert (
        _rows(
            sqlite_file, "SELECT count(*) FROM contact_channels GROUP BY contact_id ORDER BY 1 DESC LIMIT 1"
        )[0][0]
        >= 2
    )
    assert _rows(sqlite_file, "SELECT count(*) FROM calls")[0][0] >= 30
    assert main(["demo"]) == 0
    assert "0 staff accounts created" in capsys.readouterr().out
    assert _rows(sqlite_file, "SELECT count(*) FROM rooms")[0][0] == total


def test_serve_no_migrate_refuses_an_old_schema(
    sqlite_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--no-migrate"]) == 2
    assert "Run `omnidesk migrate` first" in capsys.readouterr().err


def test_production_refuses_the_development_secret(
    sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMNIDESK_ENV", "production")
    monkeypatch.delenv("OMNIDESK_SECRET_KEY", raising=False)
    assert main(["migrate"]) == 2
    assert "OMNIDESK_SECRET_KEY is the development default" in capsys.readouterr().err
    monkeypatch.setenv("OMNIDESK_SECRET_KEY", "short")
    assert main(["migrate"]) == 2
    monkeypatch.setenv("OMNIDESK_SECRET_KEY", "k" * 40)
    assert main(["migrate"]) == 0


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OMNIDESK_PORT", "eighty", "OMNIDESK_PORT must be an integer"),
        ("OMNIDESK_ENV", "staging", "OMNIDESK_ENV must be one of"),
        ("OMNIDESK_DATABASE_URL", "mysql://x", "OMNIDESK_DATABASE_URL must be a sqlite:/// or postgresql"),
        ("OMNIDESK_LOG_LEVEL", "loud", "OMNIDESK_LOG_LEVEL must be a log level name"),
    ],
)
def test_malformed_settings_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings({variable: value})


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    settings = load_settings({"OMNIDESK_DATABASE_URL": "postgresql://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_migrates_and_answers_api_info(sqlite_file: Path, tmp_path: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "omnidesk.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/info", timeout=2) as response:
                    info = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    raise AssertionError(server.communicate()[0].decode()) from None
                time.sleep(0.1)
        assert info["success"] is True
        assert info["version"] == "8.8.1"
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert _rows(sqlite_file, "PRAGMA journal_mode") == [("wal",)]


def test_serve_flags_feed_the_public_url_unless_it_is_set(
    sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    served: list[tuple[object, int]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **_options: served.append((app, port)))
    monkeypatch.setattr(logs, "configure", lambda **_options: None)  # the test process keeps its logging
    monkeypatch.delenv("OMNIDESK_PUBLIC_URL", raising=False)
    assert main(["serve", "--port", "3501"]) == 0
    app, port = served[-1]
    assert port == 3501
    settings = app.state.services.settings  # type: ignore[attr-defined]
    assert settings.public_url == "http://127.0.0.1:3501"  # webhook URLs and Twilio's signed URLs
    monkeypatch.setenv("OMNIDESK_PUBLIC_URL", "https://support.example.com")
    assert main(["serve", "--port", "3502", "--host", "0.0.0.0"]) == 0
    app, port = served[-1]
    assert port == 3502
    assert app.state.services.settings.public_url == "https://support.example.com"  # type: ignore[attr-defined]
    assert "public address (webhooks, links): https://support.example.com" in capsys.readouterr().out


def test_createadmin_prints_the_address_serve_will_use(
    sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OMNIDESK_PUBLIC_URL", raising=False)
    monkeypatch.setenv("OMNIDESK_PORT", "3501")
    assert main(["createadmin", "--username", "root", "--email", "root@example.com"]) == 0
    assert "log in at http://127.0.0.1:3501 " in capsys.readouterr().out


def test_demo_refuses_to_run_in_production(
    sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMNIDESK_ENV", "production")
    monkeypatch.setenv("OMNIDESK_SECRET_KEY", "k" * 40)
    assert main(["demo"]) == 2
    assert "does not run in production" in capsys.readouterr().err


def test_rotate_secrets_runs(sqlite_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rotate-secrets"]) == 0
    assert "Re-encrypted 0 secrets" in capsys.readouterr().out


def test_several_processes_are_refused_on_sqlite_and_without_redis(
    sqlite_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OMNIDESK_REDIS_URL", raising=False)
    assert main(["serve", "--workers", "2"]) == 2
    assert "SQLite serves one process" in capsys.readouterr().err
    monkeypatch.setenv("OMNIDESK_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert main(["serve", "--workers", "2"]) == 2  # refused before the database is reached
    assert "Several processes need Redis" in capsys.readouterr().err
    assert _rows(sqlite_file, "SELECT count(*) FROM sqlite_master") == [(0,)]  # nothing was migrated


def test_a_redis_url_must_be_one() -> None:
    with pytest.raises(ConfigurationError, match="OMNIDESK_REDIS_URL"):
        load_settings({"OMNIDESK_REDIS_URL": "http://127.0.0.1:6379"})
    with pytest.raises(ConfigurationError, match="OMNIDESK_REDIS_PREFIX"):
        load_settings({"OMNIDESK_REDIS_URL": "redis://127.0.0.1", "OMNIDESK_REDIS_PREFIX": "a b"})
