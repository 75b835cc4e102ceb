"""Demo conversations that came in by email, SMS and WhatsApp, so the Chats tab shows every channel.

The demo's accounts are placeholders (``example.com`` servers, made-up Twilio and Meta credentials): the
email inbox is created inactive so nothing tries to read it, and the replies the demo agents sent are
recorded as already delivered, as they would be after a real day, so no worker tries to send them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from omnidesk.actions.conversations import send_agent_message
from omnidesk.actions.email_inbox import save_inbox
from omnidesk.actions.email_intake import receive_email
from omnidesk.actions.messaging_channels import ChannelSettings, create_messaging_channel
from omnidesk.actions.messaging_intake import InboundText, receive_message
from omnidesk.actions.messaging_replies import apply_delivery_status
from omnidesk.actions.rooms import close_room
from omnidesk.channels.email_imap import InboundEmail
from omnidesk.db import utcnow
from omnidesk.models import ChannelMessage, Department, OutboundEmail, Room, User

# customer name, their address or number, what they wrote, what the agent answered, closed?
EMAILS = [
    (
        "Rosa Martínez",
        "rosa.martinez@example.es",
        "Invoice 2291 has the wrong VAT number",
        "Thanks Rosa, I've issued a corrected invoice.",
        True,
    ),
    (
        "Tom Becker",
        "tom.becker@example.de",
        "Cancel my subscription at the end of the month",
        "Done: your plan stays active until the 31st.",
        True,
    ),
    ("Grace Kim", "grace.kim@example.kr", "Question about bulk pricing", "", False),
]
SMS = [
    (
        "Jamal Carter",
        "+1 415 555 0177",
        "Is my package still coming today?",
        "Yes, it's out for delivery.",
        True,
    ),
    (
        "Elena Popescu",
        "+1 (646) 555-0143",
        "Can I change my delivery address?",
        "Sure, what's the new one?",
        False,
    ),
]
WHATSAPP = [
    ("Aisha Bello", "+234 803 123 4567", "Hello! Do you ship to Lagos?", "We do, in 5 to 7 days.", True),
    ("Rafael Souza", "+55 11 91234-5678", "My discount code doesn't work", "", False),
]


def load_demo_channels(
    session: Session, *, departments: dict[str, Department], settle: Callable[[Room], None]
) -> int:
    """Open the demo's email, SMS and WhatsApp chats; ``settle`` paces and ages each one like the rest."""
    rooms: list[Room] = []
    inbox = save_inbox(
        session,
        inbox=None,
        actor_id=None,
        fields={
            "name": "Support inbox",
            "email": "support@acme.example.com",
            "active": False,  # placeholder servers: nothing to read
            "senderInfo": "Acme Support",
            "department": departments["Support"].id,
            "smtp": {
                "server": "smtp.example.com",
                "port": 465,
                "username": "",
                "password": "",
                "secure": True,
            },
            "imap": {
                "server": "imap.example.com",
                "port": 993,
                "username": "",
                "password": "",
                "secure": True,
            },
        },
    )
    for index, (name, address, subject, answer, closed) in enumerate(EMAILS):
        email = InboundEmail(
            message_id=f"demo-{index}@example.com",
            from_address=address,
            from_name=name,
            reply_to=address,
            subject=subject,
            text=f"Hello,\n\n{subject}. Could you help?\n\nBest regards,\n{name}",
        )
        message = receive_email(session, inbox=inbox, email=email)
        assert message is not None
        rooms.append(_answer(session, message.room_id, answer, closed))
    sms = create_messaging_channel(
        session,
        type="sms",
        settings=ChannelSettings(
            name="Acme SMS",
            phone_number="+1 415 555 0100",
            config={
                "account_sid": "AC" + "0" * 32,
                "auth_token": secrets.token_urlsafe(24),  # the demo's accounts are nobody's: no one signs
            },
        ),
    )
    whatsapp = create_messaging_channel(
        session,
        type="whatsapp",
        settings=ChannelSettings(
            name="Acme WhatsApp",
            phone_number="+1 415 555 0101",
            config={
                "phone_number_id": "100000000000001",
                "access_token": secrets.token_urlsafe(32),
                "app_secret": secrets.token_urlsafe(24),
                "verify_token": secrets.token_urlsafe(16),
            },
        ),
    )
    for channel, customers in ((sms, SMS), (whatsapp, WHATSAPP)):
        for index, (name, number, text, answer, closed) in enumerate(customers):
            inbound = InboundText(
                external_id=f"demo-{channel.type}-{index}",
                from_number=number,
                to_number=channel.phone_number or "",
                text=text,
                profile_name=name if channel.type == "whatsapp" else None,
            )
            message = receive_message(session, channel=channel, inbound=inbound)
            assert message is not None
            rooms.append(_answer(session, message.room_id, answer, closed))
    _mark_replies_delivered(session)
    for room in rooms:
        settle(room)
    return len(rooms)


def _answer(session: Session, room_id: str, answer: str, closed: bool) -> Room:
    room = session.get(Room, room_id)
    assert room is not None
    agent = session.get(User, room.served_by_id) if room.served_by_id else None
    if agent is not None and answer:
        send_agent_message(session, agent=agent, room=room, msg=answer)
        if closed:
            close_room(session, room=room, closer="user", by_id=agent.id, by_username=agent.username)
    session.refresh(room)  # close_room is a conditional UPDATE the loaded room may not show yet
    return room


def _mark_replies_delivered(session: Session) -> None:
    now = utcnow()
    for job in session.scalars(select(ChannelMessage).where(ChannelMessage.direction == "out")):
        job.status, job.attempts = "sent", 1
        apply_delivery_status(session, job=job, status="delivered")
    session.execute(
        update(OutboundEmail).where(OutboundEmail.inbox_id.is_not(None)).values(status="sent", sent_at=now)
    )
    session.flush()
