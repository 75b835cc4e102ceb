"""The voice providers by name: adding one means a new module (what its webhooks mean, its config
schema, described by one ``VoiceProvider``), one line here, and the routes its webhooks arrive on.

A line's provider settings are its ``voice_lines`` row's ``config`` document, encrypted whole; the
number calls arrive on is a column of its own. ``line_config_of`` and ``store_line_config`` are the
only readers and writers of the document.
"""

from __future__ import annotations

from typing import Any

from omnidesk.channels import voice_twilio
from omnidesk.channels.config import ConfigT
from omnidesk.channels.voice import VoiceProvider
from omnidesk.errors import ApiError
from omnidesk.models import VoiceLine

PROVIDERS: dict[str, VoiceProvider[Any]] = {
    "twilio": voice_twilio.PROVIDER,
}


def provider_for(name: str) -> VoiceProvider[Any]:
    provider = PROVIDERS.get(name)
    if provider is None:
        raise ApiError("error-invalid-params", f"Unknown voice provider {name!r}")
    return provider


def line_config_of(line: VoiceLine, provider: VoiceProvider[ConfigT]) -> ConfigT:
    """The line's settings in its provider's schema (``provider`` is ``provider_for(line.provider)``,
    named by a caller that knows which, so the config comes back typed)."""
    assert provider.provider == line.provider, f"a {line.provider} line read as {provider.provider}"
    return provider.load(line.config)


def store_line_config(line: VoiceLine, provider: VoiceProvider[ConfigT], config: ConfigT) -> None:
    """Write the line's settings: a new document, encrypted on flush."""
    assert provider.provider == line.provider, f"a {line.provider} line written as {provider.provider}"
    line.config = provider.dump(config)
