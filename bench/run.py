"""``python -m bench run``: measure a running ``omnidesk serve`` on a generated dataset.

Every read is measured three ways on the same inputs, input by input: through the HTTP API, through
the database driver alone (the floor), and, for contact search, with the peers' unindexed scan. The
results are a JSON document (``--output``) that ``python -m bench report`` turns into tables and a chart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bench import measure
from bench.floor import RawDatabase
from bench.generate import MANAGER_USERNAME
from bench.in_process import InProcessApp
from bench.inputs import ROOM_KINDS, SEARCH_KINDS, Inputs, choose
from bench.options import RunOptions, run_options
from bench.server import RunningServer, serve
from omnidesk.models import User
from omnidesk.services import Services


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        memory_kib = 0
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "python_speed_ms": python_speed_ms(),
    }


def python_speed_ms() -> float:
    """How fast this machine runs Python right now: the best of five ``sum(range(10**6))``, in ms
    (about 8 ms on a current desktop core). Shared cloud cores vary by several times from hour to
    hour, and every request's fixed cost is Python, so the figure says how to read the milliseconds."""
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        sum(range(10**6))
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def commit() -> str:
    root = Path(__file__).resolve().parents[1]
    try:
        found = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip()


def _say(options: RunOptions, text: str) -> None:
    if not options.quiet:
        print(text, file=sys.stderr, flush=True)


async def _measure(
    server: RunningServer, db: RawDatabase, inputs: Inputs, options: RunOptions, services: Services
) -> dict[str, Any]:
    rng = random.Random(options.seed)
    user_id, token = await measure.login(server, MANAGER_USERNAME)
    auth = {"X-User-Id": user_id, "X-Auth-Token": token}
    reads = measure.Reads(server, db, options, auth, InProcessApp(services, auth))
    results: dict[str, Any] = {}
    try:
        _say(options, "  the HTTP round trip alone (GET /api/info)")
        round_trip = await reads.round_trip("/api/info")
        for kind in SEARCH_KINDS:
            texts = inputs.searches[kind]
            _say(options, f"  contacts.search, {kind}")
            results[f"contacts.search: {kind}"] = await reads.measure(
                [measure.search_path(text) for text in texts],
                [_bind(db.search_floor, text) for text in texts],
                [_bind(db.search_peers, text) for text in texts],
            )
        _say(options, "  contacts.get, contacts.history")
        results["contacts.get"] = await reads.measure(
            [measure.contact_path(cid) for cid in inputs.contact_ids],
            [_bind(db.get_floor, cid) for cid in inputs.contact_ids],
        )
        results["contacts.history"] = await reads.measure(
            [measure.history_path(cid) for cid in inputs.history_ids],
            [_bind(db.history_floor, cid) for cid in inputs.history_ids],
        )
        for kind in ROOM_KINDS:
            _say(options, f"  livechat/rooms, {kind}")
            filters = inputs.rooms[kind]
            results[f"livechat/rooms: {kind}"] = await reads.measure(
                [measure.rooms_path(rooms) for rooms in filters],
                [_bind(db.rooms_floor, rooms) for rooms in filters],
            )
    finally:
        await reads.close()
    _say(options, f"  ingestion: {options.visitors} visitors x {options.messages_per_visitor} messages")
    ingestion = await measure.ingestion(server, db, options, rng)
    _say(options, f"  realtime: {options.conversations} conversations, {options.realtime_messages} messages")
    realtime = await measure.realtime(server, db, options, rng, lambda text: _say(options, text))
    return {"round_trip": round_trip, "reads": results, "ingestion": ingestion, "realtime": realtime}


def _bind(call: Callable[[Any], int], argument: Any) -> Callable[[], int]:
    return lambda: call(argument)


def _agents_on_shift(services: Services) -> None:
    """The dataset's available agents are present, as at work: a run's realtime phase logs them in and
    out, and the last logout leaves them offline, which would refuse the next run's chats."""
    with services.transaction() as session:
        session.execute(
            update(User)
            .where(User.livechat_status == "available")
            .values(status="online", status_default="online")
        )


def run(services: Services, options: RunOptions) -> dict[str, Any]:
    db = RawDatabase(services)
    try:
        counts = db.counts()
        if not counts["contacts"]:
            raise SystemExit("The database holds no contacts: run `python -m bench generate` first.")
        _say(
            options,
            f"Dataset: {counts['contacts']:,} contacts, {counts['messages']:,} messages; choosing inputs",
        )
        inputs = choose(db, random.Random(options.seed), options.warmup + options.samples)
        _agents_on_shift(services)
        _say(options, "Reading the database into the page cache")
        cache = db.warm_cache()
        started = time.monotonic()
        redis_url = options.redis_url or services.settings.redis_url
        with serve(
            services.settings.database_url, processes=options.processes, redis_url=redis_url
        ) as server:
            _say(options, f"omnidesk serve is up (pid {server.pid}); measuring")
            measured = asyncio.run(_measure(server, db, inputs, options, services))
        return {
            "engine": "sqlite" if db.sqlite else "postgresql",
            "database": db.server_version(),
            "database_settings": db.server_settings(),
            "contacts": counts["contacts"],
            "dataset": counts,
            "mode": "quick" if options.quick else "full",
            "processes": options.processes,
            "samples": options.samples,
            "commit": commit(),
            "machine": machine(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "seconds": round(time.monotonic() - started, 1),
            "cache": cache,
            **measured,
        }
    finally:
        db.close()


def summary(results: dict[str, Any]) -> str:
    lines = [
        f"{results['engine']} ({results['database']}), {results['contacts']:,} contacts, "
        f"commit {results['commit']}, {results['mode']} run",
        f"{'measurement':<36}{'p50':>8}{'p95':>8}{'p99':>8}{'req/s':>8}{'floor':>8}{'ratio':>7}{'peers':>9}",
    ]
    for name, read in results["reads"].items():
        api, floor = read["api"], read["floor"]
        peers = f"{read['peers']['p50']:>9.1f}" if read.get("peers", {}).get("n") else f"{'':>9}"
        lines.append(
            f"{name:<36}{api['p50']:>8.2f}{api['p95']:>8.2f}{api['p99']:>8.2f}{read['throughput']:>8.0f}"
            f"{floor['p50']:>8.2f}{api['p50'] / max(floor['p50'], 1e-6):>7.1f}{peers}"
        )
    ingestion, live = results["ingestion"], results["realtime"]
    lines.append(
        f"ingestion: {ingestion['per_second']:,.0f} acknowledged messages/s "
        f"({ingestion['acknowledged']:,} by {ingestion['visitors']} visitors, "
        f"{ingestion['stored']:,} found stored), latency p50 "
        f"{ingestion['latency']['p50']:.1f} ms p99 {ingestion['latency']['p99']:.1f} ms, "
        f"CPU per message: server {ingestion['server_cpu_ms_per_message']:.2f} ms, "
        f"clients {ingestion['client_cpu_ms_per_message']:.2f} ms"
    )
    delivery = live["delivery"]
    lines.append(
        f"realtime: {live['delivered']}/{live['sent']} delivered over {live['conversations']} conversations, "
        f"p50 {delivery.get('p50', 0):.1f} ms p95 {delivery.get('p95', 0):.1f} ms "
        f"p99 {delivery.get('p99', 0):.1f} ms"
    )
    return "\n".join(lines)


def main(services: Services, args: argparse.Namespace) -> int:
    options = run_options(args)
    results = run(services, options)
    if options.output:
        Path(options.output).write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(summary(results))
    return 0
