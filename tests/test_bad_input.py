"""Hostile input is a 400 (or 413, 431) in the API's envelope on both engines, and writes nothing.

The reproducers are the ones the public-edge review found: integers past 64 bits, lone surrogates,
NUL bytes, over-long ids and names, deep nesting, huge bodies and many headers, and one message id
sent many times at once. The walks cover every route of the OpenAPI document, so a route added later
is covered without a new test.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omnidesk.app import create_app
from omnidesk.models import Contact, Message, Room, Visitor
from omnidesk.services import Services
from tests.ddp_client import DDPClient, running_server
from tests.helpers import Persona, assert_error, race
from tests.livechat_helpers import Guest, guest, set_available

HUGE = "9223372036854775808"  # 2**63: one past PostgreSQL's bigint and SQLite's integer
BODYLESS = {"/api/v1/logout", "/api/v1/email-inbox.send-test/{inbox_id}"}


def _operations(services: Services) -> list[tuple[str, str, dict[str, Any]]]:
    document = create_app(services).openapi()
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "Livechat_enabled", path)


def _raw_post(client: TestClient, path: str, text: str, headers: dict[str, str]) -> Any:
    return client.post(path, content=text.encode(), headers={**headers, "Content-Type": "application/json"})


def _visitor_chat(services: Services, anonymous: TestClient, agent: Persona, token: str) -> tuple[Guest, str]:
    set_available(services, agent)
    visitor = guest(anonymous, token, widget=True)
    visitor.register(name="Hostile Visitor")
    return visitor, visitor.open_room()["_id"]


# --- numbers --------------------------------------------------------------------------------------------


def test_every_list_answers_an_offset_or_count_past_64_bits_with_400(
    services: Services, admin: Persona
) -> None:
    walked = 0
    for method, path, operation in _operations(services):
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        if method != "get":
            continue
        for name in {"offset", "count"} & names:
            response = admin.get(_concrete(path), params={name: HUGE, "token": "x"})
            assert response.status_code in (400, 401, 403, 404), (path, name, response.text)
            if response.status_code == 400:
                walked += 1
    assert walked >= 20  # the walk really met the list endpoints


def test_settings_and_calls_refuse_offsets_and_counts_past_64_bits(admin: Persona) -> None:
    assert_error(admin.get("/api/v1/settings", params={"offset": HUGE}), 400, "invalid-params")
    assert_error(admin.get("/api/v1/omnichannel/calls", params={"count": HUGE}), 400, "invalid-params")
    assert_error(
        admin.get("/api/v1/settings", params={"offset": str(2**53)}),
        400,
        "invalid-params",
        "must be <= 9007199254740991 and >= -9007199254740991 [invalid-params]",
    )


def test_a_visitor_history_refuses_a_huge_offset(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = _visitor_chat(services, anonymous, agent, "huge-offset-visitor")
    response = anonymous.get(
        f"/api/v1/livechat/messages.history/{rid}", params={"token": visitor.token, "offset": HUGE}
    )
    assert_error(response, 400, "invalid-params")


def test_an_integer_column_refuses_a_value_past_32_bits(admin: Persona) -> None:
    response = admin.post(
        "/api/v1/livechat/department",
        json={
            "department": {
                "enabled": True,
                "name": "Wide",
                "showOnRegistration": True,
                "showOnOfflineForm": True,
                "email": "wide@example.com",
            },
            "agents": [{"agentId": admin.id, "count": 2**40, "order": 0}],
        },
    )
    assert response.status_code in (400, 404), response.text  # never a 500


# --- text -----------------------------------------------------------------------------------------------


def test_every_post_endpoint_refuses_a_lone_surrogate(services: Services, admin: Persona) -> None:
    walked = 0
    for method, path, _operation in _operations(services):
        if method != "post" or path in BODYLESS:
            continue
        response = _raw_post(
            admin.client, _concrete(path), '{"user": "\\ud800", "password": "x"}', admin.headers
        )
        assert response.status_code == 400, (path, response.text)
        walked += 1
    assert walked >= 30


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/login", '{"user": "\\ud800", "password": "x"}'),
        ("/api/v1/users.register", '{"username": "\\udc00x", "email": "a@example.com", "pass": "x"}'),
        ("/api/v1/livechat/visitor", '{"visitor": {"token": "surrogate-visitor", "name": "\\ud800"}}'),
        (
            "/api/v1/livechat/offline.message",
            '{"name": "\\ud800", "email": "a@example.com", "message": "hi"}',
        ),
        ("/api/v1/livechat/visitor", '{"visitor": {"token": "nul-visitor", "name": "a\\u0000b"}}'),
    ],
)
def test_public_bodies_refuse_lone_surrogates_and_nul(
    services: Services, anonymous: TestClient, path: str, body: str
) -> None:
    response = _raw_post(anonymous, path, body, {})
    error = assert_error(response, 400, "invalid-params")
    assert error["error"] in (
        "must NOT contain unpaired surrogates [invalid-params]",
        "must NOT contain NUL characters [invalid-params]",
    )
    with services.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Visitor)) == 0


def test_staff_bodies_refuse_lone_surrogates(services: Services, admin: Persona) -> None:
    for path, body in [
        ("/api/v1/omnichannel/contacts", '{"name": "\\ud800", "emails": [], "phones": []}'),
        ("/api/v1/livechat/tags.save", '{"tagData": {"name": "\\ud800"}}'),
        (
            "/api/v1/omnichannel/contacts",
            '{"name": "ok", "emails": [], "phones": [], "customFields": {"\\ud800": 1}}',
        ),
    ]:
        assert_error(_raw_post(admin.client, path, body, admin.headers), 400, "invalid-params")
    with services.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_nul_in_any_query_or_path_is_400(admin: Persona, anonymous: TestClient) -> None:
    assert_error(
        anonymous.get("/api/v1/livechat/config?token=%00"),
        400,
        "invalid-params",
        "must NOT contain NUL characters [invalid-params]",
    )
    assert_error(admin.get("/api/v1/omnichannel/contacts.search?searchText=%00abc"), 400, "invalid-params")
    assert_error(admin.get("/api/v1/livechat/room/a%00b"), 400, "invalid-params")


def test_deep_nesting_is_400(admin: Persona) -> None:
    deep = '{"name": "n", "emails": [], "phones": [], "customFields": {"a": ' + "[" * 40 + "]" * 40 + "}}"
    assert_error(
        _raw_post(admin.client, "/api/v1/omnichannel/contacts", deep, admin.headers), 400, "invalid-params"
    )
    very_deep = "[" * 100_000 + "]" * 100_000  # past the JSON decoder's own recursion limit
    response = _raw_post(admin.client, "/api/v1/omnichannel/contacts", very_deep, admin.headers)
    assert response.status_code in (400, 413), response.text


def test_json_nested_past_the_decoders_recursion_is_400_wherever_it_is_parsed(
    services: Services, admin: Persona, anonymous: TestClient
) -> None:
    """Python's JSON decoder raises RecursionError, not ValueError, some thousand levels down."""
    deep = "[" * 1200
    sort = admin.get("/api/v1/livechat/department", params={"sort": deep})
    assert_error(sort, 400, "error-invalid-sort")
    fields = admin.get("/api/v1/livechat/rooms", params={"customFields": deep})
    assert_error(fields, 400, "error-invalid-params")
    dates = admin.get("/api/v1/omnichannel/calls", params={"createdAt": deep})
    assert_error(dates, 400, "error-invalid-params", 'The "createdAt" query parameter must be a valid JSON.')
    whatsapp = anonymous.post(
        "/api/v1/livechat/whatsapp-incoming/any", content=deep, headers={"Content-Type": "application/json"}
    )
    assert_error(whatsapp, 400, "invalid-params", "must be valid JSON [invalid-params]")
    twilio = anonymous.post(
        "/api/v1/omnichannel/voice/twilio/any/incoming",
        content=deep,
        headers={"Content-Type": "application/json"},
    )
    assert_error(twilio, 400, "invalid-params", "must be valid JSON [invalid-params]")
    with running_server(create_app(services)) as url, DDPClient(url) as client:
        client.send(deep)
        error = client.expect(lambda frame: frame.get("msg") == "error")
        assert error["reason"] == "Bad request"
        client.send({"msg": "ping", "id": "2"})
        assert client.expect(lambda frame: frame.get("msg") == "pong")["id"] == "2"


