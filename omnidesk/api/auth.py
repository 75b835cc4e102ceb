"""Login, logout and ``me``, in Rocket.Chat's shapes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from omnidesk.actions.accounts import revoke_login_token
from omnidesk.actions.login_throttle import attempt_login
from omnidesk.api.errors import answered_refusal
from omnidesk.api.openapi import errors
from omnidesk.api.shapes import ok, user_me
from omnidesk.api.validation import Body
from omnidesk.errors import InvalidParams, Unauthorized
from omnidesk.http.deps import CurrentActor, ServicesDep, SessionDep, client_address
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.security import Passwords

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["auth"])


class LoginBody(Body):
    user: str | dict[str, Any] | None = None
    username: str | None = None
    email: str | None = None
    password: str | dict[str, Any] | None = None
    code: str | None = None

    def identity(self) -> str:
        if isinstance(self.user, str):
            return self.user
        if isinstance(self.user, dict):
            value = self.user.get("username") or self.user.get("email")
            if isinstance(value, str):
                return value
        if self.username or self.email:
            return self.username or self.email or ""
        raise InvalidParams("must have required property 'user'")

    def password_digest(self) -> str:
        if isinstance(self.password, str):
            return Passwords.digest(self.password)
        if isinstance(self.password, dict):
            # Meteor clients send {"digest": <sha256 hex>, "algorithm": "sha-256"}; the typings say "hashed".
            digest = self.password.get("digest") or self.password.get("hashed")
            if isinstance(digest, str):
                return digest
        raise InvalidParams("must have required property 'password'")


@router.post("/login", responses=errors(401, 429))
def login(body: LoginBody, request: Request, session: SessionDep, services: ServicesDep) -> Any:
    outcome = attempt_login(
        session,
        passwords=services.passwords,
        identity=body.identity(),
        password_digest=body.password_digest(),
        client_address=client_address(request),
    )
    if outcome is None:
        return answered_refusal(Unauthorized("Unauthorized"))
    user, token = outcome
    return {"status": "success", "data": {"authToken": token, "userId": user.id, "me": user_me(user)}}


@router.post("/logout")
@router.get("/logout", operation_id="logout_get", include_in_schema=False)  # older clients use GET
def logout(request: Request, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    revoke_login_token(session, token=request.state.auth_token)
    return {"status": "success", "data": {"message": "You've been logged out!"}}


@router.get("/me")
def me(actor: CurrentActor) -> dict[str, Any]:
    return ok(**user_me(actor.user))
