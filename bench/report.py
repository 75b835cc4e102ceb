"""``python -m bench report RESULTS... --chart FILE.svg``: the tables of docs/benchmarks.md and a chart
of latency against dataset size, from the JSON files ``python -m bench run --output`` writes."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from statistics import mean
from typing import Any

Results = dict[str, Any]
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _size(count: int) -> str:
    contacts = _nominal(count)
    if contacts >= 1_000_000:
        return f"{contacts / 1_000_000:.3g} M"
    return f"{round(contacts / 1000):,} k" if contacts >= 1000 else str(int(contacts))


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _ordered(runs: Sequence[Results]) -> list[Results]:
    return sorted(runs, key=lambda found: (list(ENGINES).index(found["engine"]), found["contacts"]))


def _searches(found: Results) -> list[dict[str, Any]]:
    return [read for name, read in found["reads"].items() if name.startswith("contacts.search")]


def _rooms(found: Results) -> list[dict[str, Any]]:
    return [read for name, read in found["reads"].items() if name.startswith("livechat/rooms")]


# --- tables ---------------------------------------------------------------------------------------------


def reads_table(runs: Sequence[Results], engine: str) -> str:
    mine = [found for found in _ordered(runs) if found["engine"] == engine]
    lines = [
        "| measurement | contacts | p50 | p95 | p99 | req/s | in-process p50 | raw floor p50 (its count) "
        "| API ÷ floor | peers' scan p50 | scan ÷ API | found (API / scan) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    names = list(mine[0]["reads"]) if mine else []
    for name in names:
        for found in mine:
            read = found["reads"].get(name)
            if read is None:
                continue
            api, floor, peers = read["api"], read["floor"], read.get("peers") or {}
            peers_p50 = peers.get("p50")
            scan_ratio = f"{peers_p50 / api['p50']:,.0f}x" if peers_p50 else "-"
            scan_hits = read["hits"].get("peers")
            scan_found = f" / {scan_hits:,.1f}" if scan_hits is not None else ""
            count_p50 = (read.get("floor_count") or {}).get("p50")
            counted = f" ({_ms(count_p50)})" if count_p50 else ""
            lines.append(
                f"| {name} | {_size(found['contacts'])} | {_ms(api['p50'])} | {_ms(api['p95'])} "
                f"| {_ms(api['p99'])} | {read['throughput']:,.0f} "
                f"| {_ms((read.get('in_process') or {}).get('p50'))} | {_ms(floor['p50'])}{counted} "
                f"| {api['p50'] / max(floor['p50'], 1e-6):.1f}x | {_ms(peers_p50)} "
                f"| {scan_ratio} "
                f"| {read['hits']['api']:,.1f}{scan_found} |"
            )
    return "\n".join(lines)


def ingestion_table(runs: Sequence[Results]) -> str:
    lines = [
        "| engine | contacts | visitors | acknowledged msg/s | p50 | p95 | p99 | stored / acknowledged "
        "| opening a chat p50 | a request doing nothing, same clients: req/s |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for found in _ordered(runs):
        ingestion = found["ingestion"]
        latency = ingestion["latency"]
        lines.append(
            f"| {ENGINES[found['engine']]} | {_size(found['contacts'])} | {ingestion['visitors']} "
            f"| {ingestion['per_second']:,.0f} | {_ms(latency['p50'])} | {_ms(latency['p95'])} "
            f"| {_ms(latency['p99'])} | {ingestion['stored']:,} / {ingestion['acknowledged']:,} "
            f"| {_ms(ingestion.get('room_open', {}).get('p50'))} "
            f"| {_rate(ingestion.get('ceiling_per_second'))} |"
        )
    return "\n".join(lines)


def realtime_table(runs: Sequence[Results]) -> str:
    lines = [
        "| engine | contacts | open conversations | delivered | p50 | p95 | p99 | send acknowledged p50 |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for found in _ordered(runs):
        live = found["realtime"]
        delivery = live["delivery"]
        lines.append(
            f"| {ENGINES[found['engine']]} | {_size(found['contacts'])} | {live['conversations']:,} "
            f"| {live['delivered']:,} / {live['sent']:,} | {_ms(delivery.get('p50'))} "
            f"| {_ms(delivery.get('p95'))} | {_ms(delivery.get('p99'))} | {_ms(live['ack'].get('p50'))} |"
        )
    return "\n".join(lines)


def round_trip_table(runs: Sequence[Results]) -> str:
    lines = ["| engine | contacts | p50 | p95 | p99 |", "|---|--:|--:|--:|--:|"]
    for found in _ordered(runs):
        trip = (found.get("round_trip") or {}).get("api")
        if trip:
            lines.append(
                f"| {ENGINES[found['engine']]} | {_size(found['contacts'])} | {_ms(trip['p50'])} "
                f"| {_ms(trip['p95'])} | {_ms(trip['p99'])} |"
            )
    return "\n".join(lines)


def goals_table(runs: Sequence[Results]) -> str:
    """The issue's goals, judged on each engine's largest dataset."""
    lines = ["| goal | engine | contacts | measured | |", "|---|---|--:|--:|---|"]
    for engine, label in ENGINES.items():
        mine = [found for found in _ordered(runs) if found["engine"] == engine]
        if not mine:
            continue
        largest, smallest = mine[-1], mine[0]
        searches, rooms = _searches(largest), _rooms(largest)
        growth = [
            largest["reads"][name]["api"]["p50"] / smallest["reads"][name]["api"]["p50"]
            for name in largest["reads"]
            if name.startswith("contacts.search") and name in smallest["reads"]
        ]
        ratios = [read["api"]["p50"] / max(read["floor"]["p50"], 1e-6) for read in largest["reads"].values()]
        live = largest["realtime"]
        goals: list[tuple[str, float, Callable[[float], bool], str]] = [
            (
                "contacts.search p50 ≤ 5 ms (slowest kind)",
                max(r["api"]["p50"] for r in searches),
                _le(5),
                "ms",
            ),
            (
                "contacts.search p99 ≤ 20 ms (slowest kind)",
                max(r["api"]["p99"] for r in searches),
                _le(20),
                "ms",
            ),
            (
                "livechat/rooms p99 ≤ 30 ms (slowest filter)",
                max(r["api"]["p99"] for r in rooms),
                _le(30),
                "ms",
            ),
            ("ingestion ≥ 2,000 acknowledged msg/s", largest["ingestion"]["per_second"], _ge(2000), "/s"),
            (
                f"realtime p99 ≤ 50 ms ({live['conversations']:,} open conversations)",
                live["delivery"].get("p99", math.inf),
                _le(50),
                "ms",
            ),
            (
                f"search p50 at {_size(largest['contacts'])} ≤ 2 x at "
                f"{_size(smallest['contacts'])} (worst kind)",
                max(growth) if growth else math.nan,
                _le(2),
                "x",
            ),
            ("API p50 ≤ 3 x raw floor p50 (worst read)", max(ratios), _le(3), "x"),
        ]
        for text, value, good, unit in goals:
            verdict = "met" if good(value) else "**missed**"
            shown = f"{value:,.0f}{unit}" if unit == "/s" else f"{value:.1f} {unit}".replace(" x", "x")
            lines.append(f"| {text} | {label} | {_size(largest['contacts'])} | {shown} | {verdict} |")
    return "\n".join(lines)


def _le(bound: float) -> Callable[[float], bool]:
    return lambda value: value <= bound


def _ge(bound: float) -> Callable[[float], bool]:
    return lambda value: value >= bound


def markdown(runs: Sequence[Results]) -> str:
    parts = ["### Goals\n", goals_table(runs)]
    for engine, label in ENGINES.items():
        if any(found["engine"] == engine for found in runs):
            parts += [f"\n### Reads on {label} (milliseconds)\n", reads_table(runs, engine)]
    parts += [
        "\n### The HTTP round trip alone: `GET /api/info`, no database (milliseconds)\n",
        round_trip_table(runs),
    ]
    parts += ["\n### Ingestion (milliseconds)\n", ingestion_table(runs)]
    parts += ["\n### Realtime delivery, visitor to agent (milliseconds)\n", realtime_table(runs)]
    runs_line = ", ".join(
        sorted(
            {
                f"{ENGINES[found['engine']]} {found['database'].removeprefix('SQLite ')} "
                f"at {_size(found['contacts'])}: commit {found['commit']}"
                + (
                    f", `shared_buffers` {found['database_settings']['shared_buffers']}"
                    if found.get("database_settings", {}).get("shared_buffers")
                    else ""
                )
                + (
                    f", `sum(range(10**6))` in {found['machine']['python_speed_ms']} ms"
                    if found.get("machine", {}).get("python_speed_ms")
                    else ""
                )
                for found in runs
            }
        )
    )
    parts.append(f"\nRuns: {runs_line}.")
    return "\n".join(parts) + "\n"


# --- the chart -------------------------------------------------------------------------------------------

SERIES: list[tuple[str, str, Callable[[Results], float | None]]] = [
    (
        "contacts.search p50 (mean of 5 kinds)",
        "#1f77b4",
        lambda f: mean(r["api"]["p50"] for r in _searches(f)),
    ),
    ("contacts.search p99 (slowest kind)", "#6baed6", lambda f: max(r["api"]["p99"] for r in _searches(f))),
    ("search, raw floor p50", "#2ca02c", lambda f: mean(r["floor"]["p50"] for r in _searches(f))),
    (
        "peers' scan p50 (LIKE/ILIKE '%text%')",
        "#d62728",
        lambda f: mean(r["peers"]["p50"] for r in _searches(f) if r.get("peers", {}).get("n")),
    ),
    ("livechat/rooms p99 (slowest filter)", "#9467bd", lambda f: max(r["api"]["p99"] for r in _rooms(f))),
    ("realtime delivery p99", "#ff7f0e", lambda f: f["realtime"]["delivery"].get("p99")),
]
WIDTH, HEIGHT, PANEL = 960, 470, 400


def _nominal(contacts: int) -> float:
    """The size a dataset was generated at: each run's visitors add contacts (a few hundred), so the
    count is cut to two significant digits, never rounded up: 10,700 is 10 k, 1,000,300 is 1 M."""
    step = 10 ** max(len(str(contacts)) - 2, 0)
    return float(contacts // step * step)


def chart(runs: Sequence[Results]) -> str:
    engines = [engine for engine in ENGINES if any(found["engine"] == engine for found in runs)]
    sizes = sorted({_nominal(found["contacts"]) for found in runs})
    values = [value for found in runs for _n, _c, pick in SERIES if (value := pick(found))]
    low = 10 ** math.floor(math.log10(min(values, default=0.1)))
    high = 10 ** math.ceil(math.log10(max(values, default=1000)))
    x_low = 10 ** math.floor(math.log10(min(sizes, default=10_000)))
    x_high = 10 ** math.ceil(math.log10(max(sizes, default=1_000_000)))
    top, left_pad, plot_h = 40, 60, 300
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
    ]
    for index, engine in enumerate(engines):
        x0 = 40 + index * (PANEL + 80) + left_pad
        plot_w = PANEL - left_pad

        def x_of(size: float, x0: float = x0, plot_w: float = plot_w) -> float:
            return x0 + plot_w * (math.log10(size) - math.log10(x_low)) / (
                math.log10(x_high) - math.log10(x_low)
            )

        def y_of(ms: float) -> float:
            return top + plot_h * (
                1 - (math.log10(ms) - math.log10(low)) / (math.log10(high) - math.log10(low))
            )

        out.append(
            f'<text x="{x0 + plot_w / 2}" y="{top - 15}" text-anchor="middle" font-weight="bold">'
            f"{ENGINES[engine]}</text>"
        )
        decade = low
        while decade <= high:
            y = y_of(decade)
            out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
            out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{decade:g} ms</text>')
            decade *= 10
        for size in sizes:
            x = x_of(size)
            out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#eee"/>')
            out.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{_size(int(size))}</text>'
            )
        out.append(
            f'<text x="{x0 + plot_w / 2}" y="{top + plot_h + 34}" text-anchor="middle">'
            "contacts (log scale)</text>"
        )
        mine = [found for found in _ordered(runs) if found["engine"] == engine]
        for _name, color, pick in SERIES:
            points = [
                (x_of(_nominal(found["contacts"])), y_of(value)) for found in mine if (value := pick(found))
            ]
            if len(points) > 1:
                path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
                out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
            out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>' for x, y in points]
    for index, (name, color, _pick) in enumerate(SERIES):
        x, y = 100 + (index % 3) * 290, top + plot_h + 60 + (index // 3) * 20
        out.append(f'<rect x="{x}" y="{y - 9}" width="14" height="4" fill="{color}"/>')
        out.append(f'<text x="{x + 20}" y="{y - 4}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(args: argparse.Namespace) -> int:
    runs = [json.loads(Path(name).read_text(encoding="utf-8")) for name in args.results]
    tables = markdown(runs)
    if args.markdown:
        Path(args.markdown).write_text(tables, encoding="utf-8")
    else:
        print(tables)
    if args.chart:
        Path(args.chart).write_text(chart(runs), encoding="utf-8")
    return 0
