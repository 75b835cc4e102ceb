"""Custom field definitions, and the validator every write of custom-field values goes through.

Visitor-scope fields are the custom fields of contacts (and visitors); room-scope fields are the
``livechatData`` of rooms, edited in Room Information.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omnidesk.errors import ApiError, Failure
from omnidesk.models import CustomField
from omnidesk.phones import region_code
from omnidesk.queries.lists import custom_fields_for_scope
from omnidesk.queries.search import index as search_index
from omnidesk.queries.settings import contact_country_field

SCOPES = ("visitor", "room")
VISIBILITIES = ("visible", "hidden")
TYPES = ("input", "select")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
MAX_KEY = 120
MAX_LABEL = 200
MAX_REGEXP = 500
MAX_DEFAULT_VALUE = 500


# --- definitions ------------------------------------------------------------------------------------


def select_options(options: str) -> list[str]:
    """A select's choices, stored as Rocket.Chat does: one comma-separated string."""
    return [option.strip() for option in options.split(",") if option.strip()]


def _check_key(key: str) -> str:
    if not KEY_PATTERN.match(key) or len(key) > MAX_KEY:
        raise ApiError(
            "error-invalid-custom-field-name",
            "Invalid custom field name. Use only letters, numbers, hyphens and underscores.",
        )
    return key


def _check_label(label: str) -> str:
    label = label.strip()
    if not label:
        raise ApiError("error-invalid-custom-field-label", "The label of a custom field cannot be empty")
    if len(label) > MAX_LABEL:
        raise ApiError(
            "error-invalid-custom-field-label",
            f"The label of a custom field cannot be longer than {MAX_LABEL} characters",
        )
    return label


def _check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ApiError(
            f"error-invalid-custom-field-{what}", f"The {what} must be one of {', '.join(allowed)}"
        )
    return value


def _check_regexp(regexp: str) -> str:
    if len(regexp) > MAX_REGEXP:
        raise ApiError(
            "error-invalid-custom-field-regexp", f"The regexp cannot be longer than {MAX_REGEXP} characters"
        )
    try:
        re.compile(regexp)
    except re.error as error:
        raise ApiError("error-invalid-custom-field-regexp", f"Invalid regular expression: {error}") from None
    return regexp


def _check_definition(field: CustomField) -> None:
    """Checks that span several attributes, run on the definition as it will be saved."""
    if field.type == "select" and not select_options(field.options):
        raise ApiError("error-invalid-custom-field-options", "A select field needs at least one option")
    if len(field.default_value) > MAX_DEFAULT_VALUE:
        raise ApiError(
            "error-invalid-custom-field-default-value",
            f"The default value cannot be longer than {MAX_DEFAULT_VALUE} characters",
        )


def create_custom_field(
    session: Session,
    *,
    key: str,
    label: str,
    scope: str,
    visibility: str,
    type: str | None = None,
    regexp: str | None = None,
    required: bool | None = None,
    default_value: str | None = None,
    options: str | None = None,
    public: bool | None = None,
    searchable: bool | None = None,
) -> CustomField:
    key = _check_key(key)
    if session.get(CustomField, key) is not None:
        raise ApiError("error-custom-field-name-already-exists", "Custom field name already exists")
    field = CustomField(
        id=key,
        label=_check_label(label),
        scope=_check_choice(scope, SCOPES, "scope"),
        visibility=_check_choice(visibility, VISIBILITIES, "visibility"),
        type=_check_choice(type or "input", TYPES, "type"),
        regexp=_check_regexp(regexp or ""),
        required=bool(required),
        default_value=(default_value or "").strip(),
        options=(options or "").strip(),
        public=bool(public),
        searchable=bool(searchable),
    )
    _check_definition(field)
    try:
        # A savepoint, so that a concurrent create of the same key leaves the transaction usable.
        with session.begin_nested():
            session.add(field)
    except IntegrityError:
        raise ApiError("error-custom-field-name-already-exists", "Custom field name already exists") from None
    if field.scope == "visitor" and field.searchable:
        search_index.rebuild_all(session)  # contacts may hold values under this key already
    return field


