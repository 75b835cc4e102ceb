"""One's own password and email change only with the current password; only admins verify emails;
the password policy; logging out by cookie takes POST and the CSRF token."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from omnidesk.browser_session import SESSION_COOKIE
from omnidesk.services import Services
from tests.helpers import PASSWORD, Persona, assert_error
from tests.livechat_helpers import set_setting

NEW_PASSWORD = "a brand new passphrase"


def _login(client: TestClient, user: str, password: str) -> int:
    return int(client.post("/api/v1/login", json={"user": user, "password": password}).status_code)


def test_users_update_on_oneself_cannot_change_the_password_or_email(agent: Persona) -> None:
    for data in ({"password": NEW_PASSWORD}, {"email": "elsewhere@example.com"}):
        response = agent.post("/api/v1/users.update", json={"userId": agent.id, "data": data})
        assert_error(response, 400, "error-action-not-allowed")
    assert _login(agent.client, agent.username, PASSWORD) == 200


def test_only_an_admin_verifies_an_email(admin: Persona, agent: Persona) -> None:
    response = agent.post("/api/v1/users.update", json={"userId": agent.id, "data": {"verified": True}})
    assert_error(response, 403, "error-unauthorized")
    response = admin.post("/api/v1/users.update", json={"userId": agent.id, "data": {"verified": True}})
    assert response.status_code == 200
    assert response.json()["user"]["emails"][0]["verified"] is True


def test_update_own_basic_info_needs_the_current_password(agent: Persona) -> None:
    wrong = agent.post(
        "/api/v1/users.updateOwnBasicInfo",
        json={"data": {"currentPassword": "nope", "newPassword": NEW_PASSWORD}},
    )
    assert_error(wrong, 400, "error-invalid-password", "Invalid password [error-invalid-password]")
    missing = agent.post("/api/v1/users.updateOwnBasicInfo", json={"data": {"email": "moved@example.com"}})
    assert_error(missing, 400, "error-invalid-password")
    digest = hashlib.sha256(PASSWORD.encode()).hexdigest()  # as Meteor clients send it
    right = agent.post(
        "/api/v1/users.updateOwnBasicInfo",
        json={"data": {"currentPassword": digest, "newPassword": NEW_PASSWORD, "name": "Alex Renamed"}},
    )
    assert right.status_code == 200, right.text
    assert right.json()["user"]["name"] == "Alex Renamed"
    assert _login(agent.client, agent.username, NEW_PASSWORD) == 200
    assert _login(agent.client, agent.username, PASSWORD) == 401


def test_a_name_change_needs_no_password(agent: Persona) -> None:
    response = agent.post("/api/v1/users.updateOwnBasicInfo", json={"data": {"name": "Just A Name"}})
    assert response.status_code == 200
    assert response.json()["user"]["name"] == "Just A Name"


def test_the_password_policy_holds_everywhere_a_password_is_set(services: Services, admin: Persona) -> None:
    def create(password: str) -> object:
        return admin.post(
            "/api/v1/users.create",
            json={"email": "p@example.com", "name": "P", "username": "policy", "password": password},
        )

    assert_error(create("x"), 400, "error-password-policy-not-met-minLength")
    assert_error(create("aaaab-long-enough"), 400, "error-password-policy-not-met-repeatingCharacters")
    response = admin.post("/api/v1/users.update", json={"userId": admin.id, "data": {"name": "A"}})
    assert response.status_code == 200
    set_setting(services, "Accounts_Password_Policy_AtLeastOneNumber", True)
    assert_error(create("no numbers here"), 400, "error-password-policy-not-met-oneNumber")
    assert create("numbers 4 here").status_code == 200


def test_logout_by_cookie_takes_post_and_the_csrf_token(admin: Persona) -> None:
    client = admin.client
    client.cookies.set(SESSION_COOKIE, f"{admin.id}:{admin.token}")
    try:
        assert_error(client.get("/api/v1/logout"), 403, "error-csrf")
        assert_error(client.post("/api/v1/logout"), 403, "error-csrf")
        assert client.get("/api/v1/me").status_code == 200  # still signed in
    finally:
        client.cookies.clear()
    assert admin.get("/api/v1/logout").status_code == 200  # old clients' GET with the headers still works
