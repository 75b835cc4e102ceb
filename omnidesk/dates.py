"""Rocket.Chat's date format on the wire."""

from __future__ import annotations

from datetime import datetime


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and a Z (REST answers, message extras)."""
    if moment is None:
        return None
    # Our columns hand back UTC; isoformat is much cheaper than strftime, and a page of contacts formats
    # over a hundred dates.
    return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
