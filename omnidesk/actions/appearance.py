"""Writes to the widget's appearance (``livechat/appearance``): a batch of Rocket.Chat's appearance
settings, each checked by its type before any is saved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.actions.settings import set_setting
from omnidesk.defaults import APPEARANCE_SETTINGS
from omnidesk.errors import ApiError
from omnidesk.models import Setting


@dataclass(frozen=True)
class AppearanceChange:
    setting_id: str
    value: Any


def _as_type(setting: Setting, value: Any) -> Any:
    """Rocket.Chat's admin form sends a number field's value as the text typed and a toggle as "true" or
    "false"; those two forms are read as the number and the boolean. Anything else is checked as sent
    (Rocket.Chat turns what it cannot read into 0 or false; here it is refused)."""
    if setting.type == "int" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if setting.type == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if setting.type == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def save_appearance(session: Session, *, changes: Sequence[AppearanceChange]) -> list[Setting]:
    """Save every change, or none: an unknown id is refused before anything is written, and a value
    its setting refuses fails the whole request (its transaction rolls back)."""
    unknown = [change.setting_id for change in changes if change.setting_id not in APPEARANCE_SETTINGS]
    if unknown:
        raise ApiError("invalid-setting", f"{unknown[0]} is not an appearance setting")
    saved = []
    for change in changes:
        setting = session.get(Setting, change.setting_id)
        if setting is None:  # seeded by ensure_defaults: only a database never bootstrapped lacks it
            raise ApiError("invalid-setting", f"{change.setting_id} is not an appearance setting")
        value = _as_type(setting, change.value)
        if value == setting.value and type(value) is type(setting.value):
            continue  # unchanged: no write and no notice, as Rocket.Chat skips it
        saved.append(set_setting(session, setting=setting, value=value))
    return saved
