"""A call's recording is a link in the Calls panel, so only an absolute http(s) URL is ever stored as
one: ``calls.event`` refuses anything else, Twilio's callbacks drop it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omnidesk.models import Call, CallEvent
from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.voice_helpers import Twilio, incoming, make_line, status

EVENT = "/api/v1/omnichannel/calls.event"
REFUSED = "recordingUrl must be an absolute http or https URL [invalid-params]"
RECORDING = "https://recordings.example.com/calls/1.mp3"


def ended(external_id: str, recording_url: str) -> dict[str, Any]:
    return {
        "externalId": external_id,
        "event": "ended",
        "from": "+15550102233",
        "to": "+15550100000",
        "timestamp": "2026-03-02T09:02:00Z",
        "recordingUrl": recording_url,
    }


def count(services: Services, model: type[Call] | type[CallEvent]) -> int:
    with services.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "/recordings/1.mp3",
        "//evil.example/1.mp3",
        "http:///1.mp3",
        "https://",
        "ftp://files.example.com/1.mp3",
        "http://[::1",
    ],
)
def test_calls_event_refuses_a_recording_that_is_not_an_http_url(
    services: Services, manager: Persona, url: str
) -> None:
    assert_error(manager.post(EVENT, json=ended("pbx-1", url)), 400, "invalid-params", REFUSED)
    assert count(services, Call) == 0 and count(services, CallEvent) == 0  # nothing written


def test_calls_event_keeps_an_http_or_https_recording(manager: Persona) -> None:
    for external_id, url in (("pbx-1", RECORDING), ("pbx-2", "HTTP://pbx.example.com:8080/r/2.wav?x=1")):
        response = manager.post(EVENT, json=ended(external_id, url))
        assert response.status_code == 200, response.text
        call = response.json()["call"]
        assert call["recording"]["url"] == url and call["state"] == "voicemail"


def test_a_recording_stored_before_the_check_is_not_shown(services: Services, manager: Persona) -> None:
    ringing = {**ended("pbx-1", RECORDING), "event": "ringing", "timestamp": "2026-03-02T09:00:00Z"}
    del ringing["recordingUrl"]
    call_id = manager.post(EVENT, json=ringing).json()["call"]["_id"]
    with services.transaction() as session:
        session.add(
            CallEvent(
                call_id=call_id,
                kind="info",
                occurred_at=datetime(2026, 3, 2, 9, 1, tzinfo=UTC),
                source="api",
                dedup_key="api:old",
                data={"recordingUrl": "javascript:alert(1)"},
            )
        )
    response = manager.post(EVENT, json={**ringing, "event": "ended", "timestamp": "2026-03-02T09:02:00Z"})
    call = response.json()["call"]
    assert call["recording"] is None and call["state"] == "no-answer"


def test_twilio_callbacks_drop_a_recording_that_is_not_an_http_url(
    services: Services, app_client: TestClient, manager: Persona
) -> None:
    twilio = Twilio(app_client, services.settings.public_url, make_line(services))
    sid = "CA" + "7" * 32
    assert twilio.post("incoming", incoming(sid)).status_code == 200
    bad = status(sid, "no-answer", 30, 1, RecordingUrl="javascript:alert(1)", RecordingSid="RE1")
    assert twilio.post("status", bad).status_code == 200  # the rest of the callback still counts
    calls = manager.get("/api/v1/omnichannel/calls").json()["calls"]
    assert [(call["state"], call["recording"]) for call in calls] == [("no-answer", None)]

    good = status(sid, "no-answer", 31, 2, RecordingUrl=RECORDING, RecordingSid="RE2")
    assert twilio.post("status", good).status_code == 200
    calls = manager.get("/api/v1/omnichannel/calls").json()["calls"]
    assert calls[0]["recording"]["url"] == RECORDING
