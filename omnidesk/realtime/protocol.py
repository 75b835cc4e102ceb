"""DDP frames (Meteor's Distributed Data Protocol, version 1) and Meteor-style errors.

Only the subset Rocket.Chat's clients use: connect, heartbeats, subscriptions to streams whose data
arrives as ``changed`` frames, and method calls.
"""

from __future__ import annotations

from typing import Any

SUPPORTED_VERSIONS = ("1", "pre2", "pre1")


class MeteorError(Exception):
    """An error a client may see, in Meteor's shape (``Meteor.Error``)."""

    def __init__(self, error: str | int, reason: str | None = None, details: Any = None) -> None:
        super().__init__(reason or str(error))
        self.error = error
        self.reason = reason
        self.details = details

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"isClientSafe": True, "error": self.error, "errorType": "Meteor.Error"}
        if self.reason is not None:
            wire["reason"] = self.reason
            wire["message"] = f"{self.reason} [{self.error}]"
        else:
            wire["message"] = f"[{self.error}]"
        if self.details is not None:
            wire["details"] = self.details
        return wire


NOT_ALLOWED = "not-allowed"


def not_allowed() -> MeteorError:
    return MeteorError(NOT_ALLOWED, "Not allowed")


def connected(session: str) -> dict[str, Any]:
    return {"msg": "connected", "session": session}


def failed(version: str = "1") -> dict[str, Any]:
    return {"msg": "failed", "version": version}


def ping(frame_id: str | None = None) -> dict[str, Any]:
    return {"msg": "ping", **({"id": frame_id} if frame_id is not None else {})}


def pong(frame_id: str | None = None) -> dict[str, Any]:
    return {"msg": "pong", **({"id": frame_id} if frame_id is not None else {})}


def ready(*sub_ids: str) -> dict[str, Any]:
    return {"msg": "ready", "subs": list(sub_ids)}


def nosub(sub_id: str, error: MeteorError | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"msg": "nosub", "id": sub_id}
    if error is not None:
        frame["error"] = error.to_wire()
    return frame


def result(method_id: str, value: Any = None, *, error: MeteorError | None = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"msg": "result", "id": method_id}
    if error is not None:
        frame["error"] = error.to_wire()
    elif value is not None:
        frame["result"] = value
    return frame


def updated(*method_ids: str) -> dict[str, Any]:
    return {"msg": "updated", "methods": list(method_ids)}


def changed(collection: str, event_name: str, args: list[Any]) -> dict[str, Any]:
    """A stream event, as Rocket.Chat's streamer sends it (``id`` is always the literal ``"id"``)."""
    return {
        "msg": "changed",
        "collection": collection,
        "id": "id",
        "fields": {"eventName": event_name, "args": args},
    }


def added(collection: str, doc_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"msg": "added", "collection": collection, "id": doc_id, "fields": fields}


def protocol_error(reason: str, offending: Any = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"msg": "error", "reason": reason}
    if offending is not None:
        frame["offendingMessage"] = offending
    return frame
