"""The hottest reads, run through the database driver on the session's own connection.

A page of 25 contacts is five statements of ``WHERE … IN (ids)``. Through SQLAlchemy each one is
compiled from its cache key, its expanding ``IN`` rendered, its result wrapped and every value passed
through the type's processor (on SQLite a regular expression per date), several times what the same
statements cost through the driver (docs/benchmarks.md). So these statements are written once per
dialect from the models' own columns, run on the driver's cursor inside the session's transaction,
and their rows converted here: dates to aware UTC datetimes (``fromisoformat``, as ``db.UTCDateTime``
would hand them back), any other type through SQLAlchemy's own processor for it (SQLite's JSON and
booleans; psycopg converts its own). The rows are named tuples whose fields are the columns'
attribute names.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from omnidesk.db import UTCDateTime

Converter = Callable[[Any], Any]


def _utc_moment(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class DriverSelect:
    """``SELECT columns FROM their table WHERE key IN (ids) [ORDER BY …]``, run through the driver."""

    def __init__(self, columns: Sequence[Any], *, key: Any, order_by: Sequence[Any] = ()) -> None:
        self._columns = [_column(column) for column in columns]
        self._key = _column(key)
        self._order_by = [_column(column) for column in order_by]
        self.row: Any = namedtuple("Row", [str(column.key) for column in columns])  # type: ignore[misc]
        self._prepared: dict[str, tuple[str, str, list[tuple[int, Converter]]]] = {}

    def rows(self, session: Session, ids: Sequence[Any]) -> list[Any]:
        if not ids:
            return []
        connection = session.connection()
        sql, mark, conversions = self._for(connection.dialect)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql.replace("{ids}", ", ".join([mark] * len(ids))), tuple(ids))
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        make = self.row._make
        if not conversions:
            return [make(values) for values in fetched]
        converted = [list(values) for values in fetched]
        for index, convert in conversions:  # column by column, only those that need it
            for values in converted:
                values[index] = convert(values[index])
        return [make(values) for values in converted]

    def _for(self, dialect: Dialect) -> tuple[str, str, list[tuple[int, Converter]]]:
        prepared = self._prepared.get(dialect.name)
        if prepared is None:
            quote = dialect.identifier_preparer.quote
            table = quote(self._key.table.name)
            sql = (
                f"SELECT {', '.join(quote(column.name) for column in self._columns)} FROM {table} "
                f"WHERE {quote(self._key.name)} IN ({{ids}})"
            )
            if self._order_by:
                sql += " ORDER BY " + ", ".join(quote(column.name) for column in self._order_by)
            if dialect.paramstyle == "qmark":
                mark = "?"
            elif dialect.paramstyle in ("format", "pyformat"):
                mark = "%s"
            else:  # pragma: no cover - the two drivers Omnidesk runs on are above
                raise NotImplementedError(dialect.paramstyle)
            converters = [_converter(column, dialect) for column in self._columns]
            prepared = (
                sql,
                mark,
                [(index, each) for index, each in enumerate(converters) if each is not None],
            )
            self._prepared[dialect.name] = prepared
        return prepared


def _column(column: Any) -> Column[Any]:
    """A table column, from itself or from a model's attribute."""
    return column if isinstance(column, Column) else column.property.columns[0]


def _converter(column: Column[Any], dialect: Dialect) -> Converter | None:
    if isinstance(column.type, UTCDateTime):
        return _utc_moment
    implementation = column.type.dialect_impl(dialect)
    return implementation.result_processor(dialect, None)
