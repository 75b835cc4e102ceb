"""Every string and integer column has a bound, and a flush checks it the same way on both engines.

PostgreSQL refuses a ``VARCHAR(n)`` value over ``n`` characters or an ``INTEGER`` over 32 bits with
an error mid-transaction; SQLite stores either silently. Checking before the flush gives both one
behaviour: a 400 that names the column, and nothing written. ``String(n)`` columns are bounded by
their length; ``Text`` columns by ``info={"max_length": n}`` or ``TEXT_MAX_LENGTH``. The API's own
schemas bound the fields a client sees (with Rocket.Chat's texts); this is the floor under all of them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String, event, inspect
from sqlalchemy.orm import Mapper, Session

from omnidesk.errors import InvalidParams
from omnidesk.input_rules import text_problem

TEXT_MAX_LENGTH = 65_535

_INTEGER_BITS = ((BigInteger, 64), (SmallInteger, 16), (Integer, 32))

# Per mapped class: (attribute, maximum length or None, integer bound or None).
_Bound = tuple[str, int | None, int | None]
_bounds_by_mapper: dict[Mapper[Any], list[_Bound]] = {}


def _bounds(mapper: Mapper[Any]) -> list[_Bound]:
    found = _bounds_by_mapper.get(mapper)
    if found is None:
        found = []
        for attribute in mapper.column_attrs:
            column = attribute.columns[0]
            column_type = column.type
            implementation = getattr(column_type, "impl", column_type)  # a TypeDecorator's own type
            if isinstance(implementation, String):
                length = implementation.length or column.info.get("max_length", TEXT_MAX_LENGTH)
                found.append((attribute.key, length, None))
            else:
                bits = next((bits for kind, bits in _INTEGER_BITS if isinstance(implementation, kind)), None)
                if bits is not None:
                    found.append((attribute.key, None, 2 ** (bits - 1) - 1))
        _bounds_by_mapper[mapper] = found
    return found


def check_object(target: object) -> None:
    state = inspect(target)
    values = state.dict
    for key, max_length, max_integer in _bounds(state.mapper):
        value = values.get(key)
        if value is None:
            continue
        if max_length is not None and isinstance(value, str):
            if len(value) > max_length:
                raise InvalidParams(f"{key} must NOT have more than {max_length} characters")
            problem = text_problem(value)
            if problem:
                raise InvalidParams(f"{key} {problem}")
        elif (
            max_integer is not None
            and isinstance(value, int)
            and not -max_integer - 1 <= value <= max_integer
        ):
            raise InvalidParams(f"{key} must be <= {max_integer}")


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for target in session.new:
        check_object(target)
    for target in session.dirty:
        check_object(target)


def check_column_limits(sessions: Any) -> None:
    """Check every object a session of ``sessions`` (a sessionmaker) is about to write."""
    event.listen(sessions, "before_flush", _before_flush)
