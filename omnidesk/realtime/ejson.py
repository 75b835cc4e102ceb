"""EJSON, the JSON dialect DDP speaks: dates travel as ``{"$date": <milliseconds since the epoch>}``.

Only dates matter to the livechat clients; binary values and custom types are not used.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from omnidesk.input_rules import loads_json


def date(moment: datetime) -> dict[str, int]:
    return {"$date": int(moment.timestamp() * 1000)}


def to_ejson(value: Any) -> Any:
    """``value`` with every datetime, at any depth, turned into an EJSON date."""
    if isinstance(value, datetime):
        return date(value)
    if isinstance(value, dict):
        return {key: to_ejson(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_ejson(item) for item in value]
    return value


def from_ejson(value: Any) -> Any:
    """``value`` with every EJSON date turned back into an aware UTC datetime."""
    if isinstance(value, dict):
        if (
            len(value) == 1
            and isinstance(value.get("$date"), int | float)
            and not isinstance(value.get("$date"), bool)
        ):
            return datetime.fromtimestamp(value["$date"] / 1000, tz=UTC)
        return {key: from_ejson(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_ejson(item) for item in value]
    return value


def dumps(frame: Any) -> str:
    return json.dumps(to_ejson(frame), separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """Parse one frame; raises ValueError on anything that is not JSON, or nested too deeply to walk."""
    try:
        return from_ejson(loads_json(text))
    except RecursionError:
        raise ValueError("nested too deeply") from None
