"""Wrong passwords are throttled per name and per address, on REST, the sign-in page and DDP, with the
same answer for known and unknown names."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from omnidesk.actions.login_throttle import ip_key, user_key
from omnidesk.app import create_app
from omnidesk.models import RateLimitHit
from omnidesk.security import Passwords
from omnidesk.services import Services
from tests.ddp_client import DDPClient, running_server
from tests.helpers import PASSWORD, Persona, assert_error
from tests.livechat_helpers import set_setting


def _login(client: TestClient, user: str, password: str) -> Any:
    return client.post("/api/v1/login", json={"user": user, "password": password})


def _age_failures(services: Services, by: timedelta) -> None:
    with services.transaction() as session:
        for hit in session.scalars(select(RateLimitHit)):
            hit.created_at -= by
            hit.expires_at -= by


def test_thirty_wrong_logins_for_one_user_are_throttled_while_another_logs_in(
    services: Services, anonymous: TestClient, admin: Persona, agent: Persona
) -> None:
    statuses = [_login(anonymous, admin.username, "wrong password!").status_code for _ in range(30)]
    assert statuses == [401] * 10 + [429] * 20
    refused = _login(anonymous, admin.username, PASSWORD)  # the right password waits too
    body = assert_error(refused, 429, "error-too-many-requests")
    assert refused.headers["Retry-After"] == "300"
    assert "You must wait 300 seconds before trying this endpoint again." in body["error"]
    assert _login(anonymous, agent.username, PASSWORD).status_code == 200


def test_the_block_ends_and_each_further_failure_doubles_it(
    services: Services, anonymous: TestClient, admin: Persona
) -> None:
    for _ in range(10):
        _login(anonymous, admin.username, "wrong password!")
    _age_failures(services, timedelta(minutes=5, seconds=1))
    assert _login(anonymous, admin.username, "still wrong!").status_code == 401  # the 11th failure
    assert _login(anonymous, admin.username, PASSWORD).headers["Retry-After"] == "600"
    _age_failures(services, timedelta(minutes=10, seconds=1))
    assert _login(anonymous, admin.username, PASSWORD).status_code == 200
    with services.transaction() as session:  # success forgets the name's failures
        assert (
            session.scalars(select(RateLimitHit).where(RateLimitHit.key == user_key(admin.username))).all()
            == []
        )


def test_one_address_is_throttled_across_names(
    services: Services, anonymous: TestClient, admin: Persona
) -> None:
    set_setting(services, "Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip", 12)
    for index in range(12):
        assert _login(anonymous, f"guess{index}", "wrong password!").status_code == 401
    assert_error(_login(anonymous, admin.username, PASSWORD), 429, "error-too-many-requests")
    with services.transaction() as session:
        assert (
            len(session.scalars(select(RateLimitHit).where(RateLimitHit.key == ip_key("testclient"))).all())
            == 12
        )
    set_setting(services, "Block_Multiple_Failed_Logins_Ip_Whitelist", "10.0.0.1, testclient")
    assert _login(anonymous, admin.username, PASSWORD).status_code == 200


def test_known_and_unknown_names_get_the_same_answer_after_a_hash(
    services: Services, anonymous: TestClient, admin: Persona, monkeypatch: Any
) -> None:
    verified: list[str] = []
    original = Passwords._verify

    def counting(self: Passwords, password_hash: str, digest: str) -> bool:
        verified.append(password_hash)
        return original(self, password_hash, digest)

    monkeypatch.setattr(Passwords, "_verify", counting)
    known = _login(anonymous, admin.username, "wrong password!")
    unknown = _login(anonymous, "nobody-by-this-name", "wrong password!")
    assert known.status_code == unknown.status_code == 401
    assert known.json() == unknown.json()
    assert len(verified) == 2 and all(verified)  # both checked a real argon2 hash


def test_the_sign_in_page_is_throttled_too(services: Services, anonymous: TestClient, admin: Persona) -> None:
    set_setting(services, "Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User", 2)
    for _ in range(2):
        _login(anonymous, admin.username, "wrong password!")
    anonymous.cookies.clear()
    page = anonymous.get("/login")
    token = anonymous.cookies.get("omnidesk_prelogin")
    assert page.status_code == 200 and token
    response = anonymous.post(
        "/login", data={"username": admin.username, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    anonymous.cookies.clear()


def test_ddp_logins_are_throttled_alike(services: Services, admin: Persona) -> None:
    set_setting(services, "Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User", 3)
    with running_server(create_app(services)) as url, DDPClient(url) as client:
        attempt = {"user": {"username": admin.username}, "password": "wrong password!"}
        errors = [client.call("login", attempt)["error"] for _ in range(4)]
        assert [error["error"] for error in errors] == [403, 403, 403, "too-many-requests"]
        assert errors[3]["details"] == {"timeToReset": 300_000}
        right = client.call("login", {"user": {"username": admin.username}, "password": PASSWORD})
        assert right["error"]["error"] == "too-many-requests"


def test_throttling_can_be_switched_off(services: Services, anonymous: TestClient, admin: Persona) -> None:
    set_setting(services, "Block_Multiple_Failed_Logins_Enabled", False)
    for _ in range(12):
        _login(anonymous, admin.username, "wrong password!")
    assert _login(anonymous, admin.username, PASSWORD).status_code == 200
