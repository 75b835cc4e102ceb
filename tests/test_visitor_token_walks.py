"""A visitor's token is its password: two walks over the whole API prove it stays one.

1. Channel customers (SMS, WhatsApp, email, voice) are reached through their channel and by staff only.
   Every public operation is called with the customer's real token and with the tokens anyone could
   guess from public data (``sms:<E.164>``, ``email:<address>``, the visitor's id or ``guest-N``); no
   answer may show the conversation, the customer or the token, and nothing of theirs may change.
2. No staff answer carries any visitor's token: every authenticated GET, and every staff page, is read
   over the demo data as an admin and as an agent.

Both walks take their routes from the app itself (the OpenAPI document, and the page routers for the
HTML pages), so a route added later is walked without a new test. A path parameter the walks cannot
fill fails the test, so a new route makes the maps below grow instead of being skipped in silence.

Deliberately not walked (nothing else is excluded):
- ``/websocket``: DDP, not HTTP; ``tests/test_realtime.py`` covers who may subscribe to what.
- ``/static``: files from the repository, the same for everyone.
- ``/openapi.json``, ``/docs``, ``/docs/oauth2-redirect``, ``/redoc``: FastAPI's description of the
  routes, which holds no data.
- In the staff walk, writes (POST, PUT, DELETE): the question is what staff read; and public GETs,
  which are the visitor side, walked by the first test.

The provider webhooks (SMS, WhatsApp, voice) are public and walked like the rest, without their
provider's signature: what they answer a stranger is what is checked.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import bindparam, text

from omnidesk.actions.accounts import issue_login_token
from omnidesk.actions.contacts import create_contact
from omnidesk.actions.email_inbox import save_inbox
from omnidesk.actions.email_intake import receive_email
from omnidesk.browser_session import SESSION_COOKIE
from omnidesk.channels import voice_twilio
from omnidesk.channels.email_imap import InboundEmail
from omnidesk.channels.voice_registry import store_line_config
from omnidesk.db import new_id
from omnidesk.demo.workspace import load_demo
from omnidesk.models import EmailInbox, User, VoiceLine
from omnidesk.queries.agents import ROLE_OF_TYPE
from omnidesk.services import Services
from omnidesk.web import admin as admin_pages
from omnidesk.web.install import PAGE_ROUTERS
from tests.helpers import Persona, with_fresh_cookies
from tests.livechat_helpers import make_department, set_available
from tests.messaging_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    WA_CUSTOMER,
    TwilioSms,
    WhatsApp,
    make_sms_channel,
    make_whatsapp_channel,
    twilio_signature,
    whatsapp_notification,
)

METHOD_ORDER = ("get", "head", "post", "put", "patch", "delete")  # reads first, removals last
# How many findings a failure lists; the count of the rest follows.
SHOWN = 40


# --- the routes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    def parameters(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == where]


@dataclass(frozen=True)
class Routes:
    """The app's operations, split by whether they answer a caller without credentials."""

    public: list[Operation]
    authenticated: list[Operation]
    schemas: dict[str, Any]


def _is_login_refusal(response: Any) -> bool:
    if response.status_code != 401:
        return False
    try:
        return bool(response.json().get("errorType") == "unauthorized")
    except ValueError:
        return False


@pytest.fixture(scope="module")
def routes(running_app: TestClient) -> Routes:
    """Each operation is called once without credentials, with "x" in its path parameters and no body or
    query. The app refuses a caller without a login in ``get_actor``, before it reads any parameter or
    body, with Rocket.Chat's 401 ``unauthorized`` answer: an operation that answers anything else (a
    400 for the missing token, a webhook's 403 for the missing signature, a 200) serves strangers and is
    public. Asking the app, rather than reading the routes' dependencies, also catches a route that
    checks credentials its own way, and a webhook's own refusals never count as a login wall (they are
    403s). The calls are harmless: without a body, a token or a signature nothing gets past validation."""
    app_client = with_fresh_cookies(running_app)
    app = app_client.app
    assert isinstance(app, FastAPI)
    document = app.openapi()
    public: list[Operation] = []
    authenticated: list[Operation] = []
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            operation = Operation(method, path, spec)
            probe = app_client.request(method.upper(), re.sub(r"\{[^}]+\}", "x", path))
            assert probe.status_code < 500, (method, path, probe.text)
            (authenticated if _is_login_refusal(probe) else public).append(operation)
    order = {method: index for index, method in enumerate(METHOD_ORDER)}
    public.sort(key=lambda operation: (order[operation.method], operation.path))
    # The walk really found the routes: the visitor API is public, the staff API is not.
    assert {"/api/v1/livechat/visitor", "/api/v1/livechat/message"} <= {op.path for op in public}
    assert "/api/v1/livechat/rooms" in {op.path for op in authenticated}
    return Routes(public=public, authenticated=authenticated, schemas=document["components"]["schemas"])


