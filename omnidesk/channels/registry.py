"""The messaging channels by type: adding one means a new module (intake, signature, ``send``, its config
schema, described by one ``ChannelModule``) and one line here.

An account's provider settings are one ``messaging_channels`` row: its ``config`` document (encrypted
whole) holds the module's config but for the routing value, which is the column the module names.
``config_of`` and ``store_config`` are the only readers and writers of both.
"""

from __future__ import annotations

from typing import Any

from omnidesk.channels import sms_twilio, whatsapp_cloud
from omnidesk.channels.config import ConfigT
from omnidesk.channels.transports import ChannelModule, TransportError
from omnidesk.models import MessagingChannel

CHANNELS: dict[str, ChannelModule[Any]] = {
    "sms": sms_twilio.CHANNEL,
    "whatsapp": whatsapp_cloud.CHANNEL,
}


def module_for(channel_type: str) -> ChannelModule[Any]:
    module = CHANNELS.get(channel_type)
    if module is None:
        raise TransportError(f"No transport for {channel_type!r} channels", permanent=True)
    return module


def config_of(channel: MessagingChannel, module: ChannelModule[ConfigT]) -> ConfigT:
    """The account's settings in its module's schema (``module`` is ``module_for(channel.type)``, named
    by a caller that knows which, so the config comes back typed)."""
    assert module.type == channel.type, f"a {channel.type} channel read as {module.type}"
    routing = getattr(channel, module.routing_field) if module.routing_field is not None else None
    return module.load(channel.config, routing)


def store_config(channel: MessagingChannel, module: ChannelModule[ConfigT], config: ConfigT) -> None:
    """Write the account's settings: a new document (encrypted on flush) and the routing column."""
    document, routing = module.dump(config)
    channel.config = document
    if module.routing_field is not None:
        setattr(channel, module.routing_field, routing)
