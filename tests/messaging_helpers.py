"""Helpers for the SMS and WhatsApp tests: accounts, providers posting signed webhooks, and a fake of the
one outbound-HTTP helper that records what we send and answers like Twilio or Meta would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from omnidesk import outbound_http
from omnidesk.channels import sms_twilio, whatsapp_cloud
from omnidesk.channels.registry import store_config
from omnidesk.models import ChannelMessage, Message, MessagingChannel
from omnidesk.outbound_http import HttpResponse
from omnidesk.services import Services

ACCOUNT_SID = "AC" + "ab" * 16
AUTH_TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
SMS_NUMBER = "+15550100000"
CUSTOMER = "+15550102233"

WA_PHONE_NUMBER_ID = "106540352242922"
WA_DISPLAY_NUMBER = "+15550100001"
WA_ACCESS_TOKEN = "EAAG-test-access-token-1234"
WA_APP_SECRET = "6f1e2d3c4b5a69788796a5b4c3d2e1f0"
WA_VERIFY_TOKEN = "let-me-in-please"
WA_CUSTOMER = "15550102233"  # wa_id: digits only


def twilio_signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Twilio's scheme, written again here: the URL, then each parameter name and value, names sorted;
    HMAC-SHA1 with the auth token; base64."""
    text = url
    for name in sorted({name for name, _ in params}):
        for value in sorted({value for other, value in params if other == name}):
            text += name + value
    return base64.b64encode(hmac.new(auth_token.encode(), text.encode(), hashlib.sha1).digest()).decode()


def make_sms_channel(services: Services, *, number: str | None = SMS_NUMBER, **config: Any) -> str:
    """An SMS account; ``config``: its ``TwilioConfig`` fields other than the test credentials."""
    settings = sms_twilio.TwilioConfig(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, **config)
    with services.transaction() as session:
        channel = MessagingChannel(type="sms", provider="twilio", name="Support SMS", phone_number=number)
        store_config(channel, sms_twilio.CHANNEL, settings)
        session.add(channel)
        session.flush()
        return channel.id


def make_whatsapp_channel(services: Services, *, phone_number: str = WA_DISPLAY_NUMBER, **config: Any) -> str:
    """A WhatsApp account; ``config``: its ``WhatsAppConfig`` fields other than the test ones."""
    values: dict[str, Any] = {
        "phone_number_id": WA_PHONE_NUMBER_ID,
        "access_token": WA_ACCESS_TOKEN,
        "app_secret": WA_APP_SECRET,
        "verify_token": WA_VERIFY_TOKEN,
        **config,
    }
    with services.transaction() as session:
        channel = MessagingChannel(
            type="whatsapp", provider="whatsapp-cloud", name="Support WhatsApp", phone_number=phone_number
        )
        store_config(channel, whatsapp_cloud.CHANNEL, whatsapp_cloud.WhatsAppConfig(**values))
        session.add(channel)
        session.flush()
        return channel.id


_sids = itertools.count(1)


def message_sid() -> str:
    return f"SM{next(_sids):032x}"


class TwilioSms:
    """Plays Twilio's side for SMS: signed, form-encoded webhooks."""

    def __init__(self, client: TestClient, public_url: str, token: str = AUTH_TOKEN) -> None:
        self.client, self.public_url, self.token = client, public_url, token

    def post(self, path: str, params: list[tuple[str, str]], *, signature: str | None = None) -> Any:
        if signature is None:
            signature = twilio_signature(self.token, self.public_url + path, params)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        return self.client.post(path, content=urlencode(params), headers=headers)

    def incoming(
        self,
        body: str,
        *,
        sid: str | None = None,
        sender: str = CUSTOMER,
        to: str = SMS_NUMBER,
        query: str = "",
        **extra: str,
    ) -> Any:
        sid = sid or message_sid()
        fields = {
            "ToCountry": "US",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "SmsSid": sid,
            "SmsStatus": "received",
            "Body": body,
            "To": to,
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": sender,
            "ApiVersion": "2010-04-01",
            **extra,
        }
        params = list(fields.items())
        return self.post("/api/v1/livechat/sms-incoming/twilio" + query, params)

    def status(self, path_and_query: str, sid: str, status: str, **extra: str) -> Any:
        params = [
            ("MessageSid", sid),
            ("MessageStatus", status),
            ("SmsSid", sid),
            ("SmsStatus", status),
            ("AccountSid", ACCOUNT_SID),
            ("From", SMS_NUMBER),
            ("To", CUSTOMER),
            ("ApiVersion", "2010-04-01"),
            *extra.items(),
        ]
        return self.post(path_and_query, params)


class WhatsApp:
    """Plays Meta's side: JSON notifications signed with the app secret."""

    def __init__(self, client: TestClient, channel_id: str, app_secret: str = WA_APP_SECRET) -> None:
        self.client, self.channel_id, self.app_secret = client, channel_id, app_secret

    @property
    def path(self) -> str:
        return f"/api/v1/livechat/whatsapp-incoming/{self.channel_id}"

    def post(self, payload: Any, *, signature: str | None = None) -> Any:
        raw = json.dumps(payload).encode()
        if signature is None:
            signature = "sha256=" + hmac.new(self.app_secret.encode(), raw, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
        return self.client.post(self.path, content=raw, headers=headers)


def whatsapp_notification(
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    name: str = "Ada Lovelace",
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": WA_DISPLAY_NUMBER.lstrip("+"),
            "phone_number_id": WA_PHONE_NUMBER_ID,
        },
    }
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": WA_CUSTOMER}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }


@dataclass
class SentRequest:
    url: str
    form: list[tuple[str, str]] | None
    json_body: Any
    basic_auth: tuple[str, str] | None
    bearer_token: str | None


@dataclass
class FakeProviders:
    """Stands in for ``outbound_http.post``: records each request and answers with the next queued
    answer (an ``HttpResponse`` or an exception to raise), else with the provider's success."""

    requests: list[SentRequest] = field(default_factory=list)
    answers: list[HttpResponse | Exception] = field(default_factory=list)
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))  # safe across threads

    def __call__(self, url: str, **kwargs: Any) -> HttpResponse:
        self.requests.append(
            SentRequest(
                url=url,
                form=kwargs.get("form"),
                json_body=kwargs.get("json_body"),
                basic_auth=kwargs.get("basic_auth"),
                bearer_token=kwargs.get("bearer_token"),
            )
        )
        if self.answers:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        number = next(self.numbers)
        if "api.twilio.com" in url:
            sid = f"SM{'f' * 16}{number:016x}"  # never one of the incoming messages' sids
            return json_response(201, {"sid": sid, "status": "queued"})
        return json_response(
            200, {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.OUT{number}"}]}
        )


def json_response(status: int, body: Any) -> HttpResponse:
    return HttpResponse(status=status, body=json.dumps(body).encode(), content_type="application/json")


@pytest.fixture
def providers(monkeypatch: pytest.MonkeyPatch) -> FakeProviders:
    fake = FakeProviders()
    monkeypatch.setattr(outbound_http, "post", fake)
    return fake


def outbound_jobs(services: Services) -> list[ChannelMessage]:
    with services.transaction() as session:
        rows = list(
            session.query(ChannelMessage)
            .filter(ChannelMessage.direction == "out")
            .order_by(ChannelMessage.created_at)
        )
        for row in rows:
            session.expunge(row)
        return rows


def stored_message(services: Services, message_id: str) -> Message:
    with services.transaction() as session:
        message = session.get(Message, message_id)
        assert message is not None
        session.expunge(message)
        return message