def test_over_long_ids_and_names_are_400_on_both_engines(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = _visitor_chat(services, anonymous, agent, "long-id-visitor")
    long_rid = "r" * 33
    response = anonymous.post(
        "/api/v1/livechat/message", json={"token": visitor.token, "rid": long_rid, "msg": "hi"}
    )
    assert_error(response, 400, "invalid-params", "id must NOT have more than 32 characters [invalid-params]")
    response = anonymous.post(
        "/api/v1/livechat/message", json={"token": visitor.token, "rid": rid, "msg": "hi", "_id": "m" * 33}
    )
    assert_error(response, 400, "invalid-params")
    with services.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Room)) == 1
        assert session.get(Room, long_rid) is None


def test_ddp_refuses_a_lone_surrogate_and_keeps_the_connection(services: Services) -> None:
    with running_server(create_app(services)) as url, DDPClient(url) as client:
        client.send(
            {
                "msg": "method",
                "method": "login",
                "id": "1",
                "params": [{"user": {"username": "\ud800"}, "password": "x"}],
            }
        )
        error = client.expect(lambda frame: frame.get("msg") == "error")
        assert error["reason"] == "Bad request"
        client.send({"msg": "ping", "id": "2"})
        assert client.expect(lambda frame: frame.get("msg") == "pong")["id"] == "2"


# --- sizes ----------------------------------------------------------------------------------------------


def test_a_ten_megabyte_body_to_any_public_route_is_413(services: Services, anonymous: TestClient) -> None:
    body = b'{"message": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    walked = 0
    for method, path, operation in _operations(services):
        if method not in ("post", "put") or not set(operation.get("tags", [])) & {
            "livechat: visitor",
            "messaging webhooks",
            "auth",
            "users",
            "livechat: transcripts",
        }:
            continue
        response = anonymous.request(
            method, _concrete(path), content=body, headers={"Content-Type": "application/json"}
        )
        error = assert_error(response, 413, "error-request-too-large")
        walked += 1
    assert walked >= 10
    assert error["error"] == "Request body too large [error-request-too-large]"


