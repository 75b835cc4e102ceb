"""The benchmark harness, end to end in quick mode: a small generated dataset, a real ``omnidesk serve``
subprocess, every measurement taken, the report drawn. It checks the harness works, not how fast
anything is: timings on a shared test machine mean nothing.

The dataset goes into a database of its own (a temporary SQLite file, or a fresh schema of the
PostgreSQL the suite runs on), never into the suite's tables.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bench.__main__ import build_parser
from bench.generate import DatasetExists, Plan, generate
from bench.inputs import ROOM_KINDS, SEARCH_KINDS
from bench.options import run_options
from bench.report import main as report_main
from bench.run import run
from omnidesk.services import Services
from omnidesk.settings import load_settings

CONTACTS = 1500


@pytest.fixture(scope="module")
def bench_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    base = os.environ.get("OMNIDESK_TEST_DATABASE_URL", "")
    schema = None
    if base:
        base = "postgresql+psycopg://" + base.split("://", 1)[1]
        schema = f"omnidesk_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base)
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = f"{base}?options=-csearch_path%3D{schema},public"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'bench.sqlite3'}"
    settings = load_settings(
        {
            "OMNIDESK_ENV": "test",
            "OMNIDESK_DATABASE_URL": url,
            "OMNIDESK_ARGON2_TIME_COST": "1",
            "OMNIDESK_ARGON2_MEMORY_KIB": "64",
        }
    )
    services = Services.build(settings)
    try:
        yield services
    finally:
        services.db.dispose()
        if schema is not None:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


@pytest.fixture(scope="module")
def results(bench_services: Services, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    summary = generate(bench_services, Plan(contacts=CONTACTS), progress=False)
    assert summary.rows["contacts"] == CONTACTS
    output = tmp_path_factory.mktemp("results") / "quick.json"
    args = build_parser().parse_args(["run", "--quick", "--quiet", "--output", str(output)])
    found = run(bench_services, run_options(args))
    output.write_text(json.dumps(found))
    return found


def test_it_generates_the_whole_population(bench_services: Services, results: dict[str, object]) -> None:
    dataset = results["dataset"]
    assert isinstance(dataset, dict)
    assert dataset["contacts"] >= CONTACTS
    # Several emails, phones and conversations per contact, as in the population.
    assert dataset["contact_emails"] > CONTACTS
    assert dataset["rooms"] > CONTACTS
    assert dataset["messages"] > 5 * CONTACTS
    assert dataset["room_tags"] > 0


def test_it_refuses_to_load_into_a_database_that_has_contacts(
    bench_services: Services, results: dict[str, object]
) -> None:
    with pytest.raises(DatasetExists):
        generate(bench_services, Plan(contacts=10), progress=False)


def test_it_measures_every_read_three_ways(results: dict[str, object]) -> None:
    reads = results["reads"]
    assert isinstance(reads, dict)
    expected = [f"contacts.search: {kind}" for kind in SEARCH_KINDS]
    expected += ["contacts.get", "contacts.history"]
    expected += [f"livechat/rooms: {kind}" for kind in ROOM_KINDS]
    assert sorted(reads) == sorted(expected)
    for name, read in reads.items():
        assert read["api"]["n"] > 0 and read["floor"]["n"] == read["api"]["n"], name
        assert read["throughput"] > 0, name
        # The API and the driver alone answered the same question.
        assert read["hits"]["api"] == read["hits"]["floor"], name
        # The same requests through the app in-process, without HTTP, found the same.
        assert read["in_process"]["n"] == read["api"]["n"], name
        assert read["hits"]["in_process"] == read["hits"]["api"], name
        if name.startswith("contacts.search"):
            assert read["peers"]["n"] > 0, name
    assert reads["contacts.search: no match"]["hits"]["api"] == 0
    assert reads["contacts.search: name fragment"]["hits"]["api"] > 0
    # A phone typed in another format is found by the index, not by the peers' scan of typed text.
    assert reads["contacts.search: phone, other format"]["hits"]["api"] >= 1
    assert reads["contacts.get"]["hits"]["api"] == 1
    round_trip = results["round_trip"]
    assert isinstance(round_trip, dict) and round_trip["api"]["n"] > 0


def test_the_database_is_read_into_the_cache_before_measuring(results: dict[str, object]) -> None:
    cache = results["cache"]
    assert isinstance(cache, dict)
    assert cache["warmed"] is True, cache  # CI's PostgreSQL has pg_prewarm, as Debian's does
    assert cache["megabytes"] > 0
    settings = results["database_settings"]
    assert isinstance(settings, dict)
    assert settings and all(settings.values()), settings  # shared_buffers, or SQLite's journal mode


def test_every_acknowledged_message_is_stored_and_delivered(results: dict[str, object]) -> None:
    ingestion = results["ingestion"]
    assert isinstance(ingestion, dict)
    assert ingestion["failed"] == 0
    assert ingestion["acknowledged"] == ingestion["stored"] > 0
    assert ingestion["per_second"] > 0
    assert ingestion["ceiling_per_second"] > 0
    realtime = results["realtime"]
    assert isinstance(realtime, dict)
    assert realtime["conversations"] >= 20
    assert realtime["delivered"] == realtime["sent"] > 0
    assert realtime["delivery"]["n"] == realtime["sent"]


def test_the_report_draws_tables_and_a_chart(results: dict[str, object], tmp_path: Path) -> None:
    source = tmp_path / "quick.json"
    source.write_text(json.dumps(results))
    chart, markdown = tmp_path / "chart.svg", tmp_path / "tables.md"
    args = build_parser().parse_args(
        ["report", str(source), "--chart", str(chart), "--markdown", str(markdown)]
    )
    assert report_main(args) == 0
    assert chart.read_text().startswith("<svg")
    tables = markdown.read_text()
    assert "contacts.search: name fragment" in tables
    assert "ingestion" in tables
    assert "GET /api/info" in tables


def test_the_merge_benchmark_times_a_merge_and_its_undo(tmp_path: Path) -> None:
    """``python -m bench merge`` end to end on a small history; it raises if a merge or an undo did not
    move every room."""
    output = tmp_path / "merge.json"
    args = build_parser().parse_args(
        ["merge", "--rooms", "30", "--messages", "90", "--repeat", "2", "--output", str(output)]
    )
    assert args.handler(None, args) == 0
    result = json.loads(output.read_text())
    assert (result["rooms"], result["messages"], result["repeat"]) == (30, 90, 2)
    assert all(result[key]["max"] > 0 for key in ("merge_ms", "unmerge_ms", "floor_ms"))
