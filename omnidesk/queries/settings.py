"""Reading workspace settings from code."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk import defaults
from omnidesk.models import Setting


def setting_value(session: Session, setting_id: str) -> Any:
    """The current value of a seeded setting (its shipped default if the row is missing)."""
    setting = session.get(Setting, setting_id)
    if setting is not None:
        return setting.value
    return defaults.SETTINGS[setting_id].value
