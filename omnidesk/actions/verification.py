"""Contact verification: the person on a chat proves who they are, and the chat's channel becomes
*verified* (``verified``, ``verified_at``, the ``field`` and ``value`` proven); the room shows it.

Rocket.Chat leaves the conversation to a paid app (Verify Chat) and keeps only the gate in the core:
with ``Livechat_Require_Contact_Verification`` at ``once`` (until the channel has been verified) or
``always`` (every new conversation), a new chat waits in the ``verifying`` state and is routed only
once verified. Here a chat proves its identity in one of three ways:

- **The provider vouches for the sender** (``vouched_by_provider``, read from each messaging channel
  module's ``vouches_for_sender`` in ``channels/registry``): SMS, since the carrier delivered the
  message from that number and Twilio signed the webhook (a spoofed sender ID never receives our
  replies, which go to the number), and WhatsApp, since Meta authenticates the account behind the
  number and signs the notification. Their channel is verified when it is created (``field`` "phone",
  ``value`` the E.164 number) and their chats are never held, under ``always`` either: every message
  proves the sender again, which is what ``always`` asks of a conversation. Not vouched: email (a From
  header is forgeable without DKIM/DMARC, which we do not check), voice caller ID (spoofable), the
  widget and the API (whoever holds the token).
- **A one-time code by email or SMS**: the widget or an API client asks for a code to an address
  (queued on the mail queue) or a phone (queued through the workspace's SMS channel,
  ``queries/messaging.sms_channel_for_codes``) and confirms it (``confirm_verification``).
- **An email chat answers its own code**: a held email chat gets a code sent to its sender, in the
  chat's thread, and the customer's reply that contains it confirms it (``answer_email_chat``).

Codes sent are rate limited per address or number and per visitor (``actions/rate_limits.py``).
Relaxing the setting releases what it no longer holds (``release_chats_no_longer_held``, called by
``actions/settings.set_setting``). Every verification is recorded in the contact's audit (``verified``).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from omnidesk.actions import rate_limits
from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.contact_audit import audit_contact, channel_entry, contact_snapshot
from omnidesk.actions.contact_links import add_contact_emails, add_contact_phones, channel_of, checked_e164
from omnidesk.actions.contact_merge import merge_on_verified_identity
from omnidesk.actions.email_replies import queue_in_thread
from omnidesk.actions.key_locks import lock
from omnidesk.actions.mail import queue_email
from omnidesk.actions.messages import add_system_message
from omnidesk.actions.messaging_replies import queue_text
from omnidesk.actions.routing import release_verified_inquiry, room_event
from omnidesk.channels.registry import CHANNELS
from omnidesk.db import utcnow
from omnidesk.errors import ApiError, InvalidParams
from omnidesk.events import send_event_on_commit
from omnidesk.models import (
    Contact,
    ContactChannel,
    ContactVerification,
    EmailInbox,
    MessagingChannel,
    Room,
    Visitor,
)
from omnidesk.queries.messaging import sms_channel_for_codes
from omnidesk.queries.settings import default_phone_region, limit_setting, setting_value
from omnidesk.queries.verification import (
    pending_verification,
    rooms_waiting_for_verification,
    waits_for_verification,
)

REQUIREMENT_SETTING = "Livechat_Require_Contact_Verification"
CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5
# A visitor may ask for a new code this often; each request replaces the previous code.
RESEND_INTERVAL = timedelta(seconds=30)
# Codes sent in any sliding hour are limited per address (or number) and per visitor (the settings
# below), so the public endpoint cannot flood somebody's mailbox or phone from many chats, nor one chat
# reach many addresses.
LIMIT_WINDOW = timedelta(hours=1)
PER_ADDRESS_SETTING = "Livechat_verification_codes_per_address_per_hour"
PER_VISITOR_SETTING = "Livechat_verification_codes_per_visitor_per_hour"
# An email's text is searched for a code: a run of exactly six digits. Only the first few count, and an
# email with digits but not the code costs one attempt, so an email cannot try every code at once.
CODE_IN_TEXT = re.compile(rf"(?<!\d)\d{{{CODE_DIGITS}}}(?!\d)")
CODES_TRIED_PER_EMAIL = 3


def vouched_by_provider(source_type: str) -> bool:
    """Whether chats of ``source_type`` come from a sender the provider authenticated (SMS, WhatsApp):
    the one rule for which channels need no code (see the module's docstring for why)."""
    module = CHANNELS.get(source_type)
    return module is not None and module.vouches_for_sender


def verification_required(session: Session, *, channel: ContactChannel) -> bool:
    """Whether a conversation on ``channel`` must wait for a verified identity before routing. With
    ``always`` every conversation verifies again, so the caller resets the channel first. A channel the
    provider vouches for never waits: each of its messages proves the sender."""
    if vouched_by_provider(channel.source_type):
        return False
    requirement = setting_value(session, REQUIREMENT_SETTING)
    if requirement == "always":
        return True
    return requirement == "once" and not channel.verified


def vouch_for_channel(
    session: Session, *, contact: Contact, channel: ContactChannel, visitor: Visitor
) -> None:
    """A channel whose provider vouches for its sender is verified for the sender's number (called as a
    chat opens on it, before the room is made, so the room starts verified). Already verified: nothing."""
    if not vouched_by_provider(channel.source_type) or (channel.verified and channel.field == "phone"):
        return
    number = visitor.channel_address or visitor.phone or ""
    if not number:
        return
    _mark_verified(session, contact=contact, channel=channel, field="phone", value=number, method="provider")


def vouch_for_room(session: Session, *, room: Room, visitor: Visitor) -> None:
    """A message on an open chat of a vouched channel whose room is not verified yet (it opened before
    the channel was vouched for): the channel and the room are verified and a held chat is routed."""
    if room.verified or not vouched_by_provider(room.source_type):
        return
    channel = channel_of(
        session, visitor_id=visitor.id, source_type=room.source_type, source_id=room.source_id
    )
    contact = session.get(Contact, channel.contact_id) if channel is not None else None
    if channel is None or contact is None:
        return
    vouch_for_channel(session, contact=contact, channel=channel, visitor=visitor)
    _verify_room(session, room=room, value=channel.value or "")


def release_chats_no_longer_held(session: Session) -> int:
    """After ``Livechat_Require_Contact_Verification`` changed: every chat waiting in ``verifying`` that
    the setting no longer holds (``never``; ``once`` for a channel verified since) is queued and routed.
    Returns how many were released."""
    released = 0
    for room in rooms_waiting_for_verification(session):
        channel = channel_of(
            session, visitor_id=room.visitor_id, source_type=room.source_type, source_id=room.source_id
        )
        if channel is not None and verification_required(session, channel=channel):
            continue
        release_verified_inquiry(session, room=room)
        released += 1
    return released


@dataclass(frozen=True)
class _Destination:
    """Where a code goes and how: ``field`` "email" or "phone", the normalised ``value``, the key it is
    rate limited by, and the SMS channel or the email chat's inbox it leaves through (neither: the
    workspace's mail server)."""

    field: str
    value: str
    limit_key: str
    sms_channel: MessagingChannel | None = None
    inbox: EmailInbox | None = None


def request_verification(
    session: Session, *, room: Room, email: str | None = None, phone: str | None = None
) -> ContactVerification:
    """Send a fresh code for ``room``'s channel to ``email``, or by SMS to ``phone`` (exactly one),
    queued in this transaction. In an email chat an email code leaves through the chat's inbox, in its
    thread, so the customer can answer it there."""
    if (email is None) == (phone is None):
        raise InvalidParams("must have exactly one of the properties 'email' and 'phone'")
    channel = _open_room_channel(session, room)
    destination = _destination(session, room=room, email=email, phone=phone)
    limits = [
        rate_limits.Limit(
            key=destination.limit_key, limit=limit_setting(session, PER_ADDRESS_SETTING), window=LIMIT_WINDOW
        ),
        rate_limits.Limit(
            key=f"verification-code:visitor:{room.visitor_id}",
            limit=limit_setting(session, PER_VISITOR_SETTING),
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
        field=destination.field,
        value=destination.value,
        code_hash=f"{salt}${_digest(salt, code)}",
        attempts=0,
        expires_at=now + CODE_LIFETIME,
        created_at=now,
    )
    session.add(verification)
    session.flush()
    _send_code(session, room=room, destination=destination, code=code, id_seed=verification.id)
    return verification


def _destination(session: Session, *, room: Room, email: str | None, phone: str | None) -> _Destination:
    """Checks where the code is to go, before anything is written: the address or number, and an SMS
    channel to send it through (else 400 ``error-no-sms-channel``)."""
    if email is not None:
        address = normalise_email(email)
        inbox = None
        if room.source_type == "email" and room.visitor.email == address:  # an email chat's own sender
            inbox = session.get(EmailInbox, room.source_id)
            if inbox is None:
                raise ApiError("error-email-inbox-not-found", "The email inbox of this chat no longer exists")
        return _Destination("email", address, f"verification-code:address:{address}", inbox=inbox)
    number = checked_e164(phone or "", region=default_phone_region(session))
    sms_channel = sms_channel_for_codes(
        session, source_type=room.source_type, source_id=room.source_id, department_id=room.department_id
    )
    if sms_channel is None:
        raise ApiError("error-no-sms-channel", "No SMS channel is configured to send the code")
    return _Destination("phone", number, f"verification-code:phone:{number}", sms_channel=sms_channel)


def _send_code(session: Session, *, room: Room, destination: _Destination, code: str, id_seed: str) -> None:
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    if destination.sms_channel is not None:
        text = f"Your verification code is {code}. It expires in {minutes} minutes."
        queue_text(session, channel=destination.sms_channel, to=destination.value, body=text, room_id=room.id)
    elif destination.inbox is not None:
        body = (
            f"Your verification code is {code}.\n\n"
            f"To confirm this address, reply to this email with the code. It expires in {minutes} minutes.\n"
            "Your message reaches our team once the address is confirmed."
        )
        queue_in_thread(session, room=room, inbox=destination.inbox, body_text=body, id_seed=id_seed)
    else:
        queue_email(
            session,
            to=destination.value,
            subject="Your verification code",
            body_text=(
                f"Your verification code is {code}.\n\n"
                f"Type it in the chat window to confirm this address. It expires in {minutes} minutes.\n"
                "If you did not ask for it, you can ignore this email."
            ),
            room_id=room.id,
        )


def confirm_verification(session: Session, *, room: Room, code: str) -> ContactChannel:
    """Check ``code`` against the room's pending verification; on success the channel and the room are
    verified, the address or number joins the contact's emails or phones and a waiting chat is routed."""
    channel = _open_room_channel(session, room)
    verification = pending_verification(session, room.id)
    if verification is None:
        raise ApiError("error-no-verification-requested", "No verification code was requested for this chat")
    if verification.expires_at <= utcnow():
        raise ApiError("error-verification-code-expired", "The code has expired; ask for a new one")
    if verification.attempts >= MAX_ATTEMPTS:
        raise ApiError("error-too-many-attempts", "Too many wrong codes; ask for a new one")
    if not _code_matches(verification, code.strip()):
        # Counted in SQL: two wrong codes at once must both count.
        verification.attempts = ContactVerification.attempts + 1
        # The caller commits before answering with this error, so the attempt counts.
        session.flush()
        left = MAX_ATTEMPTS - verification.attempts
        raise WrongCode(left)
    _confirmed(session, room=room, channel=channel, verification=verification)
    return channel


def answer_email_chat(session: Session, *, room: Room, text: str) -> None:
    """An email (its ``text``, quotation cut) in an email chat that waits for verification: when it
    contains the pending code the chat is verified and routed; otherwise, unless a code that can still
    be used was sent already, a fresh code goes to the sender in the chat's thread. A code the resend
    interval or a rate limit refuses is not sent and the email is kept all the same: the next email
    tries again."""
    if not waits_for_verification(session, room.id) or not room.visitor.email:
        return
    channel = _open_room_channel(session, room)
    pending = pending_verification(session, room.id)
    usable = (
        pending is not None
        and pending.field == "email"
        and pending.value == room.visitor.email
        and pending.expires_at > utcnow()
        and pending.attempts < MAX_ATTEMPTS
    )
    if usable:
        assert pending is not None
        candidates = list(dict.fromkeys(CODE_IN_TEXT.findall(text)))[:CODES_TRIED_PER_EMAIL]
        if not candidates:
            return  # the code sent stands; this email carries none
        if any(_code_matches(pending, candidate) for candidate in candidates):
            _confirmed(session, room=room, channel=channel, verification=pending)
            return
        pending.attempts = ContactVerification.attempts + 1
        session.flush()
        if pending.attempts < MAX_ATTEMPTS:
            return
    with contextlib.suppress(ApiError):  # too soon or too many: refused before writing anything
        request_verification(session, room=room, email=room.visitor.email)


class WrongCode(ApiError):
    """A wrong code. Unlike other errors it must be committed: the attempt counts."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(
            "error-invalid-verification-code",
            f"The verification code is not correct ({attempts_left} attempts left)",
        )
        self.attempts_left = attempts_left


def _confirmed(
    session: Session, *, room: Room, channel: ContactChannel, verification: ContactVerification
) -> None:
    verification.verified_at = utcnow()
    contact = session.get(Contact, channel.contact_id)
    if contact is not None:
        _mark_verified(
            session,
            contact=contact,
            channel=channel,
            field=verification.field,
            value=verification.value,
            method="code",
        )
    else:
        channel.verified, channel.verified_at = True, verification.verified_at
        channel.field, channel.value = verification.field, verification.value
    _verify_room(session, room=room, value=verification.value)


def _mark_verified(
    session: Session, *, contact: Contact, channel: ContactChannel, field: str, value: str, method: str
) -> None:
    """The channel is verified for ``value``, which joins the contact's emails or phones; the contact's
    audit records it (``verified``, by ``method``: "code" or "provider"). Another contact with a channel
    verified for the same value is the same person, and the two merge (``contact_merge``)."""
    before = contact_snapshot(contact)
    channel.verified, channel.verified_at = True, utcnow()
    channel.field, channel.value = field, value
    if field == "email":
        add_contact_emails(contact, [value])
    else:
        add_contact_phones(contact, [value], regions=[default_phone_region(session)])
    session.flush()
    entry = channel_entry(channel, field=field, value=value, method=method)
    audit_contact(session, contact, action="verified", actor=None, before=before, channel=entry)
    merge_on_verified_identity(session, channel=channel)


def _verify_room(session: Session, *, room: Room, value: str) -> None:
    room.verified = True
    add_system_message(session, room=room, type="livechat-contact-verified", by=None, msg=value)
    send_event_on_commit(session, room_event("updated", room))
    release_verified_inquiry(session, room=room)


def _open_room_channel(session: Session, room: Room) -> ContactChannel:
    if not room.open:
        raise ApiError("room-closed", "This conversation is already closed")
    channel = channel_of(
        session, visitor_id=room.visitor_id, source_type=room.source_type, source_id=room.source_id
    )
    if channel is None:
        raise ApiError("error-invalid-room", "This conversation has no contact channel")
    return channel


def _code_matches(verification: ContactVerification, code: str) -> bool:
    salt, expected = verification.code_hash.split("$", 1)
    return hmac.compare_digest(_digest(salt, code), expected)


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()
