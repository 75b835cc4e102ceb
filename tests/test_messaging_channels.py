"""``omnichannel/messaging.channels``: admins connect SMS (Twilio) and WhatsApp accounts; secrets are never
shown in full; each account names the webhook URLs to paste into the provider's console."""

from __future__ import annotations

from typing import Any

from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import make_department

PATH = "/api/v1/omnichannel/messaging.channels"
SMS = {
    "type": "sms",
    "phoneNumber": "+1 (555) 010-0000",
    "accountSid": "AC" + "ab" * 16,
    "authToken": "f0e1d2c3b4a5968778695a4b3c2d1e0f",
}
WHATSAPP = {
    "type": "whatsapp",
    "name": "WhatsApp support",
    "phoneNumber": "+15550100001",
    "phoneNumberId": "106540352242922",
    "accessToken": "EAAG-secret-access-token-9876",
    "appSecret": "6f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "verifyToken": "let-me-in-please",
}


def put(persona: Persona, path: str, body: dict[str, Any]) -> Any:
    return persona.client.put(path, json=body, headers=persona.headers)


def delete(persona: Persona, path: str) -> Any:
    return persona.client.delete(path, headers=persona.headers)


def test_an_admin_connects_a_twilio_sms_number_and_gets_its_webhook_urls(
    services: Services, admin: Persona
) -> None:
    department = make_department(services, "Sales")
    response = admin.post(PATH, json={**SMS, "departmentId": department})
    assert response.status_code == 200, response.text
    channel = response.json()["channel"]
    public = services.settings.public_url
    assert channel == {
        "_id": channel["_id"],
        "type": "sms",
        "provider": "twilio",
        "name": "SMS +15550100000",
        "phoneNumber": "+15550100000",
        "departmentId": department,
        "accountSid": SMS["accountSid"],
        "authToken": "********1e0f",
        "messagingServiceSid": None,
        "webhookUrl": f"{public}/api/v1/livechat/sms-incoming/twilio",
        "statusCallbackUrl": f"{public}/api/v1/livechat/sms-incoming/twilio/{channel['_id']}/status",
        "_createdAt": channel["_createdAt"],
        "_updatedAt": channel["_updatedAt"],
    }
    listed = admin.get(PATH).json()
    assert listed["total"] == 1 and listed["channels"] == [channel]
    assert admin.get(f"{PATH}/{channel['_id']}").json()["channel"] == channel


def test_an_admin_connects_a_whatsapp_number_with_every_secret_masked(
    services: Services, admin: Persona
) -> None:
    channel = admin.post(PATH, json=WHATSAPP).json()["channel"]
    assert channel["provider"] == "whatsapp-cloud"
    assert channel["phoneNumberId"] == WHATSAPP["phoneNumberId"]
    assert (channel["accessToken"], channel["appSecret"], channel["verifyToken"]) == (
        "********9876",
        "********e1f0",
        "********ease",
    )
    assert (
        channel["webhookUrl"]
        == f"{services.settings.public_url}/api/v1/livechat/whatsapp-incoming/{channel['_id']}"
    )
    for secret in (WHATSAPP["accessToken"], WHATSAPP["appSecret"], WHATSAPP["verifyToken"]):
        assert secret not in str(admin.get(PATH).json())
    assert admin.get(PATH, params={"type": "sms"}).json()["total"] == 0


def test_sending_back_the_masked_secret_keeps_the_saved_one(services: Services, admin: Persona) -> None:
    channel = admin.post(PATH, json=WHATSAPP).json()["channel"]
    path = f"{PATH}/{channel['_id']}"
    response = put(
        admin, path, {"accessToken": channel["accessToken"], "appSecret": "new-app-secret-0000", "name": "WA"}
    )
    assert response.status_code == 200, response.text
    changed = response.json()["channel"]
    assert (changed["accessToken"], changed["appSecret"], changed["name"]) == (
        "********9876",
        "********0000",
        "WA",
    )
    from omnidesk.channels import whatsapp_cloud
    from omnidesk.channels.registry import config_of
    from omnidesk.models import MessagingChannel

    with services.transaction() as session:
        stored = session.get(MessagingChannel, channel["_id"])
        assert stored is not None
        config = config_of(stored, whatsapp_cloud.CHANNEL)
        assert (config.access_token, config.app_secret) == (WHATSAPP["accessToken"], "new-app-secret-0000")