def test_staff_routes_take_up_to_a_megabyte(admin: Persona) -> None:
    big_note = "x" * (200 * 1024)  # over the public limit, under the staff one: refused for its length only
    response = admin.post("/api/v1/omnichannel/contacts", json={"name": big_note, "emails": [], "phones": []})
    assert response.status_code == 400, response.text
    response = admin.post("/api/v1/omnichannel/contacts", json={"name": "x" * (2 * 1024 * 1024)})
    assert_error(response, 413, "error-request-too-large")


def test_too_many_headers_are_431(anonymous: TestClient) -> None:
    headers = {f"X-Extra-{index}": "v" for index in range(120)}
    refused = anonymous.get("/api/info", headers=headers)
    assert_error(refused, 431, "error-headers-too-large")
    assert refused.headers["X-Content-Type-Options"] == "nosniff"  # refusals carry the security headers
    assert_error(anonymous.get("/api/info", headers={"X-Big": "v" * 20_000}), 431, "error-headers-too-large")
    assert anonymous.get("/api/info").status_code == 200


# --- client-chosen ids ----------------------------------------------------------------------------------


def test_ten_concurrent_sends_of_one_message_id_all_get_the_first_answer(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = _visitor_chat(services, anonymous, agent, "same-id-visitor")

    def send() -> Any:
        return anonymous.post(
            "/api/v1/livechat/message",
            json={"token": visitor.token, "rid": rid, "msg": "once", "_id": "SameId12345"},
        )

    for _round in range(5):
        results = race([send for _ in range(10)])
        assert Counter(getattr(result, "status_code", repr(result)) for result in results) == {200: 10}
        answers = [result.json()["message"] for result in results]
        assert all(answer == answers[0] for answer in answers)  # the first send's answer, ten times
        assert answers[0]["_id"] == "SameId12345"
    with services.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(Message).where(Message.id == "SameId12345")) == 1
        )


def test_concurrent_first_messages_naming_one_new_room_open_it_once(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "new-room-racer", widget=True)
    visitor.register(name="Racer")

    def send(index: int) -> Any:
        return anonymous.post(
            "/api/v1/livechat/message",
            json={
                "token": visitor.token,
                "rid": "NewRoomByClient1",
                "msg": f"hi {index}",
                "_id": f"NewMsg{index:05}",
            },
        )

    results = race([lambda index=index: send(index) for index in range(10)])
    assert Counter(getattr(result, "status_code", repr(result)) for result in results) == {200: 10}
    with services.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Room)) == 1
        assert (
            session.scalar(
                select(func.count()).select_from(Message).where(Message.room_id == "NewRoomByClient1")
            )
            >= 10
        )
    json.dumps(results[0].json())


def test_a_streamed_body_is_cut_off_at_the_limit(anonymous: TestClient) -> None:
    def chunks() -> Any:
        for _ in range(200):
            yield b"x" * 1024

    response = anonymous.post(
        "/api/v1/livechat/offline.message", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "error-request-too-large")


def test_concurrent_agent_sends_of_one_message_id_are_one_message(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    _visitor, rid = _visitor_chat(services, anonymous, agent, "agent-same-id")
    taken = agent.get("/api/v1/livechat/inquiries.queued").json()
    for inquiry in taken.get("inquiries", []):
        agent.post("/api/v1/livechat/inquiries.take", json={"inquiryId": inquiry["_id"]})

    def send() -> Any:
        return agent.post(
            "/api/v1/chat.sendMessage", json={"message": {"rid": rid, "msg": "once", "_id": "AgentSame001"}}
        )

    results = race([send for _ in range(10)])
    statuses = Counter(getattr(result, "status_code", repr(result)) for result in results)
    assert statuses == {200: 10}, [result.text for result in results]
    with services.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(Message).where(Message.id == "AgentSame001")) == 1
        )


def test_every_string_column_has_a_bound() -> None:
    from sqlalchemy import String, Text

    from omnidesk.column_limits import TEXT_MAX_LENGTH
    from omnidesk.db import Base

    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            column_type = getattr(column.type, "impl", column.type)
            if isinstance(column_type, String) and not isinstance(column_type, Text):
                assert column_type.length, f"{table.name}.{column.name} has no length"
    assert TEXT_MAX_LENGTH == 65_535


def test_a_text_column_is_bounded_the_same_on_both_engines(services: Services, admin: Persona) -> None:
    response = admin.post(
        "/api/v1/livechat/department",
        json={
            "department": {
                "enabled": True,
                "name": "Long description",
                "showOnRegistration": True,
                "showOnOfflineForm": True,
                "email": "long@example.com",
                "description": "d" * 70_000,
            }
        },
    )
    assert_error(
        response,
        400,
        "invalid-params",
        "description must NOT have more than 65535 characters [invalid-params]",
    )
