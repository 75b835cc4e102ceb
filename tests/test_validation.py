"""Malformed input anywhere gets the 400 envelope, never a 500.

The checks walk every route the app serves, so an endpoint added later is covered without a new test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from omnidesk.app import create_app
from omnidesk.services import Services
from tests.helpers import Persona, assert_error

# Endpoints that take no body at all.
BODYLESS = {
    "/api/v1/logout",
    "/api/v1/email-inbox.send-test/{inbox_id}",
    "/api/v1/livechat/webhook.test",
    "/api/v1/livechat/department/{department_id}/archive",
    "/api/v1/livechat/department/{department_id}/unarchive",
    "/api/v1/livechat/room.join",  # its roomId is in the query, as for Rocket.Chat's GET
}
# Bodies that are arrays in Rocket.Chat's schema (its POSTLivechatAppearanceParams).
ARRAY_BODIES = {"/api/v1/livechat/appearance"}
# Uploads take a multipart form, so any JSON body is refused as not being one.
FORM_BODIES = {"/api/v1/livechat/upload/Livechat_enabled", "/api/v1/rooms.media/Livechat_enabled"}


def _paths(services: Services, method: str) -> Iterator[str]:
    # The OpenAPI document lists every route, however the routers are nested.
    for path, operations in create_app(services).openapi()["paths"].items():
        if method in operations:
            yield path


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "Livechat_enabled", path)


def _post_paths(services: Services) -> list[str]:
    return sorted(_concrete(path) for path in _paths(services, "post") if path not in BODYLESS)


@pytest.fixture(scope="module")
def post_paths(services: Services) -> list[str]:
    paths = _post_paths(services)
    assert len(paths) >= 10  # the walk really found the endpoints
    return paths


def test_every_post_endpoint_answers_a_non_object_body_with_400(
    admin: Persona, post_paths: list[str]
) -> None:
    for path in post_paths:
        if path in ARRAY_BODIES:
            for body in ({}, "text", 42):
                response = admin.post(path, json=body)
                assert_error(response, 400, "invalid-params", "must be array [invalid-params]")
            continue
        for body in ([], "text", 42):
            response = admin.post(path, json=body)
            expected = None if path in FORM_BODIES else "must be object [invalid-params]"
            assert_error(response, 400, "invalid-params", expected)


def test_every_post_endpoint_answers_broken_json_with_400(admin: Persona, post_paths: list[str]) -> None:
    for path in post_paths:
        response = admin.client.post(
            path, content=b'{"oops": ', headers={**admin.headers, "Content-Type": "application/json"}
        )
        assert_error(response, 400, "invalid-params")


def test_every_post_endpoint_refuses_unknown_properties(admin: Persona, post_paths: list[str]) -> None:
    for path in post_paths:
        response = admin.post(path, json={"definitelyNotAField": 1})
        body = assert_error(response, 400, "invalid-params")
        assert body["error"].endswith("[invalid-params]"), (path, body)


def test_paging_parameters_of_the_wrong_type_are_400(admin: Persona) -> None:
    response = admin.get("/api/v1/users.list", params={"count": "many"})
    assert_error(response, 400, "invalid-params", "must be integer [invalid-params]")
    response = admin.get("/api/v1/users.list", params={"offset": -1})
    assert_error(response, 400, "invalid-params", "must be >= 0 [invalid-params]")
    response = admin.get("/api/v1/users.list", params={"sort": "{bad json"})
    assert_error(response, 400, "error-invalid-sort")
    response = admin.get("/api/v1/users.list", params={"unexpected": "1"})
    assert_error(response, 400, "invalid-params", "must NOT have additional properties [invalid-params]")


def test_wrong_types_inside_a_body_name_the_expected_type(admin: Persona) -> None:
    body = {"username": 5, "email": "x@example.com", "password": "pw", "name": "N"}
    response = admin.post("/api/v1/users.create", json=body)
    assert_error(response, 400, "invalid-params", "must be string [invalid-params]")
    response = admin.post("/api/v1/users.create", json={"email": "x@example.com"})
    assert_error(response, 400, "invalid-params", "must have required property 'name' [invalid-params]")


def test_unknown_paths_and_methods_use_the_envelope(admin: Persona) -> None:
    assert_error(admin.get("/api/v1/no.such.endpoint"), 404, "error-not-found")
    assert_error(admin.client.delete("/api/v1/login"), 405, "error-method-not-allowed")


def test_server_info_answers_with_the_version(admin: Persona) -> None:
    info = admin.client.get("/api/info").json()
    assert info["success"] is True
    assert info["version"] == "8.8.1"
    assert info["omnidesk"]["version"]