def test_a_messaging_service_may_stand_in_for_the_number(admin: Persona) -> None:
    body = {**SMS, "messagingServiceSid": "MG" + "cd" * 16}
    del body["phoneNumber"]
    response = admin.post(PATH, json=body)
    assert response.status_code == 200, response.text
    assert response.json()["channel"]["phoneNumber"] is None
    assert response.json()["channel"]["name"] == "SMS " + body["messagingServiceSid"]


def test_the_department_can_be_changed_and_removed(services: Services, admin: Persona) -> None:
    department = make_department(services, "Support")
    channel = admin.post(PATH, json=SMS).json()["channel"]
    path = f"{PATH}/{channel['_id']}"
    assert put(admin, path, {"departmentId": department}).json()["channel"]["departmentId"] == department
    assert put(admin, path, {"departmentId": None}).json()["channel"]["departmentId"] is None
    assert_error(put(admin, path, {"departmentId": "nope"}), 400, "error-invalid-department")


def test_bad_settings_are_refused_with_clear_errors(admin: Persona) -> None:
    assert_error(admin.post(PATH, json={**SMS, "accountSid": "123"}), 400, "error-invalid-account-sid")
    assert_error(admin.post(PATH, json={**SMS, "phoneNumber": "call me"}), 400, "error-invalid-phone-number")
    no_number = {key: value for key, value in SMS.items() if key != "phoneNumber"}
    assert_error(admin.post(PATH, json=no_number), 400, "error-invalid-params")
    no_token = {key: value for key, value in SMS.items() if key != "authToken"}
    assert_error(
        admin.post(PATH, json=no_token),
        400,
        "invalid-params",
        "must have required property 'authToken' [invalid-params]",
    )
    assert_error(admin.post(PATH, json={**SMS, "appSecret": "x"}), 400, "error-invalid-params")
    assert_error(
        admin.post(PATH, json={**WHATSAPP, "phoneNumberId": "abc"}), 400, "error-invalid-phone-number-id"
    )
    no_secret = {key: value for key, value in WHATSAPP.items() if key != "appSecret"}
    assert_error(admin.post(PATH, json=no_secret), 400, "invalid-params")
    assert_error(admin.post(PATH, json={**SMS, "type": "fax"}), 400, "invalid-params")
    assert_error(admin.post(PATH, json={**SMS, "authToken": "   "}), 400, "error-invalid-params")
    assert admin.post(PATH, json=SMS).status_code == 200
    assert_error(
        admin.post(PATH, json={**SMS, "phoneNumber": "+15550100000"}), 400, "error-messaging-channel-exists"
    )
    assert admin.post(PATH, json=WHATSAPP).status_code == 200
    again = {**WHATSAPP, "phoneNumber": "+15550100002"}
    assert_error(admin.post(PATH, json=again), 400, "error-messaging-channel-exists")


def test_only_admins_configure_messaging_channels(admin: Persona, manager: Persona, agent: Persona) -> None:
    channel = admin.post(PATH, json=SMS).json()["channel"]
    path = f"{PATH}/{channel['_id']}"
    for persona in (manager, agent):
        assert_error(persona.get(PATH), 403, "error-unauthorized")
        assert_error(persona.post(PATH, json=WHATSAPP), 403, "error-unauthorized")
        assert_error(persona.get(path), 403, "error-unauthorized")
        assert_error(put(persona, path, {"name": "mine"}), 403, "error-unauthorized")
        assert_error(delete(persona, path), 403, "error-unauthorized")
    assert persona.client.get(PATH).status_code == 401


def test_deleting_a_channel_keeps_its_chats(services: Services, admin: Persona, manager: Persona) -> None:
    from tests.messaging_helpers import TwilioSms

    channel = admin.post(PATH, json=SMS).json()["channel"]
    TwilioSms(admin.client, services.settings.public_url).incoming("hello")
    assert delete(admin, f"{PATH}/{channel['_id']}").status_code == 200
    assert_error(admin.get(f"{PATH}/{channel['_id']}"), 404, "error-not-found")
    assert_error(delete(admin, f"{PATH}/{channel['_id']}"), 404, "error-not-found")
    assert manager.get("/api/v1/livechat/rooms").json()["total"] == 1
