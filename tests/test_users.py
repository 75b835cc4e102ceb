"""users.register, users.create, users.info, users.list, users.update, users.delete, users.setStatus."""

from __future__ import annotations

from fastapi.testclient import TestClient

from omnidesk.services import Services
from tests.helpers import PASSWORD, Persona, assert_error
from tests.livechat_helpers import set_setting


def register(client: TestClient, username: str, **extra: object) -> dict[str, object]:
    body = {
        "username": username,
        "email": f"{username}@example.org",
        "pass": PASSWORD,
        "name": username.title(),
    }
    response = client.post("/api/v1/users.register", json={**body, **extra})
    assert response.status_code == 200, response.text
    user: dict[str, object] = response.json()["user"]
    return user


def test_the_first_registered_user_is_admin_and_the_second_is_not(
    services: Services, anonymous: TestClient
) -> None:
    first = register(anonymous, "first")
    set_setting(services, "Accounts_RegistrationForm", "Public")
    second = register(anonymous, "second")
    assert sorted(first["roles"]) == ["admin", "user"]  # type: ignore[arg-type]
    assert second["roles"] == ["user"]
    assert first["emails"] == [{"address": "first@example.org", "verified": False}]
    login = anonymous.post("/api/v1/login", json={"user": "first", "password": PASSWORD})
    assert login.status_code == 200


def test_registration_refuses_taken_usernames_and_emails_alike_whatever_the_case(
    services: Services, anonymous: TestClient
) -> None:
    register(anonymous, "taken")
    set_setting(services, "Accounts_RegistrationForm", "Public")
    same_answer = "This username or email cannot be used [error-field-unavailable]"
    response = anonymous.post(
        "/api/v1/users.register", json={"username": "TAKEN", "email": "new@example.org", "pass": PASSWORD}
    )
    assert_error(response, 400, "error-field-unavailable", same_answer)
    response = anonymous.post(
        "/api/v1/users.register", json={"username": "other", "email": "Taken@Example.org", "pass": PASSWORD}
    )
    assert_error(response, 400, "error-field-unavailable", same_answer)


def test_registration_is_closed_once_an_admin_exists_until_opened(
    services: Services, admin: Persona, anonymous: TestClient
) -> None:
    body = {"username": "walkin", "email": "walkin@example.org", "pass": PASSWORD}
    assert_error(anonymous.post("/api/v1/users.register", json=body), 403, "error-user-registration-disabled")
    set_setting(services, "Accounts_RegistrationForm", "Public")
    assert anonymous.post("/api/v1/users.register", json=body).status_code == 200


def test_registration_validates_username_and_email(anonymous: TestClient) -> None:
    bad_username = {"username": "no spaces", "email": "a@example.org", "pass": PASSWORD}
    assert_error(anonymous.post("/api/v1/users.register", json=bad_username), 400, "error-invalid-username")
    bad_email = {"username": "fine", "email": "not-an-email", "pass": PASSWORD}
    assert_error(anonymous.post("/api/v1/users.register", json=bad_email), 400, "error-invalid-email")


def test_registration_can_be_disabled(admin: Persona, anonymous: TestClient) -> None:
    assert (
        admin.post("/api/v1/settings/Accounts_RegistrationForm", json={"value": "Disabled"}).status_code
        == 200
    )
    body = {"username": "late", "email": "late@example.org", "pass": PASSWORD}
    assert_error(anonymous.post("/api/v1/users.register", json=body), 403, "error-user-registration-disabled")


def test_admin_creates_a_user_with_roles(admin: Persona) -> None:
    response = admin.post(
        "/api/v1/users.create",
        json={
            "username": "newagent",
            "email": "NewAgent@Example.com",
            "password": PASSWORD,
            "name": "New Agent",
            "roles": ["user", "livechat-agent"],
            "verified": True,
        },
    )
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    assert user["roles"] == ["user", "livechat-agent"]
    assert user["emails"] == [{"address": "newagent@example.com", "verified": True}]
    assert len(user["_id"]) == 17


def test_users_create_refuses_an_unknown_role_and_writes_nothing(admin: Persona) -> None:
    body = {
        "username": "ghost",
        "email": "ghost@example.com",
        "password": PASSWORD,
        "name": "G",
        "roles": ["wizard"],
    }
    assert_error(admin.post("/api/v1/users.create", json=body), 400, "error-invalid-role")
    assert_error(admin.get("/api/v1/users.info", params={"username": "ghost"}), 400, "error-invalid-user")


def test_an_agent_cannot_create_users(agent: Persona) -> None:
    body = {"username": "sneaky", "email": "s@example.com", "password": PASSWORD, "name": "S"}
    assert_error(
        agent.post("/api/v1/users.create", json=body),
        403,
        "error-unauthorized",
        "User does not have the permissions required for this action [error-unauthorized]",
    )


