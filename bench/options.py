"""The knobs of ``python -m bench run``, and the two presets: the full run the figures in
docs/benchmarks.md come from, and the quick one ``make test`` runs as a smoke test."""

from __future__ import annotations

import argparse
from dataclasses import dataclass


@dataclass(frozen=True)
class RunOptions:
    database_url: str | None
    output: str | None
    samples: int  # timed requests per read measurement
    warmup: int  # untimed requests before them
    peer_samples: int  # the peers' scan is slow at 1 M: measured on at most this many inputs
    visitors: int  # concurrent visitors during ingestion
    messages_per_visitor: int
    conversations: int  # open conversations during the realtime measurement
    realtime_messages: int
    realtime_rate: float  # visitor messages per second during the realtime measurement
    seed: int
    quick: bool
    quiet: bool
    processes: int = 1  # `omnidesk serve --workers`: several need PostgreSQL and Redis
    redis_url: str | None = None


@dataclass(frozen=True)
class _Preset:
    samples: int
    warmup: int
    peer_samples: int
    visitors: int
    messages_per_visitor: int
    conversations: int
    realtime_messages: int
    realtime_rate: float


FULL = _Preset(
    samples=200,
    warmup=10,
    peer_samples=8,
    visitors=100,
    messages_per_visitor=30,
    conversations=1000,
    realtime_messages=600,
    # A message every 50 s from each of 1,000 conversations: a busy hour, well under what the
    # server ingests, so the figure is delivery latency, not queueing behind a saturated server.
    realtime_rate=20.0,
)
QUICK = _Preset(
    samples=8,
    warmup=2,
    peer_samples=3,
    visitors=4,
    messages_per_visitor=5,
    conversations=20,
    realtime_messages=20,
    realtime_rate=50.0,
)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="the dataset to measure (default: OMNIDESK_DATABASE_URL)")
    parser.add_argument("--output", "-o", help="write the results as JSON to this file")
    parser.add_argument(
        "--quick", action="store_true", help="a few requests of each kind: checks the harness, not speed"
    )
    parser.add_argument("--samples", type=int, help=f"timed requests per measurement ({FULL.samples})")
    parser.add_argument(
        "--peer-samples", type=int, help=f"inputs the peers' scan runs on ({FULL.peer_samples})"
    )
    parser.add_argument("--visitors", type=int, help=f"concurrent visitors ingesting ({FULL.visitors})")
    parser.add_argument(
        "--messages-per-visitor", type=int, help=f"messages each sends ({FULL.messages_per_visitor})"
    )
    parser.add_argument(
        "--conversations", type=int, help=f"open conversations for realtime ({FULL.conversations})"
    )
    parser.add_argument(
        "--realtime-messages", type=int, help=f"messages timed visitor to agent ({FULL.realtime_messages})"
    )
    parser.add_argument(
        "--seed", type=int, default=7, help="chooses the inputs; the same seed, the same ones"
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes (serve --workers; more need --redis-url)"
    )
    parser.add_argument("--redis-url", help="Redis for several processes (default: OMNIDESK_REDIS_URL)")


def run_options(args: argparse.Namespace) -> RunOptions:
    preset = QUICK if args.quick else FULL

    def pick(value: int | None, default: int) -> int:
        return default if value is None else value

    return RunOptions(
        database_url=args.database_url,
        output=args.output,
        samples=pick(args.samples, preset.samples),
        warmup=preset.warmup,
        peer_samples=pick(args.peer_samples, preset.peer_samples),
        visitors=pick(args.visitors, preset.visitors),
        messages_per_visitor=pick(args.messages_per_visitor, preset.messages_per_visitor),
        conversations=pick(args.conversations, preset.conversations),
        realtime_messages=pick(args.realtime_messages, preset.realtime_messages),
        realtime_rate=preset.realtime_rate,
        seed=args.seed,
        quick=args.quick,
        quiet=args.quiet,
        processes=args.processes,
        redis_url=args.redis_url,
    )
