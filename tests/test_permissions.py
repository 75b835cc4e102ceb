"""Roles and permissions are data: listed, changed, and obeyed on the very next request."""

from __future__ import annotations

from omnidesk import defaults
from omnidesk.events import Event, PermissionChanged, RolesChanged
from tests.helpers import Persona, assert_error

FORBIDDEN = "User does not have the permissions required for this action [error-unauthorized]"


def grants(persona: Persona) -> dict[str, list[str]]:
    body = persona.get("/api/v1/permissions.listAll").json()
    assert body["remove"] == []
    return {permission["_id"]: permission["roles"] for permission in body["update"]}


def test_permissions_list_rocketchats_omnichannel_names_with_default_grants(agent: Persona) -> None:
    listed = grants(agent)
    for name in (
        "view-omnichannel-contact-center",
        "view-livechat-contact",
        "create-livechat-contact",
        "update-livechat-contact",
        "delete-livechat-contact",
        "view-livechat-contact-history",
        "block-livechat-contact",
        "unblock-livechat-contact",
        "view-l-room",
        "view-livechat-rooms",
        "save-others-livechat-room-info",
        "remove-closed-livechat-room",
        "view-livechat-room-customfields",
        "edit-livechat-room-customfields",
        "view-livechat-manager",
        "manage-livechat-agents",
        "manage-livechat-managers",
        "manage-livechat-departments",
        "view-livechat-departments",
        "edit-livechat-settings",
    ):
        assert sorted(listed[name]) == sorted(defaults.PERMISSIONS[name][1]), name
    assert "livechat-agent" in listed["view-livechat-contact"]
    assert "livechat-agent" not in listed["view-livechat-rooms"]
    assert listed["remove-closed-livechat-room"] == ["admin", "livechat-manager"]


def test_list_all_filters_by_updated_since(admin: Persona) -> None:
    future = admin.get(
        "/api/v1/permissions.listAll", params={"updatedSince": "2999-01-01T00:00:00.000Z"}
    ).json()
    assert future["update"] == []
    assert_error(
        admin.get("/api/v1/permissions.listAll", params={"updatedSince": "yesterday"}),
        400,
        "error-updatedSince-param-invalid",
    )


def test_roles_list(agent: Persona) -> None:
    roles = agent.get("/api/v1/roles.list").json()["roles"]
    assert [role["_id"] for role in roles] == sorted(defaults.ROLES)
    assert roles[0] == {**roles[0], "name": roles[0]["_id"], "scope": "Users", "protected": True}


def test_an_agent_is_refused_admin_endpoints_until_permissions_update_grants_them(
    admin: Persona, agent: Persona, published: list[Event]
) -> None:
    assert_error(agent.get("/api/v1/settings/Livechat_Routing_Method"), 403, "error-unauthorized", FORBIDDEN)
    update = {"permissions": [{"_id": "view-privileged-setting", "roles": ["admin", "livechat-agent"]}]}
    assert_error(agent.post("/api/v1/permissions.update", json=update), 403, "error-unauthorized", FORBIDDEN)

    response = admin.post("/api/v1/permissions.update", json=update)
    assert response.status_code == 200, response.text
    changed = {p["_id"]: p["roles"] for p in response.json()["permissions"]}
    assert changed["view-privileged-setting"] == ["admin", "livechat-agent"]
    assert PermissionChanged("view-privileged-setting", ("admin", "livechat-agent")) in published

    # The next request of the same, still logged-in agent sees the new grant.
    allowed = agent.get("/api/v1/settings/Livechat_Routing_Method")
    assert allowed.status_code == 200
    assert allowed.json() == {"_id": "Livechat_Routing_Method", "value": "Auto_Selection", "success": True}

    admin.post(
        "/api/v1/permissions.update",
        json={"permissions": [{"_id": "view-privileged-setting", "roles": ["admin"]}]},
    )
    assert_error(agent.get("/api/v1/settings/Livechat_Routing_Method"), 403, "error-unauthorized")


def test_permissions_update_is_all_or_nothing(admin: Persona) -> None:
    update = {
        "permissions": [
            {"_id": "view-livechat-rooms", "roles": ["admin"]},
            {"_id": "no-such-permission", "roles": ["admin"]},
        ]
    }
    assert_error(admin.post("/api/v1/permissions.update", json=update), 400, "error-invalid-permission")
    assert "livechat-manager" in grants(admin)["view-livechat-rooms"]
    bad_role = {"permissions": [{"_id": "view-livechat-rooms", "roles": ["wizard"]}]}
    assert_error(admin.post("/api/v1/permissions.update", json=bad_role), 400, "error-invalid-role")


def test_the_admin_role_keeps_access_to_permissions(admin: Persona) -> None:
    lockout = {"permissions": [{"_id": "access-permissions", "roles": ["livechat-manager"]}]}
    assert_error(admin.post("/api/v1/permissions.update", json=lockout), 400, "error-action-not-allowed")


def test_adding_a_role_takes_effect_on_the_next_request(
    admin: Persona, agent: Persona, published: list[Event]
) -> None:
    assert (
        agent.post("/api/v1/settings/Livechat_Routing_Method", json={"value": "Manual_Selection"}).status_code
        == 403
    )

    response = admin.post(
        "/api/v1/roles.addUserToRole", json={"roleId": "livechat-manager", "username": "alex"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["role"]["_id"] == "livechat-manager"
    assert RolesChanged(op="added", role_id="livechat-manager", user_id=agent.id) in published
    assert (
        agent.post("/api/v1/settings/Livechat_Routing_Method", json={"value": "Manual_Selection"}).status_code
        == 200
    )

    again = admin.post("/api/v1/roles.addUserToRole", json={"roleId": "livechat-manager", "username": "alex"})
    assert_error(again, 400, "error-user-already-in-role")

    removed = admin.post(
        "/api/v1/roles.removeUserFromRole", json={"roleId": "livechat-manager", "username": "alex"}
    )
    assert removed.status_code == 200
    assert (
        agent.post("/api/v1/settings/Livechat_Routing_Method", json={"value": "Auto_Selection"}).status_code
        == 403
    )
    not_in_role = admin.post(
        "/api/v1/roles.removeUserFromRole", json={"roleId": "livechat-manager", "username": "alex"}
    )
    assert_error(not_in_role, 400, "error-user-not-in-role")


def test_role_membership_errors(admin: Persona, agent: Persona) -> None:
    assert_error(
        admin.post("/api/v1/roles.addUserToRole", json={"roleId": "wizard", "username": "alex"}),
        400,
        "error-role-not-found",
    )
    assert_error(
        admin.post("/api/v1/roles.addUserToRole", json={"roleId": "admin", "username": "ghost"}),
        400,
        "error-invalid-user",
    )
    assert_error(
        admin.post("/api/v1/roles.addUserToRole", json={"username": "alex"}),
        400,
        "error-invalid-role-properties",
    )
    assert_error(
        agent.post("/api/v1/roles.addUserToRole", json={"roleId": "admin", "username": "alex"}),
        403,
        "error-unauthorized",
    )
