"""The dashboard's SVG charts (web/charts.py): scale, escaping, durations."""

from __future__ import annotations

from datetime import date, timedelta

from omnidesk.web import charts


def test_bars_scale_to_round_gridlines_and_escape_every_label() -> None:
    days = [date(2026, 11, 1) + timedelta(days=offset) for offset in range(3)]
    series = [
        charts.Series("<script>alert(1)</script>", [3, 0, 30], "#123456"),
        charts.Series("api", [1, 0, 3], '"><b>'),
    ]
    svg = str(charts.stacked_bars(days, series, title="Chats & calls", description="a < b"))
    assert svg.startswith('<svg class="chart"') and svg.endswith("</svg>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg
    assert "Chats &amp; calls" in svg and "a &lt; b" in svg
    assert ">40</text>" in svg and ">10</text>" in svg  # 33 at most: gridlines at 0, 10, 20, 30, 40
    assert svg.count("<rect") == 4  # empty segments are not drawn


def test_a_donut_shows_its_total_and_survives_no_data() -> None:
    svg = str(
        charts.donut([("Answered", 3, "#0a0"), ("Missed", 1, "#a00")], title="Calls", center_label="calls")
    )
    assert ">4</text>" in svg and "Answered: 3" in svg
    empty = str(charts.donut([("Answered", 0, "#0a0")], title="Calls", center_label="calls"))
    assert ">0</text>" in empty and "stroke-dasharray" not in empty


def test_nice_ceiling_and_durations() -> None:
    assert [charts.nice_ceiling(value) for value in (0, 1, 3, 7, 12, 51)] == [1, 1, 5, 10, 20, 100]
    assert charts.format_duration(None) == "—"
    assert charts.format_duration(42.4) == "42 s"
    assert charts.format_duration(185) == "3 min 5 s"
    assert charts.format_duration(838) == "13 min"
    assert charts.format_duration(2 * 3600 + 600) == "2 h 10 min"
    assert charts.format_duration(28 * 3600) == "1 d 4 h"
