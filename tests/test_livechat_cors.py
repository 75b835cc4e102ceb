"""The web widget runs on other sites: the visitor endpoints answer CORS, staff endpoints do not."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import Persona

SHOP = "https://shop.example.com"


def test_a_visitor_endpoint_answers_a_preflight_from_any_site(anonymous: TestClient) -> None:
    response = anonymous.options(
        "/api/v1/livechat/visitor",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


def test_visitor_answers_carry_the_cors_header_without_credentials(anonymous: TestClient) -> None:
    response = anonymous.get("/api/v1/livechat/config", headers={"Origin": SHOP})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    response = anonymous.post(
        "/api/v1/livechat/visitor", json={"visitor": {"token": "t-cors"}}, headers={"Origin": SHOP}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    response = anonymous.get(
        "/api/v1/livechat/verification.status",
        params={"token": "t-cors", "rid": "x"},
        headers={"Origin": SHOP},
    )
    assert response.headers["access-control-allow-origin"] == "*"


def test_staff_endpoints_do_not_answer_cors(agent: Persona) -> None:
    for path in ("/api/v1/livechat/rooms", "/api/v1/livechat/inquiries.queued", "/api/v1/me"):
        response = agent.client.get(path, headers={**agent.headers, "Origin": SHOP})
        assert "access-control-allow-origin" not in response.headers, path
    preflight = agent.client.options(
        "/api/v1/livechat/transcript/some-room",
        headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
