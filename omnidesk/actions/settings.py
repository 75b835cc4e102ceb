"""Writes to workspace settings, with each value checked against its setting's type."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk.errors import ApiError
from omnidesk.events import SettingChanged, send_event_on_commit
from omnidesk.models import Setting


def validate_setting_value(setting: Setting, value: Any) -> Any:
    valid = {
        "boolean": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "select": isinstance(value, str) and value in [option["key"] for option in setting.values or []],
    }.get(setting.type, False)
    if not valid:
        expected = {
            "boolean": "a boolean",
            "int": "an integer",
            "string": "a string",
            "select": "one of " + ", ".join(str(option["key"]) for option in setting.values or []),
        }.get(setting.type, setting.type)
        raise ApiError("error-invalid-setting-value", f"The value of {setting.id} must be {expected}")
    return value


def set_setting(session: Session, *, setting: Setting, value: Any) -> Setting:
    setting.value = validate_setting_value(setting, value)
    session.flush()
    send_event_on_commit(session, SettingChanged(setting_id=setting.id, value=setting.value))
    return setting
