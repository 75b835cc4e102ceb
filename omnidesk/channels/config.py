"""What every provider module's settings have in common, whatever the channel (messaging, voice, email):
the base of its config schema, how the REST API names a setting, and how it shows a secret.

Each module declares its schema as a ``ChannelConfig``; a row holds it as one ``EncryptedJSON``
document, read and written only by its kind's pair of functions (``registry`` for messaging channels,
``voice_registry`` for voice lines, ``email_inbox`` for email inboxes).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

MASK = "********"


class ChannelConfig(BaseModel):
    """The base of each provider module's config schema: what an account needs of its provider. Frozen;
    a stored document's unknown keys are ignored, a field it lacks takes its default."""

    model_config = ConfigDict(frozen=True, extra="ignore")


ConfigT = TypeVar("ConfigT", bound=ChannelConfig)


def load_document(config_type: type[ConfigT], document: dict[str, Any] | None) -> ConfigT:
    return config_type.model_validate(document or {})


def dump_document(config: ChannelConfig) -> dict[str, Any]:
    """The document to store: a setting that is None is left out, so a later schema's default holds."""
    return config.model_dump(exclude_none=True)


def api_name(field: str) -> str:
    """A config field as the REST API names it: ``account_sid`` is ``accountSid``."""
    first, *rest = field.split("_")
    return first + "".join(part.capitalize() for part in rest)


def mask_secret(secret: str) -> str:
    """What the API shows of a saved secret: enough to tell two apart, not to use one."""
    return MASK + secret[-4:] if len(secret) > 8 else MASK
