"""Contact verification: the person on a chat proves, with a one-time code sent by email, that they own
that address; the chat's channel becomes *verified* and the room shows it.

Rocket.Chat leaves the conversation to a paid app (Verify Chat) and keeps only the gate in the core:
with ``Livechat_Require_Contact_Verification`` at ``once`` (until the channel has been verified) or
``always`` (every new conversation), a new chat waits in the ``verifying`` state and is routed only
once the code is confirmed. Here the widget or API client asks for the code and confirms it itself.
Codes sent are rate limited per address and per visitor (``actions/rate_limits.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from omnidesk import defaults
from omnidesk.actions import rate_limits
from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.contact_links import add_contact_emails, channel_of
from omnidesk.actions.contact_merge import merge_on_verified_identity
from omnidesk.actions.key_locks import lock
from omnidesk.actions.mail import queue_email
from omnidesk.actions.messages import add_system_message
from omnidesk.actions.routing import release_verified_inquiry, room_event
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.events import send_event_on_commit
from omnidesk.models import Contact, ContactChannel, ContactVerification, Room
from omnidesk.queries.settings import setting_value
from omnidesk.queries.verification import pending_verification

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
# A visitor may ask for a new code this often; each request replaces the previous code.
RESEND_INTERVAL = timedelta(seconds=30)
# Codes sent in any sliding hour are limited per address and per visitor (the settings below), so the
# public endpoint cannot flood somebody's mailbox from many chats, nor one chat mail many addresses.
LIMIT_WINDOW = timedelta(hours=1)
PER_ADDRESS_SETTING = "Livechat_verification_codes_per_address_per_hour"
PER_VISITOR_SETTING = "Livechat_verification_codes_per_visitor_per_hour"


def verification_required(session: Session, *, channel: ContactChannel) -> bool:
    """Whether a new conversation on ``channel`` must wait for a verified identity before routing.
    With ``always`` every conversation verifies again, so the caller resets the channel first."""
    requirement = setting_value(session, "Livechat_Require_Contact_Verification")
    if requirement == "always":
        return True
    return requirement == "once" and not channel.verified


def request_verification(session: Session, *, room: Room, email: str) -> ContactVerification:
    """Send a fresh code for ``room``'s channel to ``email`` (queued in this transaction)."""
    channel = _open_room_channel(session, room)
    address = normalise_email(email)
    limits = [
        rate_limits.Limit(
            key=f"verification-code:address:{address}",
            limit=_limit_setting(session, PER_ADDRESS_SETTING),
            window=LIMIT_WINDOW,
        ),
        rate_limits.Limit(
            key=f"verification-code:visitor:{room.visitor_id}",
            limit=_limit_setting(session, PER_VISITOR_SETTING),
            window=LIMIT_WINDOW,
        ),
    ]
    # Locked before the room's pending codes are read: a room has one visitor, so two requests for one
    # room also take turns here and the resend interval holds under concurrency.
    lock(session, [limit.key for limit in limits])
    now = utcnow()
    previous = session.scalars(
        select(ContactVerification).where(
            ContactVerification.room_id == room.id, ContactVerification.verified_at.is_(None)
        )
    ).all()
    if any(now - pending.created_at < RESEND_INTERVAL for pending in previous):
        raise ApiError(
            "error-verification-too-soon",
            f"A code was sent less than {int(RESEND_INTERVAL.total_seconds())} seconds ago",
        )
    # Before any write: a refused request leaves nothing behind, even in a transaction that commits.
    rate_limits.hit_all(session, limits)
    session.execute(delete(ContactVerification).where(ContactVerification.id.in_([p.id for p in previous])))
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    salt = secrets.token_hex(8)
    verification = ContactVerification(
        room_id=room.id,
        channel_id=channel.id,
        field="email",
        value=address,
        code_hash=f"{salt}${_digest(salt, code)}",
        attempts=0,
        expires_at=now + CODE_LIFETIME,
        created_at=now,
    )
    session.add(verification)
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    queue_email(
        session,
        to=address,
        subject="Your verification code",
        body_text=(
            f"Your verification code is {code}.\n\n"
            f"Type it in the chat window to confirm this address. It expires in {minutes} minutes.\n"
            "If you did not ask for it, you can ignore this email."
        ),
        room_id=room.id,
    )
    session.flush()
    return verification


def confirm_verification(session: Session, *, room: Room, code: str) -> ContactChannel:
    """Check ``code`` against the room's pending verification; on success the channel and the room are
    verified, the address joins the contact's emails and a waiting chat is routed."""
    channel = _open_room_channel(session, room)
    verification = pending_verification(session, room.id)
    if verification is None:
        raise ApiError("error-no-verification-requested", "No verification code was requested for this chat")
    if verification.expires_at <= utcnow():
        raise ApiError("error-verification-code-expired", "The code has expired; ask for a new one")
    if verification.attempts >= MAX_ATTEMPTS:
        raise ApiError("error-too-many-attempts", "Too many wrong codes; ask for a new one")
    salt, expected = verification.code_hash.split("$", 1)
    if not hmac.compare_digest(_digest(salt, code.strip()), expected):
        verification.attempts += 1
        left = MAX_ATTEMPTS - verification.attempts
        # The caller commits before answering with this error, so the attempt counts.
        session.flush()
        raise WrongCode(left)
    now = utcnow()
    verification.verified_at = now
    channel.verified, channel.verified_at = True, now
    channel.field, channel.value = verification.field, verification.value
    room.verified = True
    contact = session.get(Contact, channel.contact_id)
    if contact is not None:
        add_contact_emails(contact, [verification.value])
    add_system_message(session, room=room, type="livechat-contact-verified", by=None, msg=verification.value)
    send_event_on_commit(session, room_event("updated", room))
    release_verified_inquiry(session, room=room)
    merge_on_verified_identity(session, channel=channel)
    return channel


class WrongCode(ApiError):
    """A wrong code. Unlike other errors it must be committed: the attempt counts."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(
            "error-invalid-verification-code",
            f"The verification code is not correct ({attempts_left} attempts left)",
        )
        self.attempts_left = attempts_left


def _open_room_channel(session: Session, room: Room) -> ContactChannel:
    if not room.open:
        raise ApiError("room-closed", "This conversation is already closed")
    channel = channel_of(
        session, visitor_id=room.visitor_id, source_type=room.source_type, source_id=room.source_id
    )
    if channel is None:
        raise ApiError("error-invalid-room", "This conversation has no contact channel")
    return channel


def _limit_setting(session: Session, setting_id: str) -> int:
    """A limit from the workspace settings; below 1 it is 1, since a limit cannot be switched off."""
    value = setting_value(session, setting_id)
    if not isinstance(value, int) or isinstance(value, bool):
        value = defaults.SETTINGS[setting_id].value
    return max(1, int(value))


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()
