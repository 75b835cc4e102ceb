"""The rules every value from outside follows before it goes anywhere near the database.

One rule for text on both engines: a string with a NUL character or an unpaired UTF-16 surrogate
(``"\\ud800"`` in JSON) is refused. PostgreSQL cannot store a NUL in text at all and neither driver can
encode a lone surrogate; SQLite would store the NUL and cut the value short in its own functions.
Stripping them instead would change what the sender wrote, and no client needs either.

Numbers stay within what a JavaScript client can write exactly (``Number.MAX_SAFE_INTEGER``), which
also keeps every sum of two of them inside a 64-bit column or ``OFFSET``; nesting stays shallow, so
walking a value (here, in pydantic, in the encoder) cannot exhaust the stack.
"""

from __future__ import annotations

import json
import math
from typing import Any

from omnidesk.errors import InvalidParams

MAX_SAFE_INTEGER = 2**53 - 1
MAX_NESTING = 32


def loads_json(raw: str | bytes) -> Any:
    """``json.loads``, refusing as invalid JSON (a ValueError) a value nested deeper than Python's parser
    recurses: its RecursionError would otherwise escape every handler as a 500."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError(f"must NOT be nested more than {MAX_NESTING} levels deep") from None


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    if "\x00" in value:
        return "must NOT contain NUL characters"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "must NOT contain unpaired surrogates"
    return None


def check_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise InvalidParams(problem)
    return value


def check_value(value: Any, depth: int = 0) -> None:
    """Refuse a decoded JSON value (or a parsed form or query) that breaks a rule, anywhere inside."""
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise InvalidParams(f"must be <= {MAX_SAFE_INTEGER} and >= {-MAX_SAFE_INTEGER}")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidParams("must be a finite number")
    elif isinstance(value, dict | list | tuple):
        if depth >= MAX_NESTING:
            raise InvalidParams(f"must NOT be nested more than {MAX_NESTING} levels deep")
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    check_text(key)
                check_value(item, depth + 1)
        else:
            for item in value:
                check_value(item, depth + 1)
