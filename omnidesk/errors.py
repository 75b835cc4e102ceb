"""Errors that reach API clients. Domain code raises them; the API layer renders them in
Rocket.Chat's envelope ``{"success": false, "error": "<reason> [<errorType>]", "errorType": ...}``."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status_code = 400

    def __init__(
        self,
        error_type: str,
        reason: str | None = None,
        *,
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.error_type = error_type
        self.reason = reason or error_type
        if status_code is not None:
            self.status_code = status_code
        self.details = details
        super().__init__(self.message)

    @property
    def message(self) -> str:
        # Rocket.Chat's Meteor.Error renders as "reason [error]"; clients match on both parts.
        return f"{self.reason} [{self.error_type}]" if self.reason != self.error_type else self.error_type

    @property
    def headers(self) -> dict[str, str] | None:
        """HTTP headers the answer carries besides the envelope."""
        return None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"success": False, "error": self.message, "errorType": self.error_type}
        if self.details:
            body["details"] = self.details
        return body


class InvalidParams(ApiError):
    """Input that does not match an endpoint's schema (Rocket.Chat's AJV failures)."""

    def __init__(self, reason: str) -> None:
        super().__init__("invalid-params", reason)


class Forbidden(ApiError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__("error-unauthorized", "User does not have the permissions required for this action")


class NotFound(ApiError):
    """Rocket.Chat's ``API.v1.notFound()``: a plain message, no bracketed type."""

    status_code = 404

    def __init__(self, reason: str = "Resource not found") -> None:
        super().__init__("error-not-found", reason)

    @property
    def message(self) -> str:
        return self.reason


class Unauthorized(ApiError):
    """No valid login. Rendered with Rocket.Chat's 401 body (see api/errors.py)."""

    status_code = 401

    def __init__(self, reason: str = "You must be logged in to do this.") -> None:
        super().__init__("unauthorized", reason)

    @property
    def message(self) -> str:
        return self.reason

    def body(self) -> dict[str, Any]:
        return {
            "status": "error",
            "message": self.reason,
            "success": False,
            "error": self.reason,
            "errorType": self.error_type,
        }


class InvalidQuery(ApiError):
    """A query parameter Rocket.Chat checks by hand: its text stands alone, without a bracketed type."""

    def __init__(self, reason: str) -> None:
        super().__init__("error-invalid-params", reason)

    @property
    def message(self) -> str:
        return self.reason


class Failure(ApiError):
    """Rocket.Chat's ``API.v1.failure(text)``: the text alone is the error; the type is ours, for the
    envelope's ``errorType``."""

    @property
    def message(self) -> str:
        return self.reason


class TooManyRequests(ApiError):
    """A rate limit is reached: 429 in Rocket.Chat's own wording, with the seconds until it frees."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "error-too-many-requests",
            "Error, too many requests. Please slow down. "
            f"You must wait {retry_after} seconds before trying this endpoint again.",
        )
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}