def _resolve(schema: dict[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf"):
        if key in schema:  # ``X | None`` and unions: the first alternative that is not null
            choices = [choice for choice in schema[key] if choice.get("type") != "null"]
            return _resolve(choices[0], schemas) if choices else {"type": "null"}
    if "allOf" in schema:
        return _resolve(schema["allOf"][0], schemas)
    return schema


def example(
    schema: dict[str, Any],
    schemas: Mapping[str, Any],
    named: Mapping[str, Any],
    *,
    everything: bool,
    name: str = "",
) -> Any:
    """A value for ``schema``: a named slot's value where the slot holds text, else "x", 1, false, one
    item, or an object of its required properties (of all of them with ``everything``)."""
    schema = _resolve(schema, schemas)
    kind = schema.get("type")
    if name in named and kind in (None, "string"):
        return named[name]
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        properties: dict[str, Any] = schema.get("properties", {})
        wanted = properties if everything else schema.get("required", [])
        return {
            key: example(properties[key], schemas, named, everything=everything, name=key) for key in wanted
        }
    if kind == "array":
        return [example(schema.get("items", {}), schemas, named, everything=everything, name=name)]
    return {"integer": 1, "number": 1, "boolean": False, "null": None}.get(kind or "", "x")


def _query_text(value: Any) -> str:
    return "false" if value is False else "true" if value is True else str(value)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    body: Any = None
    has_body: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    route: str = ""  # the operation: its method and path template

    def send(self, client: TestClient) -> Any:
        kwargs: dict[str, Any] = {"params": list(self.params), "headers": dict(self.headers)}
        if self.has_body:
            kwargs["json"] = self.body
        return client.request(self.method.upper(), self.url, follow_redirects=False, **kwargs)

    def key(self) -> str:
        return json.dumps([self.method, self.url, self.params, self.body, self.has_body, self.headers])

    @property
    def sent(self) -> set[str]:
        """Every text the request carried: an answer that repeats one of them tells its caller nothing."""
        return {*_strings(self.url.split("/")), *_strings(self.params), *_strings(self.body)}

    def describe(self) -> str:
        query = "&".join(f"{name}={value}" for name, value in self.params)
        body = f" {json.dumps(self.body)}" if self.has_body else ""
        return f"{self.method.upper()} {self.url}{'?' + query if query else ''}{body}"


def _fill_path(operation: Operation, values: Mapping[str, Sequence[str]]) -> list[str]:
    """Every URL of ``operation`` over the given values of its path parameters."""
    urls = [operation.path]
    for parameter in operation.parameters("path"):
        name = parameter["name"]
        if name not in values:
            pytest.fail(
                f"{operation.method.upper()} {operation.path}: no ids for the path parameter {name!r}; "
                "teach the walk's map which ids it takes"
            )
        urls = [url.replace("{" + name + "}", str(value)) for url in urls for value in values[name]]
    return urls


# --- secrets in answers --------------------------------------------------------------------------------


def _json_path(value: Any, needle: str, path: str = "$") -> str | None:
    if isinstance(value, str):
        return path if needle in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if needle in str(key):
                return f"{path} (a key)"
            found = _json_path(item, needle, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _json_path(item, needle, f"{path}[{index}]")
            if found:
                return found
    return None


def where_in(response: Any, needle: str) -> str | None:
    """Where ``needle`` appears in an answer (a header, a JSON path, or the text around it), or None."""
    for name, value in response.headers.items():
        if needle in value:
            return f"header {name}"
    body: str = response.text
    if needle not in body:
        return None
    try:
        found = _json_path(response.json(), needle)
    except ValueError:
        found = None
    if found:
        return found
    at = body.index(needle)
    return f"the body, near {body[max(0, at - 60) : at + len(needle) + 20]!r}"


def _report(findings: list[str], title: str) -> str:
    shown = "\n  ".join(findings[:SHOWN])
    more = f"\n  ... and {len(findings) - SHOWN} more" if len(findings) > SHOWN else ""
    return f"{title} ({len(findings)}):\n  {shown}{more}"


class Findings:
    """What a walk found, by route: a failure names every route that failed, then a few examples of
    each, so one route failing for every id does not hide the others."""

    EXAMPLES = 3

    def __init__(self) -> None:
        self.by_route: dict[str, list[str]] = {}

    def add(self, route: str, finding: str) -> None:
        self.by_route.setdefault(route, []).append(finding)

    def __bool__(self) -> bool:
        return bool(self.by_route)

    def report(self, title: str) -> str:
        total = sum(len(found) for found in self.by_route.values())
        lines = [f"{title}: {total} requests, on {len(self.by_route)} routes:"]
        lines += [f"  {route} ({len(found)})" for route, found in self.by_route.items()]
        lines.append("examples:")
        for route, found in self.by_route.items():
            lines += [f"  {finding}" for finding in found[: self.EXAMPLES]]
            if len(found) > self.EXAMPLES:
                lines.append(f"  ... and {len(found) - self.EXAMPLES} more of {route}")
        return "\n".join(lines)


def _rows(services: Services, sql: str, **params: Any) -> list[dict[str, Any]]:
    statement = text(sql)
    params = {name: value for name, value in params.items() if re.search(rf":{name}\b", sql)}
    for name, value in params.items():
        if isinstance(value, list | tuple):
            statement = statement.bindparams(bindparam(name, expanding=True))
    with services.db.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(statement, params)]


def _column(services: Services, sql: str, **params: Any) -> list[str]:
    values = (next(iter(row.values())) for row in _rows(services, sql, **params))
    return [str(value) for value in values if value is not None]


# --- 1. channel customers and the public API -----------------------------------------------------------

KINDS = ("sms", "whatsapp", "email", "voice")
PHONE = "+" + WA_CUSTOMER  # WhatsApp's notification names the customer by this wa_id
EMAIL = "ada.quillfeather@example.com"
LINE_NUMBER = "+15550100009"


@dataclass
class Customer:
    """A channel visitor and its conversation, as the database holds them after the channel's intake."""

    kind: str
    visitor_id: str
    token: str
    username: str
    phone: str
    email: str
    room_ids: list[str]
    message_ids: list[str]
    contact_ids: list[str]
    line_id: str
    channel_ids: list[str]
    department_id: str
    agent_id: str
    secrets: dict[str, str] = field(default_factory=dict)  # what no public answer may show -> its label

    def candidates(self) -> list[tuple[str, str]]:
        """(label, token) pairs: the real token, then what a stranger can guess. The real token comes
        first; a guess that is the real token (the derived tokens did) is named after both."""
        guesses = [
            ("the real token", self.token),
            ("sms:<E.164>", f"sms:{self.phone}"),
            ("whatsapp:<E.164>", f"whatsapp:{self.phone}"),
            ("email:<address>", f"email:{self.email}"),
            ("voice:<E.164>", f"voice:{self.phone}"),
            ("the visitor's _id", self.visitor_id),
            ("the visitor's username", self.username),
        ]
        labels: dict[str, str] = {}
        for label, value in guesses:
            labels[value] = f"{labels[value]} = {label}" if value in labels else label
        return [(label, value) for value, label in labels.items()]


def _channels(services: Services) -> tuple[str, str, str, EmailInbox]:
    """Every account a channel customer could come through: SMS, WhatsApp, a voice line, an inbox."""
    sms_id = make_sms_channel(services)
    whatsapp_id = make_whatsapp_channel(services)
    with services.transaction() as session:
        line = VoiceLine(phone_number=LINE_NUMBER, provider="twilio", queue="support")
        config = voice_twilio.TwilioVoiceConfig(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
        store_line_config(line, voice_twilio.PROVIDER, config)
        session.add(line)
        inbox = save_inbox(
            session,
            inbox=None,
            actor_id=None,
            fields={
                "name": "Support inbox",
                "email": "support@acme.example.com",
                "active": False,  # read by nobody: its email comes through receive_email below
                "senderInfo": "Acme Support",
                "smtp": {
                    "server": "smtp.invalid",
                    "port": 25,
                    "username": "",
                    "password": "",
                    "secure": False,
                },
                "imap": {
                    "server": "imap.invalid",
                    "port": 143,
                    "username": "",
                    "password": "",
                    "secure": False,
                },
            },
        )
        session.flush()
        session.expunge(inbox)
        return sms_id, whatsapp_id, line.id, inbox


def _arrive(
    kind: str,
    services: Services,
    client: TestClient,
    admin: Persona,
    accounts: tuple[str, str, str, EmailInbox],
) -> dict[str, str]:
    """The customer writes (or calls) through the real intake; returns the texts that must stay private."""
    _sms_id, whatsapp_id, line_id, inbox = accounts
    marker = f"mk{kind}{secrets.token_hex(6)}"
    said = f"Hello, parcel {marker} has not arrived"
    private = {marker: "the customer's message"}
    if kind == "sms":
        answer = TwilioSms(client, services.settings.public_url).incoming(said, sender=PHONE)
        assert answer.status_code == 200, answer.text
    elif kind == "whatsapp":
        profile = "Zephyrine Waprofile"
        private[profile] = "the customer's WhatsApp name"
        text_message = {
            "from": WA_CUSTOMER,
            "id": f"wamid.{marker}",
            "timestamp": str(int(time.time()) - 5),
            "type": "text",
            "text": {"body": said},
        }
        answer = WhatsApp(client, whatsapp_id).post(
            whatsapp_notification(messages=[text_message], name=profile)
        )
        assert answer.status_code == 200, answer.text
    elif kind == "email":
        sender = "Zephyrine Mailsender"
        private[sender] = "the sender's name"
        email = InboundEmail(
            message_id=f"{marker}@example.com",
            from_address=EMAIL,
            from_name=sender,
            reply_to=EMAIL,
            subject="Parcel",
            text=said,
        )
        with services.transaction() as session:
            stored_inbox = session.get(EmailInbox, inbox.id)
            assert stored_inbox is not None
            assert receive_email(session, inbox=stored_inbox, email=email) is not None
    else:
        caller = "Zephyrine Callername"
        private[caller] = "the caller's name"
        path = f"/api/v1/omnichannel/voice/twilio/{line_id}/incoming"
        params = [
            ("CallSid", "CA" + secrets.token_hex(16)),
            ("AccountSid", ACCOUNT_SID),
            ("From", PHONE),
            ("To", LINE_NUMBER),
            ("CallerName", caller),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
            ("ApiVersion", "2010-04-01"),
        ]
        signature = twilio_signature(AUTH_TOKEN, services.settings.public_url + path, params)
        answer = client.post(
            path,
            content=urlencode(params),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )
        assert answer.status_code == 200, answer.text
        [call_id] = _column(services, "SELECT id FROM calls")
        # A voice caller has no chat: the agent's wrap-up notes are its conversation.
        notes = f"Caller says parcel {marker} has not arrived"
        wrapped = admin.post("/api/v1/omnichannel/calls.wrapup", json={"callId": call_id, "notes": notes})
        assert wrapped.status_code == 200, wrapped.text
    return private


def _customer(
    services: Services,
    kind: str,
    accounts: tuple[str, str, str, EmailInbox],
    department_id: str,
    agent: Persona,
) -> Customer:
    """The customer as stored: only the database knows a channel visitor's real token."""
    sms_id, whatsapp_id, line_id, _inbox = accounts
    linked = "SELECT visitor_id FROM rooms UNION SELECT visitor_id FROM calls WHERE visitor_id IS NOT NULL"
    [visitor] = _rows(services, f"SELECT * FROM visitors WHERE id IN ({linked})")
    room_ids = _column(services, "SELECT id FROM rooms WHERE visitor_id = :v", v=visitor["id"])
    message_ids = _column(
        services,
        "SELECT id FROM messages WHERE room_id IN (SELECT id FROM rooms WHERE visitor_id = :v) "
        "AND author_kind = 'visitor'",
        v=visitor["id"],
    )
    if kind == "voice":
        assert not room_ids, "a call opens no chat"
        room_ids, message_ids = [new_id()], [new_id()]  # ids of nothing: a guessed token may not open one
    else:
        assert len(room_ids) == 1 and len(message_ids) == 1, (room_ids, message_ids)
        [room] = _rows(services, "SELECT open, served_by_id FROM rooms WHERE id = :r", r=room_ids[0])
        assert room["open"] and room["served_by_id"], room
    contact_ids = _column(
        services, "SELECT DISTINCT contact_id FROM contact_channels WHERE visitor_id = :v", v=visitor["id"]
    )
    assert len(contact_ids) == 1, contact_ids
    return Customer(
        kind=kind,
        visitor_id=visitor["id"],
        token=visitor["token"],
        username=visitor["username"],
        phone=PHONE,
        email=EMAIL,
        room_ids=room_ids,
        message_ids=message_ids,
        contact_ids=contact_ids,
        line_id=line_id,
        channel_ids=[sms_id, whatsapp_id],
        department_id=department_id,
        agent_id=agent.id,
    )


# What a visitor's rows are, for "nothing of theirs changed": (table, rows of the visitor).
OWN_ROWS = {
    "visitors": "SELECT * FROM visitors WHERE id = :v",
    "rooms": "SELECT * FROM rooms WHERE visitor_id = :v",
    "messages": "SELECT * FROM messages WHERE room_id IN (SELECT id FROM rooms WHERE visitor_id = :v)",
    "inquiries": "SELECT * FROM inquiries WHERE room_id IN (SELECT id FROM rooms WHERE visitor_id = :v)",
    "room_tags": "SELECT * FROM room_tags WHERE room_id IN (SELECT id FROM rooms WHERE visitor_id = :v)",
    "contact_verifications": "SELECT * FROM contact_verifications "
    "WHERE room_id IN (SELECT id FROM rooms WHERE visitor_id = :v)",
    "calls": "SELECT * FROM calls WHERE visitor_id = :v",
    "contacts": "SELECT * FROM contacts WHERE id IN :c",
    "contact_emails": "SELECT * FROM contact_emails WHERE contact_id IN :c",
    "contact_phones": "SELECT * FROM contact_phones WHERE contact_id IN :c",
    "contact_channels": "SELECT * FROM contact_channels WHERE contact_id IN :c OR visitor_id = :v",
    "contact_audit": "SELECT * FROM contact_audit WHERE contact_id IN :c",
}


def _own_rows(services: Services, customer: Customer) -> dict[str, dict[str, dict[str, Any]]]:
    snapshot: dict[str, dict[str, dict[str, Any]]] = {}
    for table, sql in OWN_ROWS.items():
        rows = _rows(services, sql, v=customer.visitor_id, c=customer.contact_ids)
        snapshot[table] = {
            str(row.get("id", json.dumps(row, default=str, sort_keys=True))): row for row in rows
        }
    return snapshot


def _changes(
    before: dict[str, dict[str, dict[str, Any]]], after: dict[str, dict[str, dict[str, Any]]]
) -> list[str]:
    changes = []
    for table, rows in before.items():
        now = after[table]
        changes += [f"{table}: row {key} was removed" for key in rows.keys() - now.keys()]
        changes += [f"{table}: row {key} was added: {now[key]}" for key in now.keys() - rows.keys()]
        for key in rows.keys() & now.keys():
            changes += [
                f"{table}: row {key}, {column}: {rows[key][column]!r} -> {now[key].get(column)!r}"
                for column in rows[key]
                if rows[key][column] != now[key].get(column)
            ]
    return changes


def _outbound(services: Services) -> dict[str, str]:
    """Everything queued to leave the server (emails, SMS, WhatsApp), by table and id, as text."""
    queued = {}
    for table in ("outbound_emails", "channel_messages"):
        for row in _rows(services, f"SELECT * FROM {table}"):
            queued[f"{table} {row['id']}"] = json.dumps(row, default=str)
    return queued


def public_requests(routes: Routes, customer: Customer, candidate: str) -> list[tuple[str, Request]]:
    """Each public operation called for ``customer`` with ``candidate`` as the token: once with the
    required fields only, once with every field; (which, request) pairs."""
    path_values: dict[str, Sequence[str]] = {
        "token": [candidate],
        "rid": customer.room_ids,
        "message_id": customer.message_ids,
        "lineId": [customer.line_id],
        "channelId": customer.channel_ids,
        # The customers have no files: a download is probed with the candidate as its signed token
        # (tests/test_attachments.py walks real files, their links and others' links).
        "fileId": ["f" * 17],
        "name": ["file.txt"],
    }
    named = {
        "token": candidate,
        "visitorToken": candidate,
        "rid": customer.room_ids[0],
        "roomId": customer.room_ids[0],
        "_id": customer.message_ids[0],
        "id": customer.message_ids[0],
        "messageId": customer.message_ids[0],
        "msgId": customer.message_ids[0],
        "email": customer.email,
        "phone": customer.phone,
        "visitorId": customer.visitor_id,
        "department": customer.department_id,
        "agentId": customer.agent_id,
    }
    requests = []
    for operation in routes.public:
        for url in _fill_path(operation, path_values):
            for everything in (False, True):
                params = tuple(
                    (
                        p["name"],
                        _query_text(
                            example(p["schema"], routes.schemas, named, everything=True, name=p["name"])
                        ),
                    )
                    for p in operation.parameters("query")
                    if everything or p.get("required")
                )
                content = operation.spec.get("requestBody", {}).get("content", {})
                body = None
                if "application/json" in content:
                    body = example(
                        content["application/json"]["schema"], routes.schemas, named, everything=everything
                    )
                request = Request(
                    operation.method,
                    url,
                    params,
                    body,
                    has_body="application/json" in content,
                    route=f"{operation.method.upper()} {operation.path}",
                )
                requests.append(("every field" if everything else "required fields", request))
    return requests


def _what_leaks(customer: Customer, request: Request, response: Any) -> list[str]:
    """What is wrong with one answer: a server error, and each private text of the customer in it. A
    text the request itself carried is not looked for (the answer may repeat it), but the real token
    always is."""
    found = [f"a server error: {response.text[:200]}"] if response.status_code >= 500 else []
    carried = request.sent - {customer.token}
    for secret, what in customer.secrets.items():
        where = None if secret in carried else where_in(response, secret)
        if where is not None:
            found.append(f"{what} at {where}")
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_no_public_request_reaches_a_channel_customer_with_its_token_or_a_guess(
    kind: str,
    services: Services,
    app_client: TestClient,
    routes: Routes,
    admin: Persona,
    agent: Persona,
) -> None:
    """Every public operation (see ``routes``), with each token candidate and each body variant: the
    answer never shows the customer's token, id, name or words, is never a 5xx, and afterwards the
    customer's rows are as they were and nothing queued to leave the server carries any of that.

    A request may create a widget visitor of its own (``POST livechat/visitor`` with the token
    ``sms:+1...`` is a stranger choosing that token): it is another row, and an answer that only repeats
    what its request sent is no leak, so the texts a request carried are not looked for in its answer,
    except the real token."""
    set_available(services, agent)
    department_id = make_department(services, "Support", agent)
    with services.transaction() as session:
        create_contact(session, actor=None, name="Quillfeather Contactname", emails=[EMAIL], phones=[PHONE])
    accounts = _channels(services)
    private = _arrive(kind, services, app_client, admin, accounts)
    customer = _customer(services, kind, accounts, department_id, agent)
    customer.secrets = {
        customer.token: "the visitor's token",
        customer.visitor_id: "the visitor's _id",
        "Quillfeather Contactname": "the contact's name",
        **private,
    }
    before, queued_before = _own_rows(services, customer), _outbound(services)

    findings = Findings()
    sent: set[tuple[int, str]] = set()
    for label, candidate in customer.candidates():
        requests = public_requests(routes, customer, candidate)
        kept = [(which, request) for which, request in requests if request.method != "delete"]
        removals = [(which, request) for which, request in requests if request.method == "delete"]
        for walk_pass in (1, 2, 3):
            if walk_pass == 2:
                # A stranger may have registered the guess as its own widget visitor in the first pass
                # (POST livechat/visitor): the requests carrying it are sent again, now that it names a
                # visitor, to find out whether that visitor reaches the customer's chat.
                registered = _column(
                    services,
                    "SELECT id FROM visitors WHERE token = :t AND id <> :v",
                    t=candidate,
                    v=customer.visitor_id,
                )
                batch = [pair for pair in kept if pair[0] == "required fields" and candidate in pair[1].sent]
                batch = batch if registered else []
            else:
                batch = kept if walk_pass == 1 else removals  # removals last, as they may undo the rest
            for which, request in batch:
                if (walk_pass, request.key()) in sent:
                    continue  # an operation without a token slot is called once a pass, not once a candidate
                sent.add((walk_pass, request.key()))
                response = request.send(app_client)
                found = _what_leaks(customer, request, response)
                if found:
                    call = f"{request.describe()} [token: {label}; {which}; pass {walk_pass}]"
                    findings.add(request.route, f"{call} -> {response.status_code}: {'; '.join(found)}")

    changes = _changes(before, _own_rows(services, customer))
    queued = {key: row for key, row in _outbound(services).items() if key not in queued_before}
    for key, row in queued.items():
        for secret, what in customer.secrets.items():
            if secret in row:
                findings.add("queued to leave the server", f"{key}, queued during the walk, carries {what}")
    assert not findings and not changes, "\n".join(
        [
            f"The public API reached the {kind} customer {customer.username}:",
            *([findings.report("answers that leak or fail")] if findings else []),
            *([_report(changes, "changes to the customer's rows")] if changes else []),
        ]
    )
    assert len(sent) > 4 * len(routes.public)  # the walk really called the routes with the candidates


# --- 2. staff answers never carry a visitor's token ----------------------------------------------------

# Where ids come from: (services, the reading persona's id) -> ids.
IdSource = Callable[[Services, str], list[str]]


def _ids(sql: str) -> IdSource:
    return lambda services, me: sorted(set(_column(services, sql, me=me)))


def _fixed(values: Sequence[str]) -> IdSource:
    return lambda _services, _me: list(values)


# Listings show every row (at 100 a page, more than the demo has); a read of one row takes one row of
# each kind, since an answer's shape depends on the kind of row it shows, not on which one: rooms by
# source, state and whether the reader serves them, calls by direction, state, wrap-up and agent,
# contacts of each source and class and the reader's own, staff of each role and the reader, settings
# of each type, and the visitors, emails and phones of those.
ROOMS = "SELECT MIN(id) FROM rooms GROUP BY source_type, source_id, open, on_hold, served_by_id = :me"
CALLS = "SELECT MIN(id) FROM calls GROUP BY direction, state, wrapup_state, agent_id = :me"
CONTACTS = (
    "SELECT MIN(contact_id) FROM rooms GROUP BY source_type, source_id, served_by_id = :me "
    "UNION SELECT MIN(contact_id) FROM calls GROUP BY direction, agent_id = :me "
    "UNION SELECT MIN(id) FROM contacts GROUP BY unknown, pre_registration, contact_manager_id = :me"
)
USERS = "SELECT MIN(user_id) FROM user_roles GROUP BY role_id UNION SELECT id FROM users WHERE id = :me"
VISITORS = (
    "SELECT MIN(visitor_id) FROM rooms GROUP BY source_type, source_id "
    "UNION SELECT MIN(visitor_id) FROM calls GROUP BY direction"
)

# Path parameters of staff routes and pages, by name.
STAFF_PATH_IDS: dict[str, IdSource] = {
    "rid": _ids(ROOMS),
    "room_id": _ids(ROOMS),
    "contact_id": _ids(CONTACTS),
    "call_id": _ids(CALLS),
    "setting_id": _ids("SELECT MIN(id) FROM settings GROUP BY type"),  # GET settings lists them all
    "user_type": _fixed(list(ROLE_OF_TYPE)),
    "user_id": _ids(USERS),
    "agent_id": _ids(USERS),
    "department_id": _ids("SELECT id FROM departments"),
    "tagId": _ids("SELECT id FROM livechat_tags"),
    "priorityId": _ids("SELECT id FROM livechat_priorities"),
    "slaId": _ids("SELECT id FROM slas"),
    "triggerId": _ids("SELECT id FROM livechat_triggers"),
    "response_id": _ids("SELECT id FROM canned_responses"),
    "_id": _ids("SELECT id FROM livechat_custom_fields"),  # livechat/custom-fields/{_id}
    "lineId": _ids("SELECT id FROM voice_lines"),
    "inbox_id": _ids("SELECT id FROM email_inboxes"),
    "channelId": _ids("SELECT id FROM messaging_channels"),
    "page": _fixed(list(admin_pages.PAGES)),  # /admin/{page}
    # livechat/visitor/{token}/room: staff name a visitor by its token there, as in Rocket.Chat.
    "token": _ids(f"SELECT token FROM visitors WHERE id IN ({VISITORS})"),
}
# A PDF takes about 0.1 s to render: the transcript is read for one closed chat of each source type
# and one of the reader's own.
SAMPLED_PATH_IDS: dict[str, dict[str, IdSource]] = {
    "/api/v1/omnichannel/{rid}/transcript.pdf": {
        "rid": _ids(
            "SELECT MIN(id) FROM rooms WHERE NOT open GROUP BY source_type "
            "UNION SELECT MIN(id) FROM rooms WHERE NOT open AND served_by_id = :me"
        )
    },
}
# Query parameters that select what an answer is about: each is walked over its ids.
STAFF_QUERY_IDS: dict[str, IdSource] = {
    "contactId": _ids(CONTACTS),
    "roomId": _ids(ROOMS),
    "rid": _ids(ROOMS),
    "callId": _ids(CALLS),
    "visitorId": _ids(VISITORS),
    "userId": _ids(USERS),
    "username": _ids(f"SELECT username FROM users WHERE id IN ({USERS})"),
    "department": _ids("SELECT id FROM departments"),
    "departmentId": _ids("SELECT id FROM departments"),
    "email": _ids(
        f"SELECT address FROM contact_emails WHERE contact_id IN ({CONTACTS}) "
        f"UNION SELECT email FROM visitors WHERE id IN ({VISITORS}) "
        f"UNION SELECT email FROM users WHERE id IN ({USERS}) UNION SELECT email FROM email_inboxes"
    ),
    "phone": _ids(f"SELECT phone_number FROM contact_phones WHERE contact_id IN ({CONTACTS})"),
}
# Listings that read their query string themselves, so the OpenAPI document lists no parameter: the
# parameters they are walked with. Agents list only their own chats and calls, and must say so.
ME = "<the persona's id>"
UNDECLARED_QUERIES: dict[str, list[dict[str, str]]] = {
    "/api/v1/livechat/rooms": [{"count": "100"}, {"count": "100", "agents[]": ME}],
    "/api/v1/omnichannel/calls": [{"count": "100"}, {"count": "100", "agents[]": ME}],
}


def _staff_requests(
    operation: Operation,
    path_ids: Mapping[str, Sequence[str]],
    query_ids: Mapping[str, Sequence[str]],
    me: str,
) -> list[Request]:
    """``operation`` read for every id its path takes, each selecting query parameter walked over its
    ids (the other required ones at their first id), and listings at 100 a page."""
    query = operation.parameters("query")
    unknown = [p["name"] for p in query if p.get("required") and p["name"] not in query_ids]
    if unknown:
        pytest.fail(f"GET {operation.path}: no ids for the required query parameters {unknown}; add them")
    paging = (("count", "100"),) if any(p["name"] == "count" for p in query) else ()
    required = {
        p["name"]: query_ids[p["name"]][0] for p in query if p.get("required") and query_ids[p["name"]]
    }
    choices: list[dict[str, str]] = [dict(required)]
    for p in query:
        if p["name"] in query_ids:
            choices += [{**required, p["name"]: value} for value in query_ids[p["name"]]]
    for extra in UNDECLARED_QUERIES.get(operation.path, []):
        choices.append({name: me if value == ME else value for name, value in extra.items()})
    return [
        Request("get", url, (*chosen, *paging), route=f"GET {operation.path}")
        for url in _fill_path(operation, path_ids)
        for chosen in dict.fromkeys(tuple(choice.items()) for choice in choices)  # once each
    ]


def _pages() -> list[Operation]:
    """Every GET route of the HTML pages (they are not in the OpenAPI document)."""
    pages = []
    for module in PAGE_ROUTERS:
        for route in module.router.routes:
            if isinstance(route, APIRoute) and "GET" in (route.methods or ()):
                names = re.findall(r"\{([^}:]+)", route.path)
                parameters = [{"name": name, "in": "path", "required": True} for name in names]
                pages.append(Operation("get", route.path, {"parameters": parameters}))
    assert {"/contact-center/chats/{rid}", "/live", "/dashboard"} <= {page.path for page in pages}
    return pages


def _demo_agent(services: Services) -> User:
    """The demo agent (no manager, monitor or admin role) who serves the most chats."""
    rows = _rows(
        services,
        "SELECT served_by_id, COUNT(*) AS served FROM rooms WHERE served_by_id IS NOT NULL "
        "AND served_by_id NOT IN (SELECT user_id FROM user_roles "
        "WHERE role_id IN ('admin', 'livechat-manager', 'livechat-monitor')) "
        "GROUP BY served_by_id ORDER BY served DESC, served_by_id",
    )
    assert rows, "the demo has agents serving chats"
    with services.transaction() as session:
        user = session.get(User, rows[0]["served_by_id"])
        assert user is not None
        session.expunge(user)
        return user


def _readable(response: Any) -> str:
    """An answer as its reader sees it: its headers and text. A PDF's text is compressed and written
    in font glyphs, so it is extracted."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    if response.headers.get("content-type", "").startswith("application/pdf"):
        pages = PdfReader(io.BytesIO(response.content)).pages
        return headers + "\n" + "\n".join(page.extract_text() for page in pages)
    return headers + "\n" + str(response.text)


def test_no_staff_answer_or_page_carries_a_visitor_token(
    services: Services, app_client: TestClient, routes: Routes, admin: Persona
) -> None:
    """Every authenticated GET (see ``routes``) over the demo's data, as an admin and as an agent who
    serves chats, then every staff page with a browser session: no answer carries any visitor's token,
    and none is a 5xx. The tokens are read from the database, so the widget's, the API clients' and the
    channels' visitors are all looked for, whatever their tokens look like. Public GETs are the visitor
    side, walked by the test above."""
    with services.transaction() as session:
        load_demo(session, passwords=services.passwords)
    demo_agent = _demo_agent(services)
    with services.transaction() as session:
        agent_user = session.get(User, demo_agent.id)
        assert agent_user is not None
        login = issue_login_token(session, user=agent_user)
    agent = Persona(demo_agent.id, demo_agent.username, login, app_client)

    # The demo has every kind of visitor: the walk is only as good as the data it reads.
    kinds = set(_column(services, "SELECT DISTINCT source_type FROM rooms"))
    assert {"widget", "api", "sms", "email"} <= kinds, kinds  # WhatsApp chats have sms-typed sources
    assert _column(services, "SELECT COUNT(*) FROM messaging_channels WHERE type = 'whatsapp'") == ["1"]
    assert _column(services, "SELECT COUNT(*) FROM calls WHERE visitor_id IS NOT NULL") != ["0"]
    for table in ("rooms", "contacts", "calls"):  # the listings' one page of 100 shows every row
        assert int(_column(services, f"SELECT COUNT(*) FROM {table}")[0]) <= 100, table
    tokens = {row["token"]: row for row in _rows(services, "SELECT * FROM visitors")}
    assert len(tokens) >= 20, len(tokens)
    pattern = re.compile("|".join(re.escape(token) for token in sorted(tokens, key=len, reverse=True)))
    findings = Findings()
    walked = 0

    def check(persona: Persona, request: Request, response: Any) -> None:
        call = f"{request.describe()} as {persona.username} -> {response.status_code}"
        if response.status_code >= 500:
            findings.add(request.route, f"{call}: a server error: {response.text[:200]}")
        leaked = sorted(set(pattern.findall(_readable(response))))
        if leaked:
            shown = []
            for token in leaked[:3]:
                owner = tokens[token]
                who = f"{owner['username']} ({owner.get('channel_type') or 'token ' + token[:24]})"
                shown.append(f"{who} at {where_in(response, token) or 'the PDF text'}")
            more = f" and {len(leaked) - 3} more" if len(leaked) > 3 else ""
            findings.add(request.route, f"{call}: the tokens of {'; '.join(shown)}{more}")

    for persona in (admin, agent):
        path_ids = {name: ids(services, persona.id) for name, ids in STAFF_PATH_IDS.items()}
        query_ids = {name: ids(services, persona.id) for name, ids in STAFF_QUERY_IDS.items()}
        for operation in routes.authenticated:
            if operation.method != "get":
                continue
            sampled = SAMPLED_PATH_IDS.get(operation.path, {})
            ids = {**path_ids, **{name: ids(services, persona.id) for name, ids in sampled.items()}}
            for request in _staff_requests(operation, ids, query_ids, persona.id):
                response = persona.get(request.url, params=list(request.params), follow_redirects=False)
                check(persona, request, response)
                walked += 1
        cookie = (("Cookie", f"{SESSION_COOKIE}={persona.id}:{persona.token}"),)
        for page in _pages():
            # A page embeds the id it opens and nothing of its row: one id is enough.
            for url in _fill_path(page, {name: ids[:1] for name, ids in path_ids.items()}):
                request = Request("get", url, headers=cookie, route=f"GET {page.path} (page)")
                check(persona, request, request.send(app_client))
                walked += 1

    assert not findings, findings.report("staff answers that carry a visitor token or fail")
    assert walked > 500  # the walk really read the routes over the demo's ids
