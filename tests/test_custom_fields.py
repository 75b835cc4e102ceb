"""livechat/custom-fields*: custom field definitions, and validate_custom_field_values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from omnidesk.actions.custom_fields import (
    create_custom_field,
    delete_custom_field,
    validate_custom_field_values,
)
from omnidesk.errors import ApiError
from omnidesk.events import Event
from omnidesk.models import CustomField
from omnidesk.queries.lists import searchable_custom_field_keys
from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error

CPF = {"field": "cpf", "label": "CPF", "scope": "visitor", "visibility": "visible"}


@pytest.fixture
def user(services: Services, app_client: TestClient) -> Persona:
    """Someone with no omnichannel role."""
    return make_persona(services, app_client, "uma", ["user"], "Uma User")


def create(persona: Persona, **fields: Any) -> dict[str, Any]:
    response = persona.post("/api/v1/livechat/custom-fields", json={**CPF, **fields})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()["customField"]
    return created


def field_ids(persona: Persona, **params: Any) -> list[str]:
    response = persona.get("/api/v1/livechat/custom-fields", params=params)
    assert response.status_code == 200, response.text
    return [field["_id"] for field in response.json()["customFields"]]


# --- the endpoints ----------------------------------------------------------------------------------


def test_a_manager_defines_a_field_that_agents_read(
    manager: Persona, agent: Persona, published: list[Event]
) -> None:
    created = create(
        manager,
        label="  Tax id ",
        type="select",
        options="a, b",
        regexp="^[ab]$",
        required=True,
        defaultValue="a",
        public=True,
        searchable=True,
    )
    assert {k: v for k, v in created.items() if k != "_updatedAt"} == {
        "_id": "cpf",
        "label": "Tax id",
        "scope": "visitor",
        "visibility": "visible",
        "type": "select",
        "regexp": "^[ab]$",
        "required": True,
        "defaultValue": "a",
        "options": "a, b",
        "public": True,
        "searchable": True,
    }
    assert created["_updatedAt"].endswith("Z")
    assert published == []  # no client streams definitions (Rocket.Chat neither)

    listing = agent.get("/api/v1/livechat/custom-fields").json()
    assert listing == {"customFields": [created], "count": 1, "offset": 0, "total": 1, "success": True}
    assert agent.get("/api/v1/livechat/custom-fields/cpf").json() == {"customField": created, "success": True}


def test_a_new_field_has_rocket_chats_defaults(manager: Persona) -> None:
    created = create(manager)
    assert (created["type"], created["regexp"], created["required"], created["options"]) == (
        "input",
        "",
        False,
        "",
    )
    assert (created["defaultValue"], created["public"], created["searchable"]) == ("", False, False)


def test_an_unknown_field_answers_null_as_rocket_chat(agent: Persona) -> None:
    assert agent.get("/api/v1/livechat/custom-fields/nope").json() == {"customField": None, "success": True}


def test_updating_changes_only_what_is_given_and_never_the_key(
    manager: Persona, published: list[Event]
) -> None:
    create(manager, regexp="^\\d+$")
    published.clear()
    response = manager.post("/api/v1/livechat/custom-fields/cpf", json={"label": "Document", "field": "cpf"})
    assert response.status_code == 200, response.text
    updated = response.json()["customField"]
    assert (updated["label"], updated["regexp"], updated["scope"]) == ("Document", "^\\d+$", "visitor")
    assert published == []
    response = manager.post("/api/v1/livechat/custom-fields/cpf", json={"field": "other"})
    assert_error(response, 400, "error-invalid-custom-field-name")
    response = manager.post("/api/v1/livechat/custom-fields/nope", json={"label": "x"})
    assert_error(
        response, 400, "error-invalid-custom-field", "Custom Field Not found [error-invalid-custom-field]"
    )


def test_rocket_chats_save_and_delete_endpoints(manager: Persona, agent: Persona) -> None:
    data = {**CPF, "field": "plan", "label": "Plan", "scope": "room", "visibility": "hidden"}
    response = manager.post(
        "/api/v1/livechat/custom-fields.save", json={"customFieldId": None, "customFieldData": data}
    )
    assert response.status_code == 200, response.text
    assert response.json()["customField"]["scope"] == "room"
    data["label"] = "Contract plan"
    response = manager.post(
        "/api/v1/livechat/custom-fields.save", json={"customFieldId": "plan", "customFieldData": data}
    )
    assert response.json()["customField"]["label"] == "Contract plan"
    response = manager.post("/api/v1/livechat/custom-fields.save", json={"customFieldData": data})
    assert_error(response, 400, "error-custom-field-name-already-exists")
    response = manager.post(
        "/api/v1/livechat/custom-fields.save", json={"customFieldId": "nope", "customFieldData": data}
    )
    assert_error(response, 400, "error-invalid-custom-field")

    response = manager.post("/api/v1/livechat/custom-fields.delete", json={"customFieldId": "plan"})
    assert response.json() == {"success": True}
    assert field_ids(agent) == []
    response = manager.post("/api/v1/livechat/custom-fields.delete", json={"customFieldId": "plan"})
    assert_error(response, 400, "error-invalid-custom-field")


def test_delete_by_id(manager: Persona, published: list[Event]) -> None:
    create(manager)
    published.clear()
    response = manager.client.delete("/api/v1/livechat/custom-fields/cpf", headers=manager.headers)
    assert response.json() == {"success": True}
    assert published == []
    response = manager.client.delete("/api/v1/livechat/custom-fields/cpf", headers=manager.headers)
    assert_error(response, 400, "error-invalid-custom-field")


def test_a_key_is_taken_once(manager: Persona) -> None:
    create(manager)
    response = manager.post("/api/v1/livechat/custom-fields", json={**CPF, "label": "Again"})
    assert_error(
        response,
        400,
        "error-custom-field-name-already-exists",
        "Custom field name already exists [error-custom-field-name-already-exists]",
    )


@pytest.mark.parametrize(
    ("fields", "error_type"),
    [
        ({"field": "has space"}, "error-invalid-custom-field-name"),
        ({"field": "ação"}, "error-invalid-custom-field-name"),
        ({"field": ""}, "error-invalid-custom-field-name"),
        ({"field": "k" * 121}, "error-invalid-custom-field-name"),
        ({"label": "  "}, "error-invalid-custom-field-label"),
        ({"type": "select"}, "error-invalid-custom-field-options"),
        ({"type": "select", "options": " , "}, "error-invalid-custom-field-options"),
        ({"regexp": "([a-z"}, "error-invalid-custom-field-regexp"),
        ({"scope": "contact"}, "invalid-params"),
        ({"visibility": "public"}, "invalid-params"),
        ({"type": "checkbox"}, "invalid-params"),
        ({"required": "yes"}, "invalid-params"),
        ({"color": "red"}, "invalid-params"),
        ({"label": None}, "invalid-params"),
    ],
)
def test_bad_definitions_are_400(manager: Persona, fields: dict[str, Any], error_type: str) -> None:
    body = {k: v for k, v in {**CPF, **fields}.items() if v is not None}
    assert_error(manager.post("/api/v1/livechat/custom-fields", json=body), 400, error_type)
    assert field_ids(manager) == []


def test_an_update_cannot_break_a_definition(manager: Persona) -> None:
    create(manager)
    response = manager.post("/api/v1/livechat/custom-fields/cpf", json={"type": "select"})
    assert_error(response, 400, "error-invalid-custom-field-options")
    response = manager.post("/api/v1/livechat/custom-fields/cpf", json={"regexp": "*"})
    assert_error(response, 400, "error-invalid-custom-field-regexp")
    assert manager.get("/api/v1/livechat/custom-fields/cpf").json()["customField"]["type"] == "input"


def test_fields_are_searched_by_label_or_key_and_sorted(manager: Persona, agent: Persona) -> None:
    create(manager, field="cpf", label="Tax id")
    create(manager, field="plan", label="Contract plan", scope="room")
    create(manager, field="age", label="Age")
    assert field_ids(agent) == ["age", "plan", "cpf"]  # by label
    assert field_ids(agent, text="PLAN") == ["plan"]
    assert field_ids(agent, text="cp") == ["cpf"]
    assert field_ids(agent, sort=json.dumps({"_id": -1})) == ["plan", "cpf", "age"]
    page = agent.get("/api/v1/livechat/custom-fields", params={"count": 1, "offset": 1}).json()
    assert (page["count"], page["total"], page["customFields"][0]["_id"]) == (1, 3, "plan")


def test_agents_cannot_edit_definitions_and_users_cannot_read_them(
    manager: Persona, agent: Persona, user: Persona
) -> None:
    create(manager)
    refused = [
        agent.post("/api/v1/livechat/custom-fields", json={**CPF, "field": "x"}),
        agent.post("/api/v1/livechat/custom-fields/cpf", json={"label": "x"}),
        agent.post("/api/v1/livechat/custom-fields.save", json={"customFieldData": {**CPF, "field": "x"}}),
        agent.post("/api/v1/livechat/custom-fields.delete", json={"customFieldId": "cpf"}),
        agent.client.delete("/api/v1/livechat/custom-fields/cpf", headers=agent.headers),
        user.get("/api/v1/livechat/custom-fields"),
        user.get("/api/v1/livechat/custom-fields/cpf"),
    ]
    for response in refused:
        assert_error(response, 403, "error-unauthorized")
    assert field_ids(manager) == ["cpf"]


def test_an_admin_edits_definitions(admin: Persona) -> None:
    assert create(admin)["_id"] == "cpf"


# --- validate_custom_field_values -------------------------------------------------------------------


@pytest.fixture
def session(services: Services) -> Iterator[Session]:
    with services.transaction() as session:
        create_custom_field(
            session, key="cpf", label="CPF", scope="visitor", visibility="visible", required=True
        )
        create_custom_field(
            session, key="zip", label="Zip code", scope="visitor", visibility="visible", regexp=r"\d{5}"
        )
        create_custom_field(
            session,
            key="plan",
            label="Plan",
            scope="visitor",
            visibility="visible",
            type="select",
            options="basic, premium ,gold",
        )
        create_custom_field(session, key="nickname", label="Nickname", scope="visitor", visibility="hidden")
        create_custom_field(session, key="reason", label="Reason", scope="room", visibility="visible")
        yield session


def validate(session: Session, values: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return validate_custom_field_values(session, scope="visitor", values=values, **kwargs)


def refusal(session: Session, values: dict[str, Any], **kwargs: Any) -> ApiError:
    with pytest.raises(ApiError) as caught:
        validate(session, values, **kwargs)
    assert caught.value.status_code == 400
    return caught.value


def test_valid_values_are_trimmed_and_empty_ones_dropped(session: Session) -> None:
    result = validate(session, {"cpf": " 123 ", "zip": "", "plan": " premium ", "nickname": None})
    assert result == {"cpf": "123", "plan": "premium"}


def test_a_required_field_must_have_a_value(session: Session) -> None:
    for values in ({}, {"cpf": ""}, {"cpf": "   "}, {"cpf": None}):
        error = refusal(session, values)
        assert (error.error_type, error.reason) == (
            "error-invalid-custom-field-value",
            "Invalid value for CPF field",
        )


def test_values_must_be_strings(session: Session) -> None:
    for value in (5, True, ["a"], {"a": 1}):
        error = refusal(session, {"cpf": "1", "zip": value})
        assert error.reason == "Invalid value for Zip code field"


def test_a_value_must_match_the_regexp_anywhere(session: Session) -> None:
    assert validate(session, {"cpf": "1", "zip": "zip 12345"})["zip"] == "zip 12345"  # RegExp.test semantics
    error = refusal(session, {"cpf": "1", "zip": "1234"})
    assert (error.error_type, error.reason) == (
        "error-invalid-custom-field-value",
        "Invalid value for Zip code field",
    )


def test_a_select_value_must_be_one_of_its_options(session: Session) -> None:
    assert validate(session, {"cpf": "1", "plan": "gold"})["plan"] == "gold"
    assert refusal(session, {"cpf": "1", "plan": "platinum"}).reason == "Invalid value for Plan field"
    assert refusal(session, {"cpf": "1", "plan": "Gold"}).reason == "Invalid value for Plan field"


def test_a_field_without_a_label_is_named_by_its_key(session: Session) -> None:
    nickname = session.get(CustomField, "nickname")
    assert nickname is not None
    nickname.label, nickname.required = "", True  # a row from before labels were required
    assert refusal(session, {"cpf": "1"}).reason == "Invalid value for nickname field"


def test_an_unknown_key_is_refused_unless_ignored(session: Session) -> None:
    error = refusal(session, {"cpf": "1", "shoe": "42"})
    assert (error.error_type, error.reason) == (
        "error-custom-field-not-allowed",
        "Custom field shoe is not allowed",
    )
    # A room field is unknown among visitor fields.
    assert refusal(session, {"cpf": "1", "reason": "x"}).error_type == "error-custom-field-not-allowed"
    assert validate(session, {"cpf": "1", "shoe": "42"}, ignore_unknown=True) == {"cpf": "1"}


def test_a_legacy_value_is_kept_and_cannot_change(session: Session) -> None:
    current = {"cpf": "old", "zip": "11111", "legacy": "kept", "other_legacy": "also kept"}
    result = validate(session, {"cpf": "new", "legacy": "changed"}, current=current)
    # zip was omitted: registered optional fields are replaced, not merged; legacy ones survive.
    assert result == {"cpf": "new", "legacy": "kept", "other_legacy": "also kept"}


def test_a_removed_definition_turns_stored_values_into_legacy_ones(session: Session) -> None:
    delete_custom_field(session, field=session.get(CustomField, "zip"))  # type: ignore[arg-type]
    result = validate(session, {"cpf": "1", "zip": "not checked"}, current={"zip": "12345"})
    assert result == {"cpf": "1", "zip": "12345"}
    assert refusal(session, {"cpf": "1", "zip": "x"}).error_type == "error-custom-field-not-allowed"


def test_the_room_scope_has_its_own_fields(session: Session) -> None:
    assert validate_custom_field_values(session, scope="room", values={"reason": " late "}) == {
        "reason": "late"
    }
    with pytest.raises(ApiError):
        validate_custom_field_values(session, scope="room", values={"cpf": "1"})


def test_searchable_keys(session: Session) -> None:
    assert searchable_custom_field_keys(session, scope="visitor") == []
    session.get(CustomField, "zip").searchable = True  # type: ignore[union-attr]
    session.get(CustomField, "cpf").searchable = True  # type: ignore[union-attr]
    session.get(CustomField, "reason").searchable = True  # type: ignore[union-attr]
    session.flush()
    assert searchable_custom_field_keys(session, scope="visitor") == ["cpf", "zip"]
    assert searchable_custom_field_keys(session, scope="room") == ["reason"]
