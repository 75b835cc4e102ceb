"""Provider credentials and mail passwords are encrypted in the database, used decrypted, never sent
back, and survive a key rotation. A messaging channel's, a voice line's and an email inbox's provider
settings are each one encrypted document."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from omnidesk import secret_box
from omnidesk.actions.settings import rotate_secrets
from omnidesk.secret_box import decrypt_json
from omnidesk.services import Services
from omnidesk.workers.mail_delivery import inbox_smtp_config, smtp_config
from tests.helpers import Persona, assert_error, raw_rows
from tests.messaging_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    WA_ACCESS_TOKEN,
    WA_APP_SECRET,
    WA_VERIFY_TOKEN,
    WhatsApp,
    make_sms_channel,
    make_whatsapp_channel,
    whatsapp_notification,
)
from tests.voice_helpers import LINE_SID, LINE_TOKEN, new_line, ring

SMTP_SECRET = "smtp-password-that-must-not-leak"
IMAP_SECRET = "imap-password-that-must-not-leak"


@pytest.fixture
def restore_keys(services: Services) -> Iterator[None]:
    yield
    secret_box.configure(services.settings.secret_key, services.settings.secret_key_fallbacks)


def test_a_voice_lines_config_is_one_encrypted_document_and_still_checks_signatures(
    services: Services, admin: Persona
) -> None:
    line = new_line(admin)
    ((stored,),) = raw_rows(services, "SELECT config FROM voice_lines")
    assert stored.startswith("enc:v1:") and LINE_TOKEN not in stored and LINE_SID not in stored
    assert decrypt_json(stored) == {"account_sid": LINE_SID, "auth_token": LINE_TOKEN}
    assert LINE_TOKEN not in str(admin.get("/api/v1/omnichannel/voice.lines").json())
    assert ring(services, admin, line, LINE_TOKEN).status_code == 200


def test_a_messaging_channels_config_is_one_encrypted_document_and_still_checks_signatures(
    services: Services, admin: Persona, app_client: TestClient
) -> None:
    make_sms_channel(services)
    whatsapp_id = make_whatsapp_channel(services)
    stored = dict(raw_rows(services, "SELECT type, config FROM messaging_channels"))
    for secret in (ACCOUNT_SID, AUTH_TOKEN, WA_ACCESS_TOKEN, WA_APP_SECRET, WA_VERIFY_TOKEN):
        assert all(secret not in document for document in stored.values())
    assert all(document.startswith("enc:v1:") for document in stored.values())
    listed = admin.get("/api/v1/omnichannel/messaging.channels").text
    assert all(secret not in listed for secret in (AUTH_TOKEN, WA_ACCESS_TOKEN, WA_APP_SECRET))
    meta = WhatsApp(app_client, whatsapp_id)
    assert meta.post(whatsapp_notification()).status_code == 200


def test_an_email_inboxs_config_is_one_encrypted_document_and_survives_a_key_rotation(
    services: Services, admin: Persona, restore_keys: None
) -> None:
    server = {"port": 465, "username": "support@acme.example.com", "secure": True}
    body = {
        "name": "Support",
        "email": "support@acme.example.com",
        "active": False,
        "smtp": {"server": "smtp.acme.example.com", "password": SMTP_SECRET, **server},
        "imap": {"server": "imap.acme.example.com", "password": IMAP_SECRET, **server},
    }
    response = admin.post("/api/v1/email-inbox", json=body)
    assert response.status_code == 200, response.text
    inbox_id = response.json()["_id"]
    ((before,),) = raw_rows(services, "SELECT config FROM email_inboxes")
    assert before.startswith("enc:v1:")
    assert all(value not in before for value in (SMTP_SECRET, IMAP_SECRET, "acme.example.com"))
    document = decrypt_json(before)
    assert (document["smtp"]["password"], document["imap"]["password"]) == (SMTP_SECRET, IMAP_SECRET)
    shown = admin.get(f"/api/v1/email-inbox/{inbox_id}").text
    assert SMTP_SECRET not in shown and IMAP_SECRET not in shown and "enc:v1:" not in shown

    old = services.settings.secret_key
    secret_box.configure("a brand new secret key of more than 32 chars", [old])
    with services.transaction() as session:
        assert rotate_secrets(session) == 1
    ((after,),) = raw_rows(services, "SELECT config FROM email_inboxes")
    assert after != before and after.startswith("enc:v1:")
    secret_box.configure("a brand new secret key of more than 32 chars")
    sending = inbox_smtp_config(services, inbox_id)  # what the mail worker logs in with
    assert sending is not None and (sending.host, sending.password) == ("smtp.acme.example.com", SMTP_SECRET)


def test_the_smtp_password_is_stored_encrypted_and_never_sent_back(
    services: Services, admin: Persona
) -> None:
    assert admin.post("/api/v1/settings/SMTP_Password", json={"value": SMTP_SECRET}).status_code == 200
    ((stored,),) = raw_rows(services, "SELECT value FROM settings WHERE id = 'SMTP_Password'")
    assert SMTP_SECRET not in str(stored) and "enc:v1:" in str(stored)
    assert admin.get("/api/v1/settings/SMTP_Password").json()["value"] == "********"
    listed = admin.get("/api/v1/settings", params={"count": 1000}).text
    assert SMTP_SECRET not in listed and "enc:v1:" not in listed
    with services.transaction() as session:
        assert smtp_config(session).password == SMTP_SECRET  # what the mail worker logs in with


def test_secrets_survive_a_key_rotation(
    services: Services, admin: Persona, app_client: TestClient, restore_keys: None
) -> None:
    line = new_line(admin)
    meta = WhatsApp(app_client, make_whatsapp_channel(services))
    ((before,),) = raw_rows(services, "SELECT config FROM messaging_channels")
    old = services.settings.secret_key
    secret_box.configure("a brand new secret key of more than 32 chars", [old])
    assert ring(services, admin, line, LINE_TOKEN).status_code == 200  # the old key still decrypts
    with services.transaction() as session:
        assert rotate_secrets(session) == 2  # the line's token and the channel's config document
    ((after,),) = raw_rows(services, "SELECT config FROM messaging_channels")
    assert after != before and after.startswith("enc:v1:")
    secret_box.configure("a brand new secret key of more than 32 chars")
    assert ring(services, admin, line, LINE_TOKEN).status_code == 200  # now under the new key alone
    assert meta.post(whatsapp_notification()).status_code == 200


def test_an_unreadable_secret_is_a_clear_error_on_its_routes_only(
    services: Services, admin: Persona, anonymous: TestClient, restore_keys: None
) -> None:
    line = new_line(admin)
    secret_box.configure("some other key nobody listed as a fallback!")
    response = ring(services, admin, line, LINE_TOKEN)
    assert_error(response, 409, "error-secret-unreadable")
    assert anonymous.get("/api/info").status_code == 200
    assert admin.get("/api/v1/me").status_code == 200
