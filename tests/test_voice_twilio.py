"""Twilio Voice intake: signed webhooks, TwiML answers, callbacks twice or out of order, blocked callers.

Requests are signed here with a separate implementation of Twilio's documented algorithm, itself checked
against the worked examples Twilio's libraries are tested with.
"""

from __future__ import annotations

import random
import threading
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from omnidesk.channels.voice_twilio import compute_signature, is_valid_signature
from omnidesk.models import Call, CallEvent, Contact, ContactPhone, User
from omnidesk.services import Services
from tests.helpers import Persona, assert_error, raw_rows
from tests.voice_helpers import CALLER, LINE_NUMBER, TOKEN, Twilio, incoming, make_line, sign, stamp, status

# Twilio's published example (twilio-python/-php/-csharp request-validator tests).
EXAMPLE_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
EXAMPLE_PARAMS = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+14158675309"),
    ("Digits", "1234"),
    ("From", "+14158675309"),
    ("To", "+18005551212"),
]


def test_signatures_match_twilios_documented_examples() -> None:
    assert sign("12345", EXAMPLE_URL, EXAMPLE_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert compute_signature("12345", EXAMPLE_URL, EXAMPLE_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ]
    assert sign("12345", EXAMPLE_URL, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert compute_signature("12345", EXAMPLE_URL, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    assert is_valid_signature("12345", EXAMPLE_URL, EXAMPLE_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    # Twilio's libraries accept the URL with or without the scheme's default port.
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert is_valid_signature("12345", with_port, EXAMPLE_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not is_valid_signature(
        "12345", EXAMPLE_URL + "&x=1", EXAMPLE_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    assert not is_valid_signature("54321", EXAMPLE_URL, EXAMPLE_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    assert not is_valid_signature("12345", EXAMPLE_URL, EXAMPLE_PARAMS, "")


# --- helpers -------------------------------------------------------------------------------------------


@pytest.fixture
def twilio(services: Services, app_client: TestClient) -> Twilio:
    return Twilio(app_client, services.settings.public_url, make_line(services))


def agent_leg(parent: str, call_status: str, at: int, sequence: int, agent: str = "alex") -> dict[str, str]:
    return {
        "CallSid": parent.replace("CA", "CB"),
        "ParentCallSid": parent,
        "AccountSid": "AC" + "ab" * 16,
        "From": CALLER,
        "To": f"client:{agent}",
        "Direction": "outbound-dial",
        "CallStatus": call_status,
        "Timestamp": stamp(at),
        "SequenceNumber": str(sequence),
        "CallbackSource": "call-progress-events",
    }


def full_flow(sid: str) -> list[tuple[str, dict[str, str]]]:
    """A call the contact manager answers after 12 s of ringing and talks on for 5 minutes."""
    return [
        ("status", status(sid, "ringing", 0, 0)),
        ("incoming", incoming(sid)),
        ("status", agent_leg(sid, "ringing", 2, 0)),
        ("status", agent_leg(sid, "in-progress", 12, 1)),
        ("status", agent_leg(sid, "completed", 312, 2)),
        (
            "status",
            status(
                sid,
                "completed",
                312,
                1,
                CallDuration="312",
                RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE{sid[2:]}",
                RecordingSid=f"RE{sid[2:]}",
                RecordingDuration="300",
                SomeFieldTwilioAddsLater="x",
            ),
        ),
    ]


def known_caller(services: Services, *, manager: Persona | None = None, available: bool = True) -> str:
    with services.transaction() as session:
        contact = Contact(
            name="Ann Example",
            contact_manager_id=manager.id if manager else None,
            custom_fields={},
            conflicting_fields=[],
        )
        contact.phones.append(ContactPhone(phone_number="(555) 010-2233", e164=CALLER))
        session.add(contact)
        if manager is not None and available:
            user = session.get(User, manager.id)
            assert user is not None
            user.livechat_status, user.status = "available", "online"
        session.flush()
        return contact.id


def the_call(persona: Persona, sid: str) -> dict[str, Any]:
    """The call as ``persona`` sees it; agents list their own calls only and must say so."""
    params: dict[str, Any] = {"count": 100}
    if persona.username in ("alex", "bea"):
        params["agents[]"] = persona.id
    listing = persona.get("/api/v1/omnichannel/calls", params=params).json()["calls"]
    matches = [call for call in listing if call["externalId"] == sid]
    assert len(matches) == 1, listing
    response = persona.get("/api/v1/omnichannel/calls.get", params={"callId": matches[0]["_id"]})
    assert response.status_code == 200, response.text
    call: dict[str, Any] = response.json()["call"]
    return call


def twiml(response: Any) -> ElementTree.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response"
    return root


# --- the flows -----------------------------------------------------------------------------------------


def test_a_signed_call_flow_from_ring_to_completed_computes_durations(
    services: Services, twilio: Twilio, agent: Persona, manager: Persona
) -> None:
    contact_id = known_caller(services, manager=agent)
    sid = "CA" + "1" * 32
    steps = full_flow(sid)
    for hook, params in steps[:2]:
        answer = twiml(twilio.post(hook, params))
    # The contact's manager is taking calls: ring them first, fall back to the queue if they do not answer.
    dial = answer.find("Dial")
    assert dial is not None and dial.find("Client") is not None
    assert dial.findtext("Client") == "alex"
    status_url = services.settings.public_url + twilio.path("status")
    assert dial.get("action") == f"{status_url}?agentId={agent.id}"
    assert dial.find("Client").get("statusCallback") == status_url  # type: ignore[union-attr]

    twilio.post(*steps[2])
    ringing = the_call(manager, sid)
    assert ringing["state"] == "ringing" and ringing["taskStatus"] == "reserved"
    assert ringing["servedBy"]["username"] == "alex"

    twilio.post(*steps[3])
    talking = the_call(agent, sid)
    assert talking["state"] == "in-progress" and talking["taskStatus"] == "assigned"
    assert talking["durations"]["waiting"] == 12 and talking["durations"]["talk"] is None

    for hook, params in steps[4:]:
        assert twiml(twilio.post(hook, params)).find("*") is None  # status callbacks get an empty <Response/>
    action = twilio.post(
        "status",
        {**incoming(sid), "DialCallStatus": "completed", "DialCallDuration": "300"},
        query=f"agentId={agent.id}",
    )
    assert twiml(action).find("Hangup") is not None

    call = the_call(agent, sid)
    assert call["state"] == "completed" and call["direction"] == "inbound"
    assert call["contactId"] == contact_id and call["fname"] == "Ann Example"
    assert call["servedBy"] == {"_id": agent.id, "username": "alex"}
    assert call["from"] == {"phoneNumber": CALLER, "e164": CALLER} and call["phone"] == CALLER
    assert call["queue"] == "support"
    assert call["ts"] == "2026-03-02T09:30:00.000Z"
    assert call["answeredAt"] == "2026-03-02T09:30:12.000Z"
    assert call["endedAt"] == "2026-03-02T09:35:12.000Z"
    assert call["durations"] == {"waiting": 12, "talk": 300, "hold": 0, "total": 312, "reported": 312}
    assert call["callDuration"] == 300_000 and call["callWaitingTime"] == 12_000
    assert call["recording"]["sid"] == "RE" + "1" * 32
    assert call["wrapUp"]["state"] == "pending" and call["taskStatus"] == "wrapping"
    assert call["followUp"] is False


def test_the_caller_waits_in_the_queue_when_no_agent_is_assigned(
    services: Services, twilio: Twilio, manager: Persona, agent: Persona
) -> None:
    known_caller(services, manager=agent, available=False)  # the manager is not taking calls
    sid = "CA" + "2" * 32
    twilio.post("status", status(sid, "ringing", 0, 0))
    answer = twiml(twilio.post("incoming", incoming(sid)))
    assert answer.findtext("Enqueue") == "support"
    assert answer.find("Enqueue").get("action") == (  # type: ignore[union-attr]
        services.settings.public_url + twilio.path("status")
    )
    # Twilio picking up an inbound call to play the queue is not an agent answering.
    twilio.post("status", status(sid, "in-progress", 1, 1))
    assert the_call(manager, sid)["state"] == "ringing"
    twilio.post("status", {**incoming(sid), "QueueResult": "bridged", "QueueTime": "45", "QueueSid": "QU1"})
    call = the_call(manager, sid)
    assert call["state"] == "in-progress" and call["durations"]["waiting"] == 45
    assert call["servedBy"] is None and call["taskStatus"] == "assigned"


def test_an_unanswered_dial_sends_the_caller_to_the_queue(
    services: Services, twilio: Twilio, manager: Persona, agent: Persona
) -> None:
    known_caller(services, manager=agent)
    sid = "CA" + "3" * 32
    twilio.post("incoming", incoming(sid))
    twilio.post("status", agent_leg(sid, "ringing", 1, 0))
    assert the_call(manager, sid)["servedBy"]["username"] == "alex"
    twilio.post("status", agent_leg(sid, "no-answer", 21, 1))
    action = twilio.post(
        "status",
        {**incoming(sid), "DialCallStatus": "no-answer", "DialCallDuration": "0"},
        query=f"agentId={agent.id}",
    )
    assert twiml(action).findtext("Enqueue") == "support"
    assert the_call(manager, sid)["servedBy"] is None


def test_duplicate_and_out_of_order_callbacks_converge(
    twilio: Twilio, manager: Persona, agent: Persona
) -> None:
    in_order, shuffled = "CA" + "4" * 32, "CA" + "5" * 32
    for hook, params in full_flow(in_order):
        twilio.post(hook, params)
    deliveries = full_flow(shuffled) * 2  # every callback twice
    random.Random(7).shuffle(deliveries)
    deliveries.insert(0, deliveries.pop(next(i for i, d in enumerate(deliveries) if "CallDuration" in d[1])))
    for hook, params in deliveries:  # the final "completed" first, then everything else in a muddle
        response = twilio.post(hook, params)
        assert response.status_code == 200, response.text

    def comparable(call: dict[str, Any]) -> dict[str, Any]:
        ignored = ("_id", "externalId", "_updatedAt", "recording", "previousCall")
        return {key: value for key, value in call.items() if key not in ignored}

    expected, converged = the_call(manager, in_order), the_call(manager, shuffled)
    assert converged["state"] == "completed"
    assert comparable(converged) == comparable(expected)
    assert (
        converged["durations"]
        == expected["durations"]
        == {"waiting": 12, "talk": 300, "hold": 0, "total": 312, "reported": 312}
    )
    # Each distinct callback is stored once.
    rows = raw_rows(twilio_services(twilio), "SELECT call_id, COUNT(*) FROM call_events GROUP BY call_id")
    assert sorted(count for _, count in rows) == [len(full_flow(in_order))] * 2


def twilio_services(twilio: Twilio) -> Services:
    services: Services = twilio.client.app.state.services  # type: ignore[attr-defined]
    return services


def test_forged_or_unsigned_requests_are_refused(services: Services, twilio: Twilio) -> None:
    sid = "CA" + "6" * 32
    params = incoming(sid)
    path_url = services.settings.public_url + twilio.path("incoming")
    forgeries = [
        "",  # unsigned
        sign("not-the-line-token", path_url, list(params.items())),
        sign(TOKEN, path_url, [*params.items(), ("Extra", "1")]),  # signed other parameters
        sign(TOKEN, services.settings.public_url + twilio.path("status"), list(params.items())),  # other URL
        "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
    ]
    for signature in forgeries:
        response = twilio.post("incoming", params, signature=signature)
        assert_error(response, 403, "error-invalid-signature")
    tampered = twilio.client.post(
        twilio.path("incoming"),
        content=urlencode({**params, "From": "+15559999999"}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(TOKEN, path_url, list(params.items())),
        },
    )
    assert_error(tampered, 403, "error-invalid-signature")
    assert raw_rows(services, "SELECT COUNT(*) FROM calls")[0][0] == 0
    # A line that does not exist, and a body that is not a form.
    other = Twilio(twilio.client, services.settings.public_url, "NoSuchLine")
    assert_error(other.post("incoming", params), 404, "error-not-found")
    response = twilio.client.post(twilio.path("incoming"), json={"CallSid": sid})
    assert_error(response, 400, "invalid-params")
    # Signed but without the fields every call has.
    assert_error(
        twilio.post("incoming", {"CallSid": sid, "To": LINE_NUMBER}),
        400,
        "invalid-params",
        "must have required property 'From' [invalid-params]",
    )


def test_a_blocked_number_is_rejected(services: Services, twilio: Twilio, manager: Persona) -> None:
    first = "CA" + "7" * 32
    twilio.post("incoming", incoming(first, caller="+1 555 010 2233"))
    call = the_call(manager, first)
    assert call["contactId"]
    channels = manager.get("/api/v1/omnichannel/contacts.channels", params={"contactId": call["contactId"]})
    assert channels.status_code == 200, channels.text
    voice = [channel for channel in channels.json()["channels"] if channel["name"] == "voice"]
    assert voice and voice[0]["visitor"] == {
        "visitorId": call["visitorId"],
        "source": {"type": "voice", "id": LINE_NUMBER},
    }
    association = {"visitor": voice[0]["visitor"]}
    response = manager.post("/api/v1/omnichannel/contacts.block", json=association)
    assert response.status_code == 200, response.text

    blocked = "CA" + "8" * 32
    answer = twiml(twilio.post("incoming", incoming(blocked)))
    assert [verb.tag for verb in answer] == ["Reject"]
    assert twiml(twilio.post("status", status(blocked, "busy", 1, 0))).find("*") is None
    assert raw_rows(services, f"SELECT COUNT(*) FROM calls WHERE external_id = '{blocked}'")[0][0] == 0
    event = {"externalId": "pbx-1", "event": "ringing", "from": "555-010-2233", "to": LINE_NUMBER}
    assert_error(
        manager.post("/api/v1/omnichannel/calls.event", json=event), 400, "error-contact-channel-blocked"
    )

    response = manager.post("/api/v1/omnichannel/contacts.unblock", json=association)
    assert response.status_code == 200, response.text
    assert twiml(twilio.post("incoming", incoming(blocked))).find("Enqueue") is not None


def test_a_missed_call_is_flagged_for_follow_up_until_wrapped_up(
    services: Services, twilio: Twilio, manager: Persona
) -> None:
    sid = "CA" + "9" * 32
    twilio.post("status", status(sid, "ringing", 0, 0))
    twilio.post("incoming", incoming(sid))
    twilio.post("status", status(sid, "completed", 40, 1, CallDuration="40"))  # hung up in the queue
    call = the_call(manager, sid)
    assert call["state"] == "no-answer" and call["followUp"] is True and call["taskStatus"] == "canceled"
    assert call["durations"]["waiting"] == 40 and call["durations"]["talk"] is None
    assert call["fname"] == CALLER  # an unknown caller's contact is named after the number
    listing = manager.get("/api/v1/omnichannel/calls", params={"followUp": "true"}).json()
    assert [c["_id"] for c in listing["calls"]] == [call["_id"]]
    response = manager.post(
        "/api/v1/omnichannel/calls.wrapup", json={"callId": call["_id"], "notes": "Called back, sorted."}
    )
    assert response.status_code == 200, response.text
    assert response.json()["call"]["followUp"] is False
    with services.transaction() as session:
        stored = session.get(Call, call["_id"])
        assert stored is not None and stored.wrapup_state == "completed"
        assert session.query(CallEvent).filter(CallEvent.call_id == stored.id).count() == 3


def deliver_at_once(twilio: Twilio, deliveries: list[tuple[str, dict[str, str]]]) -> list[int]:
    start = threading.Barrier(len(deliveries))
    statuses: list[int] = []

    def deliver(hook: str, params: dict[str, str]) -> None:
        start.wait()
        statuses.append(twilio.post(hook, params).status_code)

    threads = [threading.Thread(target=deliver, args=delivery) for delivery in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_callbacks_arriving_at_the_same_moment_make_one_call(services: Services, twilio: Twilio) -> None:
    for attempt in range(3):
        sid = f"CA{attempt}" + "a" * 31
        caller = f"+1555019000{attempt}"
        deliveries = [
            ("incoming", incoming(sid, caller=caller)),
            ("status", {**status(sid, "ringing", 0, 0), "From": caller}),
        ] * 2
        assert deliver_at_once(twilio, deliveries) == [200] * len(deliveries)
        calls = raw_rows(services, f"SELECT id, contact_id FROM calls WHERE external_id = '{sid}'")
        assert len(calls) == 1
        events = raw_rows(services, f"SELECT COUNT(*) FROM call_events WHERE call_id = '{calls[0][0]}'")
        assert events[0][0] == 2
    assert raw_rows(services, "SELECT COUNT(DISTINCT contact_id) FROM calls")[0][0] == 3
