"""Duplicates refused at the door: a contact staff create or edit may not take an email or phone that
another contact has, unless they say so (``allowDuplicate``)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from omnidesk.services import Services
from tests.helpers import Persona, assert_error, create_contact
from tests.livechat_helpers import guest, set_available

CREATE = "/api/v1/omnichannel/contacts"
UPDATE = "/api/v1/omnichannel/contacts.update"


def _total(persona: Persona, text: str) -> int:
    found = persona.get("/api/v1/omnichannel/contacts.search", params={"searchText": text}).json()
    total: int = found["total"]
    return total


def _conflict(response: Any, *, contact_id: str, name: str, field: str, value: str) -> None:
    body = assert_error(response, 409, "error-contact-already-exists")
    assert body["details"] == {"contactId": contact_id, "name": name, "field": field, "value": value}
    assert f"{value} already belongs to the contact {name}" in body["error"]


def test_a_new_contact_with_an_email_or_phone_someone_has_is_refused_naming_them(agent: Persona) -> None:
    ada = create_contact(agent, emails=["ada@example.com"], phones=["+44 20 7946 0958"])
    by_email = {"name": "Augusta", "emails": ["ADA@example.com"], "phones": []}
    _conflict(
        agent.post(CREATE, json=by_email),
        contact_id=ada,
        name="Ada Lovelace",
        field="emails",
        value="ada@example.com",
    )
    # The same number written another way is the same phone.
    by_phone = {"name": "Augusta", "emails": ["augusta@example.com"], "phones": ["+44 (0)20 7946-0958"]}
    _conflict(
        agent.post(CREATE, json=by_phone),
        contact_id=ada,
        name="Ada Lovelace",
        field="phones",
        value="+442079460958",
    )
    assert _total(agent, "Augusta") == 0  # nothing saved

    meant = agent.post(CREATE, json={**by_phone, "allowDuplicate": True})
    assert meant.status_code == 200, meant.text
    assert _total(agent, "Augusta") == 1


def test_an_edit_may_not_take_another_contacts_email_but_keeps_its_own(agent: Persona) -> None:
    ada = create_contact(agent, emails=["ada@example.com"], phones=[])
    # Two contacts that share an address already (saved with allowDuplicate) stay editable.
    twin = create_contact(agent, name="Ada Twin", emails=["ada@example.com"], phones=[])
    renamed = agent.post(UPDATE, json={"contactId": twin, "name": "Ada B.", "emails": ["ada@example.com"]})
    assert renamed.status_code == 200, renamed.text

    other = create_contact(agent, name="Charles", emails=["charles@example.com"], phones=["+15550102299"])
    taken = {"contactId": other, "emails": ["charles@example.com", "ada@example.com"], "name": "Chuck"}
    _conflict(
        agent.post(UPDATE, json=taken),
        contact_id=ada,
        name="Ada Lovelace",
        field="emails",
        value="ada@example.com",
    )
    unchanged = agent.get("/api/v1/omnichannel/contacts.get", params={"contactId": other}).json()["contact"]
    assert unchanged["name"] == "Charles"
    assert unchanged["emails"] == [{"address": "charles@example.com"}]

    meant = agent.post(UPDATE, json={**taken, "allowDuplicate": True})
    assert meant.status_code == 200, meant.text


def test_an_unknown_contact_from_a_chat_counts_and_is_named(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-dup-unknown")
    visitor.register(name="Wendy Web", email="wendy@example.com")
    room = visitor.open_room()
    body = {"name": "Wendy Walker", "emails": ["wendy@example.com"], "phones": []}
    _conflict(
        agent.post(CREATE, json=body),
        contact_id=room["contactId"],
        name="Wendy Web",
        field="emails",
        value="wendy@example.com",
    )


def test_a_deleted_contact_holds_nothing(agent: Persona, manager: Persona) -> None:
    gone = create_contact(agent, emails=["gone@example.com"], phones=[])
    deleted = manager.post("/api/v1/omnichannel/contacts.delete", json={"contactId": gone})
    assert deleted.status_code == 200, deleted.text
    again = agent.post(CREATE, json={"name": "Back", "emails": ["gone@example.com"], "phones": []})
    assert again.status_code == 200, again.text
