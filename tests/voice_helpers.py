"""Helpers shared by the voice tests: Twilio's side of the webhooks (signed, form-encoded callbacks
for one line) and voice lines connected through the API."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from omnidesk.channels import voice_twilio
from omnidesk.channels.voice_registry import store_line_config
from omnidesk.models import VoiceLine
from omnidesk.services import Services
from tests.helpers import Persona

TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
LINE_NUMBER = "+15550100000"
CALLER = "+15550102233"
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

LINE_SID = "AC" + "0123456789abcdef" * 2
LINE_TOKEN = "0123456789abcdef0123456789abwxyz"


def sign(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Twilio: the URL, then each parameter name followed by its value, names sorted (a repeated name's
    distinct values sorted too); HMAC-SHA1 with the auth token; base64."""
    text = url
    for name in sorted({name for name, _ in params}):
        for value in sorted({value for other, value in params if other == name}):
            text += name + value
    return base64.b64encode(hmac.new(auth_token.encode(), text.encode(), hashlib.sha1).digest()).decode()


class Twilio:
    """Plays Twilio's side: posts signed, form-encoded webhooks for one line."""

    def __init__(self, client: TestClient, public_url: str, line_id: str, token: str = TOKEN) -> None:
        self.client, self.public_url, self.line_id, self.token = client, public_url, line_id, token

    def path(self, hook: str, query: str = "") -> str:
        return f"/api/v1/omnichannel/voice/twilio/{self.line_id}/{hook}" + (f"?{query}" if query else "")

    def post(
        self, hook: str, params: dict[str, str], *, query: str = "", signature: str | None = None
    ) -> Any:
        path = self.path(hook, query)
        items = list(params.items())
        if signature is None:
            signature = sign(self.token, self.public_url + path, items)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        return self.client.post(path, content=urlencode(items), headers=headers)


def make_line(services: Services, *, number: str = LINE_NUMBER, queue: str = "support") -> str:
    with services.transaction() as session:
        line = VoiceLine(phone_number=number, provider="twilio", queue=queue)
        config = voice_twilio.TwilioVoiceConfig(account_sid="AC" + "ab" * 16, auth_token=TOKEN)
        store_line_config(line, voice_twilio.PROVIDER, config)
        session.add(line)
        session.flush()
        return line.id


def stamp(seconds: int) -> str:
    return format_datetime(T0 + timedelta(seconds=seconds))


def incoming(sid: str, *, caller: str = CALLER, **extra: str) -> dict[str, str]:
    return {
        "CallSid": sid,
        "AccountSid": "AC" + "ab" * 16,
        "From": caller,
        "To": LINE_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "FromCity": "SPRINGFIELD",
        "FromCountry": "US",
        "CallToken": "%7B%22parentCallInfoToken%22%3A%22eyJ...",
        **extra,
    }


def status(sid: str, call_status: str, at: int, sequence: int, **extra: str) -> dict[str, str]:
    return {
        **incoming(sid),
        "CallStatus": call_status,
        "Timestamp": stamp(at),
        "SequenceNumber": str(sequence),
        "CallbackSource": "call-progress-events",
        **extra,
    }


def new_line(admin: Persona, **fields: Any) -> dict[str, Any]:
    body = {
        "phoneNumber": "+1 (555) 010-0000",
        "provider": "twilio",
        "accountSid": LINE_SID,
        "authToken": LINE_TOKEN,
        "queue": "support",
        **fields,
    }
    response = admin.post("/api/v1/omnichannel/voice.lines", json=body)
    assert response.status_code == 200, response.text
    line: dict[str, Any] = response.json()["line"]
    return line


def ring(services: Services, admin: Persona, line: dict[str, Any], token: str) -> Any:
    """An incoming-call webhook signed with ``token``, the way Twilio signs it."""
    params = {
        "CallSid": "CA" + "f" * 32,
        "From": "+15550102233",
        "To": line["phoneNumber"],
        "Direction": "inbound",
    }
    url = line["webhookUrl"]
    payload = url + "".join(name + params[name] for name in sorted(params))
    signature = base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()
    path = url.removeprefix(services.settings.public_url)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return admin.client.post(path, content=urlencode(params), headers=headers)
