"""Input schemas and their errors in Rocket.Chat's words.

Rocket.Chat validates with AJV and answers ``"<ajv message> [invalid-params]"``, reporting the first
failure in AJV's keyword order: a missing property before an unknown one before a wrong type. Bodies
are strict (``"1"`` is not a number), as AJV without type coercion; query strings are coerced, as
Rocket.Chat's ``ajvQuery``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from omnidesk.errors import InvalidParams, InvalidQuery
from omnidesk.input_rules import check_value, loads_json


class Body(BaseModel):
    """A JSON body. Its text, numbers and nesting follow ``omnidesk.input_rules`` before any field is
    read, free-form objects (custom fields) included."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _follows_input_rules(cls, data: Any) -> Any:
        check_value(data)
        return data


class QueryParams(BaseModel):
    """A query string. NUL characters never get this far (``api/request_limits``); the numbers it
    holds once coerced are checked here."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _follows_input_rules(self) -> QueryParams:
        for value in self.__dict__.values():
            check_value(value)
        return self


QueryT = TypeVar("QueryT", bound=QueryParams)


_TYPE_WORDS = {
    "string_type": "string",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "int_type": "integer",
    "int_parsing": "integer",
    "int_from_float": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "list_type": "array",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
}

# AJV checks "required" before "additionalProperties" before the properties' own keywords.
_PRECEDENCE = {"missing": 0, "extra_forbidden": 1}


def _ajv_message(error: dict[str, Any]) -> str:
    kind = error["type"]
    location = [part for part in error["loc"] if part not in ("body", "query")]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"must have required property '{location[-1]}'" if location else "must be object"
    if kind == "extra_forbidden":
        return "must NOT have additional properties"
    if kind == "json_invalid":
        return "must be valid JSON"
    if kind in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[kind]}"
    if kind == "string_too_short":
        return f"must NOT have fewer than {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"must NOT have more than {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"must NOT have fewer than {ctx.get('min_length')} items"
    if kind == "too_long":
        return f"must NOT have more than {ctx.get('max_length')} items"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        comparator = {
            "greater_than_equal": ">=",
            "greater_than": ">",
            "less_than_equal": "<=",
            "less_than": "<",
        }
        limit = next(iter(ctx.values()), "")
        return f"must be {comparator[kind]} {limit}"
    if kind in ("literal_error", "enum"):
        return "must be equal to one of the allowed values"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "is invalid")))
    return str(error.get("msg", "is invalid")).lower()


def invalid_params_from(errors: Sequence[Any]) -> InvalidParams:
    if not errors:
        return InvalidParams("must be object")
    first = min(errors, key=lambda error: _PRECEDENCE.get(error["type"], 2))
    return InvalidParams(_ajv_message(first))


def parse_query(model: type[QueryT], params: Mapping[str, Any], *, lists: Collection[str] = ()) -> QueryT:
    """Validate a query string into ``model``. Array parameters come as ``name=a&name=b`` or in the
    ``name[]=a`` form Rocket.Chat's clients send; both are accepted for the names in ``lists``."""
    getlist = getattr(params, "getlist", None)
    values: dict[str, Any] = {}
    for key in params:
        name = key[:-2] if key.endswith("[]") else key
        if name in lists:
            found = getlist(key) if getlist else [params[key]]
            values[name] = [*values.get(name, []), *found]
        else:
            values[name] = params[key]
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise invalid_params_from(error.errors()) from None


def parse_instant(raw: str) -> datetime:
    """An ISO 8601 date-time from a body; one without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParams('must match format "date-time"') from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_date_range(raw: str | None, name: str) -> tuple[datetime | None, datetime | None]:
    """A ``{"start", "end"}`` JSON query parameter (either end optional), with Rocket.Chat's texts for
    a value that is not JSON or a bound that is not a date."""
    if not raw:
        return None, None
    try:
        parsed = loads_json(raw)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise InvalidQuery(f'The "{name}" query parameter must be a valid JSON.')
    bounds: list[datetime | None] = []
    for end in ("start", "end"):
        value = parsed.get(end)
        try:
            bounds.append(parse_instant(str(value)) if value is not None else None)
        except InvalidParams:
            raise InvalidQuery(f'The "{name}.{end}" query parameter must be a valid date.') from None
    return bounds[0], bounds[1]
