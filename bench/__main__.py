"""``python -m bench``: the dataset generator and the measurement harness (docs/benchmarks.md).

Run from the repository's root, with the Python Omnidesk is installed in::

    python -m bench generate --contacts 10000 --database-url sqlite:////var/tmp/bench_10k.sqlite3
    python -m bench run --database-url sqlite:////var/tmp/bench_10k.sqlite3 --output results.json
    python -m bench report results.json --chart chart.svg

The database is OMNIDESK_DATABASE_URL's unless ``--database-url`` names another, as for ``omnidesk``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from omnidesk.cli import describe_database, run_command
from omnidesk.services import Services
from omnidesk.settings import load_settings


def _bench_services(services: Services, database_url: str | None) -> Services:
    """The services of ``--database-url`` when given (normalised as OMNIDESK_DATABASE_URL is), else
    the configured ones."""
    if not database_url:
        return services
    settings = load_settings({**os.environ, "OMNIDESK_DATABASE_URL": database_url})
    return Services.build(settings)


def cmd_generate(services: Services, args: argparse.Namespace) -> int:
    from bench.generate import DatasetExists, Plan, generate

    target = _bench_services(services, args.database_url)
    print(f"Generating {args.contacts:,} contacts into {describe_database(target.settings)}", flush=True)
    try:
        summary = generate(target, Plan(contacts=args.contacts, seed=args.seed), progress=not args.quiet)
    except DatasetExists as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    finally:
        if target is not services:
            target.db.dispose()
    print(summary.report())
    return 0


def cmd_run(services: Services, args: argparse.Namespace) -> int:
    from bench.run import main as run_benchmark

    target = _bench_services(services, args.database_url)
    try:
        return run_benchmark(target, args)
    finally:
        if target is not services:
            target.db.dispose()


def cmd_merge(_services: Services, args: argparse.Namespace) -> int:
    from bench.merge import main as merge_benchmark

    return merge_benchmark(args)


def cmd_report(_services: Services, args: argparse.Namespace) -> int:
    from bench.report import main as report

    return report(args)


def build_parser() -> argparse.ArgumentParser:
    from bench.options import add_run_arguments

    parser = argparse.ArgumentParser(
        prog="python -m bench", description="benchmark: generate a dataset, measure the server on it"
    )
    actions = parser.add_subparsers(dest="bench_command", required=True)

    generate = actions.add_parser("generate", help="bulk-load a realistic dataset into an empty database")
    generate.add_argument("--contacts", type=int, required=True, help="how many contacts (e.g. 1000000)")
    generate.add_argument("--database-url", help="default: OMNIDESK_DATABASE_URL")
    generate.add_argument("--seed", type=int, default=20261125, help="the same seed gives the same data")
    generate.add_argument("--quiet", action="store_true", help="no progress bar")
    generate.set_defaults(handler=cmd_generate)

    run = actions.add_parser("run", help="measure `omnidesk serve` on a dataset, next to the raw floor")
    add_run_arguments(run)
    run.set_defaults(handler=cmd_run)

    merge = actions.add_parser("merge", help="time merging a contact with a long history, and its undo")
    from bench.merge import add_arguments as add_merge_arguments

    add_merge_arguments(merge)
    merge.set_defaults(handler=cmd_merge)

    report = actions.add_parser("report", help="tables and a chart from the results of several runs")
    report.add_argument("results", nargs="+", help="JSON files written by `python -m bench run --output`")
    report.add_argument("--chart", help="write the latency-against-size chart to this SVG file")
    report.add_argument("--markdown", help="write the tables to this file (default: print them)")
    report.set_defaults(handler=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
