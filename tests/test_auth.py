"""Login, logout and me, in Rocket.Chat's wire shapes."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from omnidesk.services import Services
from tests.helpers import PASSWORD, Persona, assert_error, raw_rows

UNAUTHORIZED_BODY = {
    "status": "error",
    "message": "You must be logged in to do this.",
    "success": False,
    "error": "You must be logged in to do this.",
    "errorType": "unauthorized",
}


def login(client: TestClient, body: dict[str, object]) -> dict[str, object]:
    response = client.post("/api/v1/login", json=body)
    assert response.status_code == 200, response.text
    payload: dict[str, object] = response.json()
    return payload


def test_login_me_logout_round_trip(anonymous: TestClient, agent: Persona) -> None:
    body = login(anonymous, {"user": "alex", "password": PASSWORD})
    assert body["status"] == "success"
    data = body["data"]
    assert isinstance(data, dict)
    assert data["userId"] == agent.id
    assert data["me"]["username"] == "alex"
    assert data["me"]["emails"] == [{"address": "alex@example.com", "verified": False}]
    assert sorted(data["me"]["roles"]) == ["livechat-agent", "user"]
    headers = {"X-User-Id": data["userId"], "X-Auth-Token": data["authToken"]}

    me = anonymous.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["success"] is True
    assert me.json()["_id"] == agent.id
    assert me.json()["email"] == "alex@example.com"

    logout = anonymous.post("/api/v1/logout", headers=headers)
    assert logout.json() == {"status": "success", "data": {"message": "You've been logged out!"}}
    after = anonymous.get("/api/v1/me", headers=headers)
    assert after.status_code == 401
    assert after.json() == UNAUTHORIZED_BODY
    # Other logins of the same user keep working.
    assert agent.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"user": "alex"},
        {"user": "ALEX"},
        {"user": "alex@example.com"},
        {"user": {"username": "alex"}},
        {"user": {"email": "Alex@Example.com"}},
        {"username": "alex"},
        {"email": "alex@example.com"},
    ],
)
def test_login_accepts_rocketchat_identity_variants(
    anonymous: TestClient, agent: Persona, credentials: dict[str, object]
) -> None:
    body = login(anonymous, {**credentials, "password": PASSWORD})
    assert body["data"]["userId"] == agent.id  # type: ignore[index]


def test_login_accepts_the_meteor_password_digest(anonymous: TestClient, agent: Persona) -> None:
    digest = hashlib.sha256(PASSWORD.encode()).hexdigest()
    body = login(anonymous, {"user": "alex", "password": {"digest": digest, "algorithm": "sha-256"}})
    assert body["data"]["userId"] == agent.id  # type: ignore[index]


@pytest.mark.parametrize(
    "credentials",
    [
        {"user": "alex", "password": "wrong"},
        {"user": "nobody", "password": PASSWORD},
        {"user": "alex", "password": {"digest": "0" * 64, "algorithm": "sha-256"}},
    ],
)
def test_login_with_bad_credentials_is_401(
    anonymous: TestClient, agent: Persona, credentials: dict[str, object]
) -> None:
    response = anonymous.post("/api/v1/login", json=credentials)
    assert response.status_code == 401
    assert response.json()["status"] == "error"
    assert response.json()["message"] == "Unauthorized"


def test_a_deactivated_user_cannot_log_in_and_loses_its_sessions(admin: Persona, agent: Persona) -> None:
    response = admin.post("/api/v1/users.update", json={"userId": agent.id, "data": {"active": False}})
    assert response.status_code == 200, response.text
    assert agent.get("/api/v1/me").status_code == 401
    assert admin.client.post("/api/v1/login", json={"user": "alex", "password": PASSWORD}).status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-User-Id": "someone"},
        {"X-Auth-Token": "something"},
        {"X-User-Id": "someone", "X-Auth-Token": "something"},
    ],
)
def test_missing_or_wrong_credentials_get_rocketchats_401(
    anonymous: TestClient, headers: dict[str, str]
) -> None:
    response = anonymous.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED_BODY


def test_a_token_only_works_with_its_own_user_id(agent: Persona, agent2: Persona) -> None:
    response = agent.client.get("/api/v1/me", headers={"X-User-Id": agent2.id, "X-Auth-Token": agent.token})
    assert response.status_code == 401


def test_the_database_never_holds_a_usable_token(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    token = login(anonymous, {"user": "alex", "password": PASSWORD})["data"]["authToken"]  # type: ignore[index]
    stored = [row.token_hash for row in raw_rows(services, "SELECT token_hash FROM login_tokens")]
    assert len(stored) == 2  # the persona's login and this one
    assert token not in stored
    assert agent.token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    # Nowhere else either: look through every text column of every table.
    for table in ("users", "login_tokens", "settings"):
        for row in raw_rows(services, f"SELECT * FROM {table}"):
            assert all(token not in str(value) for value in row)


def test_login_with_a_malformed_body_is_400(anonymous: TestClient) -> None:
    assert_error(anonymous.post("/api/v1/login", json={"user": "alex"}), 400, "invalid-params")
    assert_error(
        anonymous.post("/api/v1/login", json={"user": "alex", "password": "x", "extra": 1}),
        400,
        "invalid-params",
        "must NOT have additional properties [invalid-params]",
    )
    assert_error(
        anonymous.post("/api/v1/login", json=["alex"]),
        400,
        "invalid-params",
        "must be object [invalid-params]",
    )