def test_users_info_by_id_username_and_email_hides_others_emails(agent: Persona, agent2: Persona) -> None:
    by_id = agent.get("/api/v1/users.info", params={"userId": agent2.id}).json()["user"]
    by_name = agent.get("/api/v1/users.info", params={"username": "bea"}).json()["user"]
    by_email = agent.get("/api/v1/users.info", params={"email": "bea@example.com"}).json()["user"]
    assert by_id == by_name == by_email
    assert "emails" not in by_id
    assert "emails" in agent.get("/api/v1/users.info", params={"userId": agent.id}).json()["user"]
    assert_error(
        agent.get("/api/v1/users.info"),
        400,
        "invalid-params",
        "must match a schema in anyOf [invalid-params]",
    )
    assert_error(agent.get("/api/v1/users.info", params={"userId": "missing"}), 400, "error-invalid-user")


def test_users_list_pages_sorts_and_searches(
    admin: Persona, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    page = admin.get(
        "/api/v1/users.list", params={"count": 2, "offset": 1, "sort": '{"username": -1}'}
    ).json()
    assert page["total"] == 4
    assert page["count"] == 2
    assert page["offset"] == 1
    # Descending: mona, bea, alice, alex; skip one, take two.
    assert [user["username"] for user in page["users"]] == ["bea", "alice"]
    found = admin.get("/api/v1/users.list", params={"query": "MANAGER"}).json()
    assert [user["username"] for user in found["users"]] == ["mona"]
    assert_error(admin.get("/api/v1/users.list", params={"sort": "{bad"}), 400, "error-invalid-sort")
    assert_error(admin.get("/api/v1/users.list", params={"count": "many"}), 400, "invalid-params")
    assert_error(admin.get("/api/v1/users.list", params={"unknown": "1"}), 400, "invalid-params")


def test_a_user_updates_itself_but_not_others(agent: Persona, agent2: Persona) -> None:
    response = agent.post("/api/v1/users.update", json={"userId": agent.id, "data": {"name": "Alex A."}})
    assert response.json()["user"]["name"] == "Alex A."
    response = agent.post("/api/v1/users.update", json={"userId": agent2.id, "data": {"name": "Hacked"}})
    assert_error(response, 403, "error-unauthorized")
    response = agent.post("/api/v1/users.update", json={"userId": agent.id, "data": {"roles": ["admin"]}})
    assert_error(response, 403, "error-unauthorized")


def test_changing_the_password_ends_other_sessions(admin: Persona, agent: Persona) -> None:
    response = admin.post(
        "/api/v1/users.update", json={"userId": agent.id, "data": {"password": "a new secret"}}
    )
    assert response.status_code == 200
    assert agent.get("/api/v1/me").status_code == 401
    assert (
        admin.client.post("/api/v1/login", json={"user": "alex", "password": "a new secret"}).status_code
        == 200
    )


def test_users_delete(admin: Persona, agent: Persona, agent2: Persona) -> None:
    assert_error(agent.post("/api/v1/users.delete", json={"userId": agent2.id}), 403, "error-unauthorized")
    assert admin.post("/api/v1/users.delete", json={"userId": agent2.id}).json() == {"success": True}
    assert agent2.get("/api/v1/me").status_code == 401
    assert_error(admin.post("/api/v1/users.delete", json={"userId": agent2.id}), 404, "error-not-found")


def test_the_last_admin_cannot_be_removed(admin: Persona) -> None:
    expected = "Leaving the app without admins is not allowed [error-action-not-allowed]"
    assert_error(
        admin.post("/api/v1/users.delete", json={"userId": admin.id}),
        400,
        "error-action-not-allowed",
        expected,
    )
    response = admin.post("/api/v1/users.update", json={"userId": admin.id, "data": {"active": False}})
    assert_error(response, 400, "error-action-not-allowed")
    response = admin.post("/api/v1/roles.removeUserFromRole", json={"username": "alice", "roleId": "admin"})
    assert_error(response, 400, "error-action-not-allowed")


def test_set_status_for_self_and_for_others_with_permission(
    services: Services, admin: Persona, agent: Persona, agent2: Persona
) -> None:
    assert (
        agent.post("/api/v1/users.setStatus", json={"status": "busy", "message": "On a call"}).status_code
        == 200
    )
    me = agent.get("/api/v1/me").json()
    assert (me["status"], me["statusText"]) == ("busy", "On a call")
    assert_error(
        agent.post("/api/v1/users.setStatus", json={"status": "asleep"}), 400, "error-invalid-status"
    )
    assert_error(
        agent.post("/api/v1/users.setStatus", json={"status": "away", "userId": agent2.id}),
        403,
        "error-unauthorized",
    )
    assert (
        admin.post("/api/v1/users.setStatus", json={"status": "away", "username": "bea"}).status_code == 200
    )
    assert agent2.get("/api/v1/me").json()["status"] == "away"
    assert_error(
        agent.post("/api/v1/users.setStatus", json={"message": "x" * 121}), 400, "error-status-text-too-long"
    )
