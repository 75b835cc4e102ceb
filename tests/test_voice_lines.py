"""Voice lines: admins connect Twilio numbers; the API shows where to point Twilio and never the token."""

from __future__ import annotations

from typing import Any

import pytest

from omnidesk.services import Services
from tests.helpers import Persona, assert_error, raw_rows
from tests.voice_helpers import LINE_SID, LINE_TOKEN, new_line, ring


def test_an_admin_connects_a_line_and_gets_the_urls_to_paste_into_twilio(
    services: Services, admin: Persona
) -> None:
    line = new_line(admin)
    base = f"{services.settings.public_url}/api/v1/omnichannel/voice/twilio/{line['_id']}"
    assert line["phoneNumber"] == "+15550100000" and line["provider"] == "twilio"
    assert line["accountSid"] == LINE_SID and line["queue"] == "support" and line["departmentId"] is None
    assert line["webhookUrl"] == f"{base}/incoming" and line["statusCallbackUrl"] == f"{base}/status"
    assert line["authToken"] == "********wxyz"
    listed = admin.get("/api/v1/omnichannel/voice.lines").json()
    assert listed["lines"] == [line] and listed["total"] == 1
    assert admin.get(f"/api/v1/omnichannel/voice.lines/{line['_id']}").json()["line"] == line
    assert LINE_TOKEN not in str(listed)
    assert ring(services, admin, line, LINE_TOKEN).status_code == 200


def test_updating_keeps_the_token_unless_a_new_one_is_given(
    services: Services, admin: Persona, manager: Persona
) -> None:
    department = manager.post(
        "/api/v1/livechat/department",
        json={
            "department": {
                "enabled": True,
                "name": "Sales",
                "email": "s@example.com",
                "showOnRegistration": True,
                "showOnOfflineForm": True,
            }
        },
    )
    assert department.status_code == 200, department.text
    department_id = department.json()["department"]["_id"]
    line = new_line(admin)
    path = f"/api/v1/omnichannel/voice.lines/{line['_id']}"
    # A client may send back the line it read, masked token included.
    echoed = {key: line[key] for key in ("phoneNumber", "provider", "accountSid", "authToken")}
    response = admin.client.put(
        path, json={**echoed, "queue": "sales", "departmentId": department_id}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["line"]["queue"] == "sales"
    assert response.json()["line"]["departmentId"] == department_id
    assert ring(services, admin, line, LINE_TOKEN).status_code == 200

    response = admin.client.put(
        path, json={"authToken": "a-brand-new-token-9876", "departmentId": None}, headers=admin.headers
    )
    assert response.json()["line"]["authToken"] == "********9876"
    assert response.json()["line"]["departmentId"] is None
    assert_error(ring(services, admin, line, LINE_TOKEN), 403, "error-invalid-signature")
    assert ring(services, admin, line, "a-brand-new-token-9876").status_code == 200


def test_deleting_a_line_keeps_its_calls(services: Services, admin: Persona) -> None:
    line = new_line(admin)
    ring(services, admin, line, LINE_TOKEN)
    response = admin.client.delete(f"/api/v1/omnichannel/voice.lines/{line['_id']}", headers=admin.headers)
    assert response.status_code == 200 and response.json() == {"success": True}
    assert admin.get("/api/v1/omnichannel/voice.lines").json()["total"] == 0
    assert raw_rows(services, "SELECT line_id FROM calls") == [(None,)]
    assert_error(ring(services, admin, line, LINE_TOKEN), 404, "error-not-found")
    assert_error(admin.get(f"/api/v1/omnichannel/voice.lines/{line['_id']}"), 404, "error-not-found")


def test_only_admins_manage_lines(admin: Persona, manager: Persona, agent: Persona) -> None:
    line = new_line(admin)
    for persona in (manager, agent):
        assert_error(persona.get("/api/v1/omnichannel/voice.lines"), 403, "error-unauthorized")
        assert_error(persona.get(f"/api/v1/omnichannel/voice.lines/{line['_id']}"), 403, "error-unauthorized")
        body = {
            "phoneNumber": "+15550100001",
            "provider": "twilio",
            "accountSid": LINE_SID,
            "authToken": "t",
            "queue": "q",
        }
        assert_error(persona.post("/api/v1/omnichannel/voice.lines", json=body), 403, "error-unauthorized")
        response = persona.client.delete(
            f"/api/v1/omnichannel/voice.lines/{line['_id']}", headers=persona.headers
        )
        assert_error(response, 403, "error-unauthorized")


@pytest.mark.parametrize(
    ("fields", "status", "error_type", "error"),
    [
        ({"phoneNumber": "call me"}, 400, "error-invalid-phone-number", None),
        ({"accountSid": "AC123"}, 400, "error-invalid-account-sid", None),
        (
            {"provider": "vonage"},
            400,
            "invalid-params",
            "must be equal to one of the allowed values [invalid-params]",
        ),
        ({"authToken": ""}, 400, "invalid-params", "must NOT have fewer than 1 characters [invalid-params]"),
        ({"queue": 7}, 400, "invalid-params", "must be string [invalid-params]"),
        ({"departmentId": "nope"}, 400, "error-invalid-department", None),
        (
            {"webhookUrl": "https://evil.example"},
            400,
            "invalid-params",
            "must NOT have additional properties [invalid-params]",
        ),
    ],
)
def test_bad_lines_are_refused(
    admin: Persona, fields: dict[str, Any], status: int, error_type: str, error: str | None
) -> None:
    body = {
        "phoneNumber": "+15550100000",
        "provider": "twilio",
        "accountSid": LINE_SID,
        "authToken": LINE_TOKEN,
        "queue": "support",
        **fields,
    }
    assert_error(admin.post("/api/v1/omnichannel/voice.lines", json=body), status, error_type, error)


def test_a_number_has_one_line(admin: Persona) -> None:
    new_line(admin)
    body = {
        "phoneNumber": "+15550100000",
        "provider": "twilio",
        "accountSid": LINE_SID,
        "authToken": LINE_TOKEN,
        "queue": "other",
    }
    response = admin.post("/api/v1/omnichannel/voice.lines", json=body)
    assert_error(response, 400, "error-voice-line-exists")
    body = {k: body[k] for k in ("phoneNumber", "queue")}
    assert_error(
        admin.post("/api/v1/omnichannel/voice.lines", json=body),
        400,
        "invalid-params",
        "must have required property 'provider' [invalid-params]",
    )
