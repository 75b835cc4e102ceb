"""Settings as clients see them: a secret's value never leaves the server, not even encrypted."""

from __future__ import annotations

from typing import Any

from omnidesk.actions.settings import SECRET_MASK, SECRET_SETTINGS
from omnidesk.dates import iso
from omnidesk.models import Setting


def shown_value(setting: Setting) -> Any:
    """The value, or for a secret setting only whether one is set."""
    if setting.id in SECRET_SETTINGS:
        return SECRET_MASK if setting.value else ""
    return setting.value


def setting_shape(setting: Setting) -> dict[str, Any]:
    """A setting as Rocket.Chat's ``settings`` and ``livechat/appearance`` list it (its ISetting)."""
    shape = {
        "_id": setting.id,
        "value": shown_value(setting),
        "type": setting.type,
        "group": setting.group,
        "public": setting.public,
        "packageValue": setting.package_value,
        "_updatedAt": iso(setting.updated_at),
    }
    if setting.values:
        shape["values"] = setting.values
    return shape
