"""The call log: the generic call-event API, manual logging, the Calls listing and its search, who sees
which calls, wrap-up, and a contact's calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from omnidesk.events import CallChanged, Event
from omnidesk.models import Contact, ContactPhone
from omnidesk.phones import to_e164
from omnidesk.services import Services
from tests.helpers import Persona, assert_error, create_contact
from tests.voice_helpers import make_line

LINE = "+15550100000"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FORBIDDEN = "User does not have the permissions required for this action [error-unauthorized]"


def at(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def send(persona: Persona, **body: Any) -> dict[str, Any]:
    response = persona.post("/api/v1/omnichannel/calls.event", json=body)
    assert response.status_code == 200, response.text
    call: dict[str, Any] = response.json()["call"]
    return call


def a_call(persona: Persona, external_id: str, caller: str, agent: Persona | None, start: int = 0) -> str:
    """A finished inbound call from ``caller``: 10 s ringing, 2 min talking with ``agent``."""
    numbers = {"from": caller, "to": LINE}
    send(persona, externalId=external_id, event="ringing", timestamp=at(start), queue="sales", **numbers)
    if agent is not None:
        send(persona, externalId=external_id, event="answered", timestamp=at(start + 10), agentId=agent.id)
    call = send(persona, externalId=external_id, event="ended", timestamp=at(start + 130))
    call_id: str = call["_id"]
    return call_id


def contact_with_phone(services: Services, name: str, phone: str) -> str:
    with services.transaction() as session:
        contact = Contact(name=name, custom_fields={}, conflicting_fields=[])
        contact.phones.append(ContactPhone(phone_number=phone, e164=to_e164(phone, default_region="US")))
        session.add(contact)
        session.flush()
        return contact.id


def listing(persona: Persona, **params: Any) -> dict[str, Any]:
    response = persona.get("/api/v1/omnichannel/calls", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def get(persona: Persona, call_id: str) -> dict[str, Any]:
    response = persona.get("/api/v1/omnichannel/calls.get", params={"callId": call_id})
    assert response.status_code == 200, response.text
    call: dict[str, Any] = response.json()["call"]
    return call


def test_the_generic_event_api_derives_states_and_hold_and_talk_times(
    manager: Persona, agent: Persona, agent2: Persona
) -> None:
    numbers = {"from": "+44 20 7946 0958", "to": LINE, "provider": "asterisk"}
    ringing = send(manager, externalId="pbx-7", event="ringing", timestamp=at(0), eventId="e1", **numbers)
    assert ringing["state"] == "ringing" and ringing["taskStatus"] == "pending"
    assert ringing["phone"] == "+442079460958" and ringing["provider"] == "asterisk"
    steps: list[dict[str, Any]] = [
        {"event": "answered", "timestamp": at(10), "agentId": agent.id, "eventId": "e2"},
        {"event": "held", "timestamp": at(70), "eventId": "e3"},
        {"event": "resumed", "timestamp": at(100), "eventId": "e4"},
        {"event": "transferred", "timestamp": at(120), "agentId": agent2.id, "eventId": "e5"},
        {"event": "held", "timestamp": at(150), "eventId": "e6"},
    ]
    for step in steps:
        call = send(manager, externalId="pbx-7", provider="asterisk", **step)
    assert call["state"] == "on-hold" and call["onHoldSince"] == "2026-03-02T09:02:30.000Z"
    assert call["servedBy"]["username"] == "bea"
    # A repeated event (same eventId) changes nothing, the end arrives, then a late duplicate of the hold.
    send(manager, externalId="pbx-7", provider="asterisk", **steps[1])
    send(manager, externalId="pbx-7", provider="asterisk", event="ended", timestamp=at(190), eventId="e7")
    call = send(manager, externalId="pbx-7", provider="asterisk", **steps[4])
    assert call["state"] == "completed" and call["onHoldSince"] is None
    assert call["durations"] == {"waiting": 10, "talk": 110, "hold": 70, "total": 190, "reported": None}
    assert call["callTotalHoldTime"] == 70 and call["open"] is False
    assert call["wrapUp"]["state"] == "pending"


def test_an_ended_state_can_be_given_and_the_first_event_needs_the_numbers(manager: Persona) -> None:
    call = send(
        manager, externalId="x-1", event="ended", state="busy", timestamp=at(5), **{"from": "555-0199"}
    )
    assert call["state"] == "busy" and call["followUp"] is True
    response = manager.post("/api/v1/omnichannel/calls.event", json={"externalId": "x-2", "event": "ringing"})
    assert_error(response, 400, "error-call-number-required")
    outbound = send(
        manager, externalId="x-3", event="answered", direction="outbound", to="555-555-0123", **{"from": LINE}
    )
    assert outbound["phone"] == "+15555550123" and outbound["state"] == "in-progress"


def test_search_by_name_and_by_phone_in_any_format(services: Services, manager: Persona) -> None:
    contact_with_phone(services, "Ann Example", "+1 555 010 2233")
    ann = a_call(manager, "c-ann", "+15550102233", None)
    other = a_call(manager, "c-other", "(555) 987-6543", None, start=300)
    assert get(manager, ann)["fname"] == "Ann Example"
    for text in ("ann", "EXAMPLE", "+1 555 010 2233", "(555) 010-2233", "555.010.2233", "5550102233", "0102"):
        found = listing(manager, searchText=text)
        assert [call["_id"] for call in found["calls"]] == [ann], text
    assert [call["_id"] for call in listing(manager, searchText="987-65")["calls"]] == [other]
    assert listing(manager, searchText="nobody")["total"] == 0
    everything = listing(manager)
    assert [call["_id"] for call in everything["calls"]] == [other, ann]  # newest first
    assert everything["total"] == 2 and everything["count"] == 2 and everything["offset"] == 0


def test_filters_sort_and_pages(manager: Persona, agent: Persona, agent2: Persona) -> None:
    first = a_call(manager, "f-1", "+15550000001", agent, start=0)
    second = a_call(manager, "f-2", "+15550000002", agent2, start=600)
    missed = a_call(manager, "f-3", "+15550000003", None, start=1200)
    send(
        manager,
        externalId="f-4",
        event="ringing",
        direction="outbound",
        to="+15550000004",
        timestamp=at(1800),
        queue="retention",
        **{"from": LINE},
    )

    def ids(**params: Any) -> list[str]:
        return [call["externalId"] for call in listing(manager, **params)["calls"]]

    assert ids(direction="outbound") == ["f-4"]
    assert ids(**{"state[]": ["no-answer", "completed"]}) == ["f-3", "f-2", "f-1"]
    assert ids(state="ringing") == ["f-4"]
    assert ids(queue="retention") == ["f-4"]
    assert ids(**{"agents[]": [agent.id, agent2.id]}) == ["f-2", "f-1"]
    assert ids(followUp="true") == ["f-3"]
    assert ids(createdAt='{"start": "2026-03-02T09:05:00Z", "end": "2026-03-02T09:25:00Z"}') == ["f-3", "f-2"]
    assert ids(sort='{"ts": 1}', count=2) == ["f-1", "f-2"]
    assert ids(sort='{"ts": 1}', count=2, offset=2) == ["f-3", "f-4"]
    assert ids(sort='{"callDuration": -1, "ts": 1}')[:2] == ["f-1", "f-2"]
    assert {first, second, missed} <= {call["_id"] for call in listing(manager)["calls"]}


def test_a_national_number_of_a_region_with_a_line_finds_contacts_and_calls(
    services: Services, manager: Persona
) -> None:
    # The workspace reads national numbers as US ones, until it has a London line.
    contact_id = create_contact(manager, name="Ada London", emails=[], phones=["+44 20 7946 0958"])
    call_id = a_call(manager, "uk-1", "+442079460958", None)

    def found(text: str = "020 7946 0958") -> tuple[list[str], list[str]]:
        contacts = manager.get("/api/v1/omnichannel/contacts.search", params={"searchText": text})
        assert contacts.status_code == 200, contacts.text
        calls = listing(manager, searchText=text)["calls"]
        return [c["_id"] for c in contacts.json()["contacts"]], [call["_id"] for call in calls]

    assert found() == ([], [])
    make_line(services, number="+442071838750")
    assert found() == ([contact_id], [call_id])
    assert found("+44 20 7946 0958") == found("020 7946 0958")


def test_a_national_number_calling_our_uk_line_is_read_as_a_uk_one(
    services: Services, manager: Persona, agent: Persona
) -> None:
    # The workspace reads national numbers as US ones (its default); those on our London line as UK ones.
    london = "+44 20 7183 8750"
    make_line(services, number="+442071838750")
    contact_id = create_contact(agent, name="Ada London", emails=[], phones=["+44 20 7946 0958"])
    rang = send(
        manager, externalId="uk-in", event="ringing", timestamp=at(0), **{"from": "020 7946 0958"}, to=london
    )
    logged = agent.post(
        "/api/v1/omnichannel/calls.log",
        json={
            "direction": "outbound",
            "phoneNumber": "020 7946 0958",
            "lineNumber": london,
            "startedAt": at(600),
            "endedAt": at(660),
        },
    )
    assert logged.status_code == 200, logged.text
    for call in (rang, logged.json()["call"]):
        assert (call["phone"], call["contactId"]) == ("+442079460958", contact_id)
    # Without a line the number is read in the default region, where it is none: kept as received.
    elsewhere = send(
        manager, externalId="us-in", event="ringing", timestamp=at(900), **{"from": "020 7946 0958"}, to=LINE
    )
    assert elsewhere["phone"] == "020 7946 0958" and elsewhere["contactId"] != contact_id


def test_a_calls_number_is_written_for_people_as_contacts_writes_it(manager: Persona, agent: Persona) -> None:
    create_contact(agent, name="Ada London", emails=[], phones=["+44 20 7946 0958"])
    known = send(
        manager, externalId="known", event="ringing", timestamp=at(0), **{"from": "+442079460958"}, to=LINE
    )
    assert (known["phone"], known["phoneFormatted"]) == ("+442079460958", "+44 20 7946 0958")
    # A caller nobody typed in (its contact is unknown, named after the number): the international format.
    stranger = send(
        manager, externalId="new", event="ringing", timestamp=at(60), **{"from": "+4930901820"}, to=LINE
    )
    assert (stranger["phone"], stranger["phoneFormatted"]) == ("+4930901820", "+49 30 901820")
    # A number that does not parse stays as received.
    odd = send(
        manager, externalId="odd", event="ringing", timestamp=at(120), **{"from": "020 7946 0958"}, to=LINE
    )
    assert (odd["phone"], odd["phoneFormatted"]) == ("020 7946 0958", "020 7946 0958")
    shown = {call["_id"]: call["phoneFormatted"] for call in listing(manager)["calls"]}
    assert shown == {
        known["_id"]: "+44 20 7946 0958",
        stranger["_id"]: "+49 30 901820",
        odd["_id"]: "020 7946 0958",
    }


def test_an_agent_is_limited_to_its_own_calls(manager: Persona, agent: Persona, agent2: Persona) -> None:
    mine = a_call(manager, "a-1", "+15550000011", agent)
    theirs = a_call(manager, "a-2", "+15550000012", agent2, start=60)
    for params in ({}, {"agents[]": agent2.id}, {"agents[]": [agent.id, agent2.id]}):
        response = agent.get("/api/v1/omnichannel/calls", params=params)
        assert_error(response, 403, "error-unauthorized", FORBIDDEN)
    own = listing(agent, **{"agents[]": agent.id})
    assert [call["_id"] for call in own["calls"]] == [mine]
    assert get(agent, mine)["_id"] == mine
    assert_error(
        agent.get("/api/v1/omnichannel/calls.get", params={"callId": theirs}), 403, "error-unauthorized"
    )
    wrap = {"callId": theirs, "notes": "not mine"}
    assert_error(agent.post("/api/v1/omnichannel/calls.wrapup", json=wrap), 403, "error-unauthorized")
    assert listing(manager)["total"] == 2
    assert get(manager, theirs)["servedBy"]["username"] == "bea"
    # Only integrations (managers by default) send PBX events.
    event = {"externalId": "a-3", "event": "ringing", "from": "+15550000013", "to": LINE}
    assert_error(agent.post("/api/v1/omnichannel/calls.event", json=event), 403, "error-unauthorized")


def test_wrap_up_notes_are_saved_and_returned_with_the_last_call_time(
    services: Services, manager: Persona, agent: Persona, published: list[Event]
) -> None:
    contact_with_phone(services, "Ann Example", "(555) 010-2233")
    earlier = a_call(manager, "w-1", "+15550102233", agent, start=0)
    latest = a_call(manager, "w-2", "+1 555-010-2233", agent, start=3600)
    first_call = get(agent, earlier)
    assert first_call["previousCall"] is None
    response = agent.post(
        "/api/v1/omnichannel/calls.wrapup",
        json={"callId": latest, "notes": "Wants the blue model.", "tags": ["sales", " lead ", "sales"]},
    )
    assert response.status_code == 200, response.text
    call = get(agent, latest)
    assert call["wrapUp"]["state"] == "completed" and call["taskStatus"] == "completed"
    assert call["wrapUp"]["notes"] == "Wants the blue model." and call["tags"] == ["sales", "lead"]
    assert call["wrapUp"]["completedBy"] == {"_id": agent.id, "username": "alex"}
    assert call["wrapUp"]["edited"] is False
    assert call["previousCall"] == {
        "_id": earlier,
        "ts": first_call["ts"],
        "state": "completed",
        "direction": "inbound",
    }
    assert call["contactId"] == first_call["contactId"]
    assert any(isinstance(e, CallChanged) and e.op == "wrapped-up" and e.call_id == latest for e in published)

    # Editing later keeps the earlier version; a manager may edit an agent's wrap-up.
    manager.post(
        "/api/v1/omnichannel/calls.wrapup", json={"callId": latest, "notes": "Ordered the blue one."}
    )
    edited = get(agent, latest)
    assert edited["wrapUp"]["notes"] == "Ordered the blue one." and edited["wrapUp"]["edited"] is True
    history = edited["wrapUp"]["history"]
    assert [entry["notes"] for entry in history] == ["Wants the blue model.", "Ordered the blue one."]
    assert [entry["by"]["username"] for entry in history] == ["alex", "mona"]


def test_an_agent_logs_a_call_by_hand(services: Services, agent: Persona, agent2: Persona) -> None:
    contact_id = contact_with_phone(services, "Ann Example", "+15550102233")
    body = {
        "direction": "outbound",
        "phoneNumber": "555 010 2233",
        "startedAt": at(0),
        "answeredAt": at(20),
        "endedAt": at(260),
        "notes": "Confirmed the delivery date.",
        "tags": ["delivery"],
    }
    response = agent.post("/api/v1/omnichannel/calls.log", json=body)
    assert response.status_code == 200, response.text
    call = response.json()["call"]
    assert call["provider"] == "manual" and call["direction"] == "outbound"
    assert call["contactId"] == contact_id and call["servedBy"]["username"] == "alex"
    assert call["durations"]["waiting"] == 20 and call["durations"]["talk"] == 240
    assert (
        call["wrapUp"]["state"] == "completed" and call["wrapUp"]["notes"] == "Confirmed the delivery date."
    )

    missed = agent.post(
        "/api/v1/omnichannel/calls.log",
        json={
            "direction": "inbound",
            "phoneNumber": "+15550102233",
            "startedAt": at(900),
            "endedAt": at(930),
        },
    ).json()["call"]
    assert missed["state"] == "no-answer" and missed["followUp"] is True

    history = agent.get("/api/v1/omnichannel/contacts.calls", params={"contactId": contact_id}).json()
    assert [c["_id"] for c in history["calls"]] == [missed["_id"], call["_id"]]  # newest first
    assert history["total"] == 2
    # An agent's contact history shows the calls it handled, not a colleague's.
    assert (
        agent2.get("/api/v1/omnichannel/contacts.calls", params={"contactId": contact_id}).json()["total"]
        == 0
    )

    for_someone_else = {**body, "agentId": agent2.id}
    assert_error(
        agent.post("/api/v1/omnichannel/calls.log", json=for_someone_else), 403, "error-unauthorized"
    )
    unknown = agent.get("/api/v1/omnichannel/contacts.calls", params={"contactId": "nope"})
    assert_error(unknown, 404, "error-contact-not-found", "error-contact-not-found")


def test_a_callers_number_becomes_a_voice_channel_of_its_contact(
    services: Services, manager: Persona
) -> None:
    call_id = a_call(manager, "v-1", "+15550109999", None)
    call = get(manager, call_id)
    response = manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": call["contactId"]})
    assert response.status_code == 200, response.text
    contact = response.json()["contact"]
    assert contact["unknown"] is True and contact["phones"] == [{"phoneNumber": "+15550109999"}]
    # The same number in another format is the same caller.
    again = get(manager, a_call(manager, "v-2", "(555) 010-9999", None, start=600))
    assert again["contactId"] == call["contactId"] and again["visitorId"] == call["visitorId"]
    assert again["previousCall"]["_id"] == call_id


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("calls.event", {"event": "ringing"}, "must have required property 'externalId'"),
        ("calls.event", {"externalId": "e", "event": "rang"}, "must be equal to one of the allowed values"),
        (
            "calls.event",
            {"externalId": "e", "event": "ringing", "timestamp": "yesterday"},
            'must match format "date-time"',
        ),
        (
            "calls.event",
            {"externalId": "e", "event": "ended", "state": "lost"},
            "must be equal to one of the allowed values",
        ),
        ("calls.event", {"externalId": "e", "event": "ringing", "from": 5551234}, "must be string"),
        (
            "calls.log",
            {"direction": "inbound", "phoneNumber": "1", "startedAt": at(0)},
            "must have required property 'endedAt'",
        ),
        ("calls.wrapup", {"callId": "x", "notes": 42}, "must be string"),
        ("calls.wrapup", {"callId": "x", "notes": "n", "tags": "sales"}, "must be array"),
        (
            "calls.wrapup",
            {"callId": "x", "notes": "n", "sentiment": "good"},
            "must NOT have additional properties",
        ),
    ],
)
def test_bad_bodies_are_400(manager: Persona, path: str, body: dict[str, Any], error: str) -> None:
    response = manager.post(f"/api/v1/omnichannel/{path}", json=body)
    assert_error(response, 400, "invalid-params", f"{error} [invalid-params]")


def test_bad_values_and_queries_are_400(manager: Persona, agent: Persona) -> None:
    times = {"direction": "inbound", "phoneNumber": "+15550100001", "startedAt": at(60), "endedAt": at(0)}
    assert_error(agent.post("/api/v1/omnichannel/calls.log", json=times), 400, "error-invalid-call-times")
    transfer = {"externalId": "t", "event": "transferred", "from": "+15550100001", "to": LINE}
    assert_error(manager.post("/api/v1/omnichannel/calls.event", json=transfer), 400, "error-invalid-agent")
    assert_error(manager.get("/api/v1/omnichannel/calls", params={"state": "lost"}), 400, "invalid-params")
    assert_error(
        manager.get("/api/v1/omnichannel/calls", params={"createdAt": "{"}), 400, "error-invalid-params"
    )
    assert_error(
        manager.get("/api/v1/omnichannel/calls", params={"sort": '{"secret": 1}'}),
        400,
        "error-invalid-sort-field",
    )
    assert_error(
        manager.get("/api/v1/omnichannel/calls.get", params={"callId": "nope"}), 404, "error-call-not-found"
    )
    assert_error(manager.get("/api/v1/omnichannel/calls.get"), 400, "invalid-params")