def update_custom_field(
    session: Session,
    *,
    field: CustomField,
    label: str | None = None,
    scope: str | None = None,
    visibility: str | None = None,
    type: str | None = None,
    regexp: str | None = None,
    required: bool | None = None,
    default_value: str | None = None,
    options: str | None = None,
    public: bool | None = None,
    searchable: bool | None = None,
) -> CustomField:
    """Change what is given (None leaves an attribute as it is). The key never changes: values
    already stored under it would be orphaned."""
    was_searched = field.scope == "visitor" and field.searchable
    if label is not None:
        field.label = _check_label(label)
    if scope is not None:
        field.scope = _check_choice(scope, SCOPES, "scope")
    if visibility is not None:
        field.visibility = _check_choice(visibility, VISIBILITIES, "visibility")
    if type is not None:
        field.type = _check_choice(type, TYPES, "type")
    if regexp is not None:
        field.regexp = _check_regexp(regexp)
    if required is not None:
        field.required = required
    if default_value is not None:
        field.default_value = default_value.strip()
    if options is not None:
        field.options = options.strip()
    if public is not None:
        field.public = public
    if searchable is not None:
        field.searchable = searchable
    _check_definition(field)
    session.flush()
    if was_searched != (field.scope == "visitor" and field.searchable):
        search_index.rebuild_all(session)  # the contact search must start or stop finding its values
    return field


def delete_custom_field(session: Session, *, field: CustomField) -> None:
    """Remove a definition. Values stored under its key stay on contacts and rooms as legacy values
    (kept, no longer editable: see ``validate_custom_field_values``)."""
    was_searched = field.scope == "visitor" and field.searchable
    session.delete(field)
    session.flush()
    if was_searched:
        search_index.rebuild_all(session)


# --- values -----------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _compiled(regexp: str) -> re.Pattern[str] | None:
    try:
        return re.compile(regexp)
    except re.error:
        return None  # saved before validation existed, or by hand: no constraint rather than a 500


def _invalid_value(field: CustomField) -> ApiError:
    # Rocket.Chat's validateCustomFields throws a plain Error: its text alone is the answer.
    return Failure("error-invalid-custom-field-value", f"Invalid value for {field.label or field.id} field")


def _valid_value(field: CustomField, raw: Any) -> str:
    """The trimmed value, "" for an absent one; raises on a value the definition refuses."""
    if raw is None:
        value = ""
    elif isinstance(raw, str):
        value = raw.strip()
    else:
        raise _invalid_value(field)
    if not value:
        if field.required:
            raise _invalid_value(field)
        return ""
    # Rocket.Chat tests with RegExp.test: the pattern may match anywhere unless anchored.
    pattern = _compiled(field.regexp) if field.regexp else None
    if pattern is not None and pattern.search(value) is None:
        raise _invalid_value(field)
    if field.type == "select" and value not in select_options(field.options):
        raise _invalid_value(field)
    return value


def check_widget_value(field: CustomField, value: str) -> None:
    """A value the widget sets (``livechat/custom.field``): Rocket.Chat tests only the field's pattern
    there, and names the field by its key."""
    pattern = _compiled(field.regexp) if field.regexp else None
    if pattern is not None and pattern.search(value) is None:
        raise Failure("error-invalid-custom-field-value", f"Invalid value for {field.id} field")


def _valid_country(field: CustomField, value: str) -> str:
    """The contact's country (the field ``Omnichannel_Contact_Country_Field`` names), as its ISO 3166
    code: its phones are read there. A value kept from before is not checked again."""
    region = region_code(value)
    if region is None:
        raise Failure(
            "error-invalid-custom-field-value",
            f"Invalid value for {field.label or field.id} field: a country is written as its ISO 3166"
            f" code, such as DE or GB ({value[:60]!r} is not one)",
        )
    return region


def validate_custom_field_values(
    session: Session,
    *,
    scope: str,
    values: Mapping[str, Any],
    current: Mapping[str, Any] | None = None,
    ignore_unknown: bool = False,
) -> dict[str, Any]:
    """Check ``values`` against the definitions of ``scope`` and return the complete new dict.

    The result replaces the stored one: valid non-empty values of registered fields, plus the legacy
    values of ``current`` (keys whose definition was removed), which are kept as they are and cannot
    be changed. A registered optional field absent or empty in ``values`` is dropped. An unknown key
    that is not a legacy one is refused, or dropped with ``ignore_unknown``. ``None`` counts as empty.
    """
    current = current or {}
    definitions = custom_fields_for_scope(session, scope=scope)
    registered = {field.id for field in definitions}
    country_key = contact_country_field(session) if scope == "visitor" else ""
    result: dict[str, Any] = {}
    for field in definitions:
        value = _valid_value(field, values.get(field.id))
        if field.id == country_key and value and value != current.get(field.id):
            value = _valid_country(field, value)
        if value:
            result[field.id] = value
    for key in values:
        if key not in registered and key not in current and not ignore_unknown:
            raise Failure("error-custom-field-not-allowed", f"Custom field {key} is not allowed")
    for key, value in current.items():
        if key not in registered:
            result[key] = value
    return result
