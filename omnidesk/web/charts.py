"""Small server-side SVG charts: stacked bars per day and a donut. No JavaScript, no library.

Each chart is an ``<svg role="img">`` with a title and a description that reads out the numbers, drawn
in a viewBox so it scales with its container. Every text that reaches the markup is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

# Distinguishable on white and for the common colour-vision deficiencies (Okabe-Ito based).
PALETTE = ("#2563eb", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7a5cfa", "#6b7385")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]
    color: str


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def _day_label(day: date) -> str:
    return f"{day.strftime('%b')} {day.day}"


def _attributes(**values: object) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(str(value))}"' for name, value in values.items()
    )


def stacked_bars(
    days: Sequence[date],
    series: Sequence[Series],
    *,
    title: str,
    description: str,
    width: int = 720,
    height: int = 260,
) -> Markup:
    """One bar per day, its segments stacked in the order of ``series``."""
    left, right, top, bottom = 36, 22, 12, 28  # room for the last day's label
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(item.values[index] for item in series) for index in range(len(days))]
    ceiling = 4 * nice_ceiling(max(totals, default=0) / 4)  # four gridlines at round values
    slot = plot_w / max(len(days), 1)
    bar_w = max(slot * 0.68, 2)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" preserveAspectRatio="xMidYMid meet" '
        f"{_attributes(aria_label=title)}>",
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>",
    ]
    for step in range(5):  # gridlines and their values
        value = ceiling * step / 4
        y = top + plot_h - plot_h * step / 4
        label = str(int(value))
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(label)}</text>'
        )
    label_every = max(1, math.ceil(len(days) / 8))
    for index, day in enumerate(days):
        x = left + slot * index + (slot - bar_w) / 2
        y = top + plot_h
        for item in series:
            value = item.values[index]
            if not value:
                continue
            h = plot_h * value / ceiling
            y -= h
            tip = f"{_day_label(day)}: {value} {item.label}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{escape(item.color)}" rx="1.5"><title>{escape(tip)}</title></rect>'
            )
        if (len(days) - 1 - index) % label_every == 0:
            parts.append(
                f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{height - 8}" text-anchor="middle">'
                f"{escape(_day_label(day))}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def donut(parts: Sequence[tuple[str, int, str]], *, title: str, center_label: str, size: int = 180) -> Markup:
    """A ring split between ``(label, value, colour)`` parts, with the total in the middle."""
    total = sum(value for _, value, _ in parts)
    radius, stroke = size / 2 - 14, 22
    circumference = 2 * math.pi * radius
    centre = size / 2
    description = ", ".join(f"{label}: {value}" for label, value, _ in parts) or "No data"
    svg = [
        f'<svg class="chart donut" viewBox="0 0 {size} {size}" role="img" {_attributes(aria_label=title)}>',
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>",
        f'<circle cx="{centre}" cy="{centre}" r="{radius:.1f}" fill="none" stroke="#eef1f6" '
        f'stroke-width="{stroke}"/>',
    ]
    offset = 0.0
    for label, value, color in parts:
        if not value:
            continue
        length = circumference * value / total
        svg.append(
            f'<circle cx="{centre}" cy="{centre}" r="{radius:.1f}" fill="none" stroke="{escape(color)}" '
            f'stroke-width="{stroke}" stroke-dasharray="{length:.2f} {circumference - length:.2f}" '
            f'stroke-dashoffset="{-offset:.2f}" transform="rotate(-90 {centre} {centre})">'
            f"<title>{escape(f'{label}: {value}')}</title></circle>"
        )
        offset += length
    svg.append(
        f'<text class="donut-total" x="{centre}" y="{centre + 2}" text-anchor="middle">{total}</text>'
        f'<text class="axis" x="{centre}" y="{centre + 22}" text-anchor="middle">'
        f"{escape(center_label)}</text>"
    )
    svg.append("</svg>")
    return Markup("".join(svg))


def format_duration(seconds: float | None) -> str:
    """``42 s``, ``3 min 5 s``, ``14 min``, ``2 h 10 min``, ``1 d 4 h``; an em dash without data."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        # Seconds matter for a quick answer, not for a long wait.
        return f"{minutes} min {secs} s" if secs and minutes < 10 else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
