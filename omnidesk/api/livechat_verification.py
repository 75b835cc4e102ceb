"""Extension: a visitor proves its identity with a one-time code sent by email or by SMS
(``actions/verification.py``).

Rocket.Chat delegates this conversation to its paid Verify Chat app; the widget or an API client calls
these endpoints instead, authenticated by the visitor token like the rest of the visitor API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from omnidesk.access import room_of_visitor, visitor_by_token
from omnidesk.actions import verification as verification_actions
from omnidesk.api.errors import answered_refusal
from omnidesk.api.shapes import ok
from omnidesk.api.validation import Body, QueryParams
from omnidesk.dates import iso
from omnidesk.http.deps import SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.queries.messaging import sms_channel_for_codes
from omnidesk.queries.verification import pending_verification, waits_for_verification

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/livechat", tags=["livechat: visitor"])


class VerificationRequestBody(Body):
    """Where the code goes: ``email``, or ``phone`` by SMS (exactly one of them)."""

    token: str
    rid: str
    email: str | None = None
    phone: str | None = None


@router.post("/verification.request")
def request_code(body: VerificationRequestBody, session: SessionDep) -> dict[str, Any]:
    room = room_of_visitor(session, visitor_by_token(session, body.token), body.rid)
    verification = verification_actions.request_verification(
        session, room=room, email=body.email, phone=body.phone
    )
    return ok(
        verification={
            "field": verification.field,
            "value": verification.value,
            "expiresAt": iso(verification.expires_at),
            "attemptsLeft": verification_actions.MAX_ATTEMPTS,
        }
    )


class VerificationConfirmBody(Body):
    token: str
    rid: str
    code: str


@router.post("/verification.confirm")
def confirm_code(body: VerificationConfirmBody, session: SessionDep) -> Any:
    room = room_of_visitor(session, visitor_by_token(session, body.token), body.rid)
    try:
        channel = verification_actions.confirm_verification(session, room=room, code=body.code)
    except verification_actions.WrongCode as wrong:
        return answered_refusal(wrong)  # the failed attempt must count, or the code could be guessed
    return ok(verified=True, field=channel.field, value=channel.value, verifiedAt=iso(channel.verified_at))


class VerificationStatusQuery(QueryParams):
    token: str
    rid: str


@router.get("/verification.status")
def verification_status(
    params: Annotated[VerificationStatusQuery, Query()], session: SessionDep
) -> dict[str, Any]:
    """Whether the chat's channel is verified, whether the chat waits for it, the pending code, and what
    a code can be sent to ("phone" only while an SMS channel is configured)."""
    room = room_of_visitor(session, visitor_by_token(session, params.token), params.rid)
    pending = pending_verification(session, room.id)
    sms = sms_channel_for_codes(
        session, source_type=room.source_type, source_id=room.source_id, department_id=room.department_id
    )
    return ok(
        verified=room.verified,
        required=waits_for_verification(session, room.id),
        fields=["email", "phone"] if sms is not None else ["email"],
        pending=None
        if pending is None
        else {
            "field": pending.field,
            "value": pending.value,
            "expiresAt": iso(pending.expires_at),
            "attemptsLeft": max(0, verification_actions.MAX_ATTEMPTS - pending.attempts),
        },
    )
