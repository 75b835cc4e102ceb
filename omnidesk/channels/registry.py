"""The messaging channels by type: adding one means a new module with a ``send`` and one line here."""

from __future__ import annotations

from omnidesk.channels import sms_twilio, whatsapp_cloud
from omnidesk.channels.transports import Send, TransportError

TRANSPORTS: dict[str, Send] = {
    "sms": sms_twilio.send,
    "whatsapp": whatsapp_cloud.send,
}


def transport_for(channel_type: str) -> Send:
    send = TRANSPORTS.get(channel_type)
    if send is None:
        raise TransportError(f"No transport for {channel_type!r} channels", permanent=True)
    return send
