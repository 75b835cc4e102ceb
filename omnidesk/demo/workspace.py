"""``omnidesk demo``: a believable contact center to click through. Safe to run twice.

Everything goes through the same actions the API uses; only the timestamps are moved into the past
afterwards, so that the Chats tab shows a few weeks of history instead of one busy second.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnidesk.actions.accounts import create_user
from omnidesk.actions.agents import set_agent_chat_limit, set_agent_status
from omnidesk.actions.canned_responses import save_canned_response
from omnidesk.actions.contacts import create_contact, update_contact
from omnidesk.actions.conversations import send_agent_message, send_visitor_message
from omnidesk.actions.custom_fields import create_custom_field
from omnidesk.actions.departments import AgentAssignment, DepartmentFields, create_department
from omnidesk.actions.presence import set_user_status
from omnidesk.actions.rooms import close_room, hold_room, open_room, save_room_info
from omnidesk.actions.settings import set_setting
from omnidesk.actions.slas import save_sla, set_room_sla
from omnidesk.actions.tags import save_tag
from omnidesk.actions.visitors import new_visitor_token, register_visitor
from omnidesk.demo.calls import load_demo_calls
from omnidesk.demo.channels import load_demo_channels
from omnidesk.models import Contact, Department, Message, Room, ServiceLevelAgreement, Setting, User
from omnidesk.queries.users import user_by_username
from omnidesk.security import Passwords

DEMO_PASSWORD = "omnidesk-demo"

# username, name, roles, status
DEMO_STAFF = [
    ("maria.manager", "Maria Gonzalez", ["user", "livechat-manager", "livechat-agent"], "online"),
    ("omar.monitor", "Omar Haddad", ["user", "livechat-monitor"], "away"),
    ("alex.agent", "Alex Kim", ["user", "livechat-agent"], "online"),
    ("sam.agent", "Samira Okafor", ["user", "livechat-agent"], "online"),
    ("jordan.agent", "Jordan Lee", ["user", "livechat-agent"], "busy"),
    ("lena.agent", "Lena Fischer", ["user", "livechat-agent"], "offline"),
]

DEPARTMENTS = {
    "Sales": ["maria.manager", "alex.agent"],
    "Support": ["sam.agent", "jordan.agent", "alex.agent"],
    "Billing": ["lena.agent", "sam.agent"],
}
TAGS = ["billing", "shipping", "refund", "bug", "feature-request", "vip", "complaint", "onboarding"]

# name, email, phone (as people type them), department
CUSTOMERS = [
    ("Amelia Watson", "amelia.watson@example.com", "+44 20 7946 0958", "Sales"),
    ("Lucas Moreau", "lucas.moreau@example.fr", "+33 1 70 36 43 21", "Support"),
    ("Hana Suzuki", "hana.suzuki@example.jp", "+81 3-1234-5678", "Support"),
    ("Diego Hernández", "diego.hernandez@example.mx", "+52 55 1234 5678", "Billing"),
    ("Priya Raman", "priya.raman@example.in", "+91 98765 43210", "Sales"),
    ("Noah Johnson", "noah.j@example.com", "(415) 555-0132", "Support"),
    ("Fatima Zahra", "fatima.zahra@example.ma", "+212 612-345678", "Billing"),
    ("Oliver Schmidt", "o.schmidt@example.de", "+49 30 901820", "Support"),
    ("Chloé Dubois", "chloe.dubois@example.fr", "06 12 34 56 78", "Sales"),
    ("Mateo Rossi", "mateo.rossi@example.it", "+39 06 6982 1234", "Support"),
    ("Ava Thompson", "ava.thompson@example.com", "555-010-4477", "Billing"),
    ("Kwame Mensah", "kwame.mensah@example.gh", "+233 24 123 4567", "Support"),
    ("Sofia Kowalska", "sofia.k@example.pl", "+48 22 123 45 67", "Sales"),
    ("Ethan Brown", "ethan.brown@example.com", "+1 212 555 0199", "Support"),
    ("Yara Haddad", "yara.haddad@example.lb", "+961 1 123 456", "Billing"),
    ("Liam O'Connor", "liam.oconnor@example.ie", "+353 1 234 5678", "Support"),
]
CONVERSATIONS = [
    ("Hi, my order hasn't arrived yet.", "Sorry about that! Could you share the order number?", "shipping"),
    ("I was charged twice this month.", "Let me check your invoices right away.", "billing"),
    ("Can I upgrade to the annual plan?", "Of course, I can switch you over now.", "onboarding"),
    ("The app crashes when I upload a photo.", "Thanks for reporting it, which phone do you use?", "bug"),
    (
        "I'd like a refund for the damaged item.",
        "I've started the refund, you'll see it in 3-5 days.",
        "refund",
    ),
    ("Would you add dark mode?", "Great idea, I've passed it to the product team.", "feature-request"),
]
PRE_REGISTERED = [
    ("Margaret Hamilton", ["margaret@apollo.example"], ["+1 617 555 0100"]),
    ("Alan Turing", ["alan.turing@bletchley.example"], ["+44 1908 640404"]),
]


def load_demo(session: Session, *, passwords: Passwords) -> str:
    created_staff = _staff(session, passwords)
    if session.scalar(select(Department).where(Department.name == "Sales")) is not None:
        return _summary(created_staff, "the conversations existed already")
    rng = random.Random(7)  # the same demo every time
    staff = {username: user_by_username(session, username) for username, *_ in DEMO_STAFF}
    agents = [user for user in staff.values() if user is not None and "livechat-agent" in user.role_ids]
    departments = _departments(session, staff)
    for tag in TAGS:
        save_tag(session, tag=None, name=tag, description="", department_ids=None)
    urgent = save_sla(
        session, sla=None, name="Urgent", description="Answer within 15 minutes", due_time_minutes=15
    )
    save_sla(session, sla=None, name="Standard", description="Answer within the hour", due_time_minutes=60)
    _canned_responses(session, agents[0], departments)
    create_custom_field(
        session, key="customerId", label="Customer ID", scope="visitor", visibility="visible", searchable=True
    )
    create_custom_field(
        session,
        key="plan",
        label="Plan",
        scope="visitor",
        visibility="visible",
        type="select",
        options="Free,Pro,Enterprise",
    )
    create_custom_field(session, key="orderId", label="Order number", scope="room", visibility="visible")
    for name, emails, phones in PRE_REGISTERED:
        create_contact(
            session, actor=None, name=name, emails=emails, phones=phones, contact_manager=agents[0].id
        )
    for agent in agents:
        set_agent_status(session, user=agent, status="available")
    rooms = _conversations(session, rng, departments, agents)
    rooms += load_demo_channels(
        session, departments=departments, settle=lambda room: _settle(session, rng, room)
    )
    calls = load_demo_calls(
        session, agents=agents, contacts_phones=[(name, phone) for name, _, phone, _ in CUSTOMERS]
    )
    for agent in agents:  # the demo leaves the team as a real shift would: some on, some off
        set_agent_status(
            session, user=agent, status="available" if agent.status != "offline" else "not-available"
        )
    rooms += _waiting_in_queue(session, agents, sla=urgent)
    return _summary(
        created_staff,
        f"{len(CUSTOMERS)} customers, {rooms} chats, {calls} calls, {len(departments)} departments",
    )


def _summary(created_staff: int, conversations: str) -> str:
    return (
        f"Demo data: {created_staff} staff accounts created ({len(DEMO_STAFF) - created_staff} existed); "
        f"{conversations}. Log in as any of {', '.join(u for u, *_ in DEMO_STAFF)} "
        f"with password {DEMO_PASSWORD!r}."
    )


def _staff(session: Session, passwords: Passwords) -> int:
    created = 0
    for username, name, roles, status in DEMO_STAFF:
        if user_by_username(session, username) is not None:
            continue
        user = create_user(
            session,
            passwords=passwords,
            username=username,
            email=f"{username}@demo.omnidesk.example",
            password=DEMO_PASSWORD,
            name=name,
            roles=roles,
            email_verified=True,
        )
        set_user_status(session, user=user, status=status, message=None)
        created += 1
    return created


CANNED_RESPONSES = (  # shortcut, text, scope, department, tags
    ("hello", "Hello {{contact.name}}, I'm {{agent.name}}. How can I help?", "global", None, ("greeting",)),
    ("thanks", "Thank you for writing to us, {{contact.name}}. Anything else I can do?", "global", None, ()),
    ("refund", "Refunds reach your account within 5 working days.", "department", "Sales", ("billing",)),
    ("later", "I'll look into it and come back to you within the hour.", "user", None, ()),
)


def _canned_responses(session: Session, author: User, departments: dict[str, Department]) -> None:
    for shortcut, text, scope, department, tags in CANNED_RESPONSES:
        save_canned_response(
            session,
            response=None,
            author=author,
            shortcut=shortcut,
            text=text,
            scope=scope,
            department_id=departments[department].id if department else None,
            tags=tags,
        )


def _departments(session: Session, staff: dict[str, User | None]) -> dict[str, Department]:
    departments = {}
    for name, usernames in DEPARTMENTS.items():
        members = [staff[username] for username in usernames if staff.get(username) is not None]
        departments[name] = create_department(
            session,
            fields=DepartmentFields(
                name=name,
                enabled=True,
                email=f"{name.lower()}@demo.omnidesk.example",
                show_on_registration=True,
                show_on_offline_form=True,
                description=f"The {name} team",
            ),
            agents=[AgentAssignment(agent_id=user.id) for user in members if user is not None],
        )
    return departments


def _conversations(
    session: Session, rng: random.Random, departments: dict[str, Department], agents: list[User]
) -> int:
    count = 0
    for index, (name, email, phone, department) in enumerate(CUSTOMERS):
        sources = [{"type": "widget", "destination": "shop.example.com"}] + (
            [{"type": "api"}] if index % 4 == 0 else []
        )
        # A token is a visitor's password, even in a demo that may face the internet: never a counter.
        visitor = register_visitor(session, token=new_visitor_token(), name=name, email=email, phone=phone)
        for chat in range(1 + index % 3):
            source = sources[chat % len(sources)]
            room = open_room(
                session, visitor=visitor, source=source, department_id=departments[department].id
            )
            opening, reply, tag = CONVERSATIONS[(index + chat) % len(CONVERSATIONS)]
            send_visitor_message(session, visitor=visitor, room=room, msg=opening)
            agent = session.get(User, room.served_by_id) if room.served_by_id else None
            if agent is not None:
                send_agent_message(session, agent=agent, room=room, msg=reply)
            last_of_visitor = chat == index % 3
            if agent is not None and not (last_of_visitor and index % 5 == 0):
                send_visitor_message(session, visitor=visitor, room=room, msg="Thank you, that helps!")
                save_room_info(
                    session,
                    room=room,
                    topic=opening[:40],
                    livechat_data={"orderId": f"A-{1000 + index * 7 + chat}"},
                )
                close_room(
                    session,
                    room=room,
                    closer="user",
                    by_id=agent.id,
                    by_username=agent.username,
                    comment="Resolved",
                    tags=[tag] + (["vip"] if index % 6 == 0 else []),
                )
            elif agent is not None and index % 10 == 0:
                hold_room(session, room=room, by=agent)
            if index % 3 == 0 and chat == 0:  # staff have added every third customer to the directory
                contact = session.get(Contact, room.contact_id)
                assert contact is not None
                update_contact(
                    session,
                    actor=None,
                    contact=contact,
                    custom_fields={
                        "customerId": f"CUST-{1000 + index}",
                        "plan": ("Free", "Pro", "Enterprise")[index % 3],
                    },
                    contact_manager=agents[index % len(agents)].id,
                )
            session.refresh(room)  # close_room is a conditional UPDATE the loaded room may not show yet
            _settle(session, rng, room)
            count += 1
    return count


def _waiting_in_queue(session: Session, agents: list[User], *, sla: ServiceLevelAgreement) -> int:
    """Two chats nobody has taken yet: the team works with chat limits, and every agent on shift is at
    its own limit (the chats it serves now). The first has an SLA."""
    set_setting(session, setting=_setting(session, "Livechat_waiting_queue"), value=True)
    set_setting(session, setting=_setting(session, "Livechat_accept_chats_with_no_agents"), value=True)
    for agent in agents:
        serving = session.scalar(
            select(func.count()).where(
                Room.served_by_id == agent.id, Room.open.is_(True), Room.on_hold.is_(False)
            )
        )
        set_agent_chat_limit(session, user=agent, max_chats=max(serving or 0, 1))
    for name, email in [("Zanele Dlamini", "zanele@example.za"), ("Ivan Petrov", "ivan@example.bg")]:
        visitor = register_visitor(session, token=new_visitor_token(), name=name, email=email)
        room = open_room(
            session, visitor=visitor, source={"type": "widget", "destination": "shop.example.com"}
        )
        send_visitor_message(session, visitor=visitor, room=room, msg="Hello? Is anyone there?")
        if name == "Zanele Dlamini":
            set_room_sla(session, room=room, sla=sla, by=agents[0])
    return 2


def _setting(session: Session, setting_id: str) -> Setting:
    setting = session.get(Setting, setting_id)
    assert setting is not None, setting_id
    return setting


def _settle(session: Session, rng: random.Random, room: Room) -> None:
    """Pace a demo chat's messages and move it into the past: closed chats over the last month, open
    ones within the last hour or so."""
    paced = _space_out(session, rng, room) / timedelta(days=1)  # never ends in the future
    _age(session, room, days_ago=paced + (rng.uniform(0.02, 30) if room.closed_at else rng.uniform(0, 0.05)))


def _space_out(session: Session, rng: random.Random, room: Room) -> timedelta:
    """Give a demo chat a human pace: each message comes seconds or minutes after the one before,
    and a closed chat closes with its last message, so response and resolution times mean something."""
    messages = session.scalars(
        select(Message).where(Message.room_id == room.id).order_by(Message.created_at)
    ).all()
    at = room.created_at
    for message in messages:
        at += timedelta(seconds=rng.uniform(15, 420))
        message.created_at = at
    if messages:
        room.last_message_at = at
        if room.closed_at is not None:
            room.closed_at = at
    session.flush()
    return at - room.created_at


def _age(session: Session, room: Room, *, days_ago: float) -> None:
    """Move a demo room and its messages into the past, keeping their order and spacing."""
    assert room.created_at is not None
    shift = timedelta(days=days_ago)
    for attribute in ("created_at", "queued_at", "served_at", "closed_at", "last_message_at"):
        value = getattr(room, attribute)
        if value is not None:
            setattr(room, attribute, value - shift)
    for message in session.scalars(select(Message).where(Message.room_id == room.id)):
        message.created_at = message.created_at - shift
    # The contact's and its channels' "last chat" follow the room they point at.
    contact = session.get(Contact, room.contact_id) if room.contact_id else None
    for holder in [contact, *(contact.channels if contact else [])]:
        if holder is not None and holder.last_chat_room_id == room.id:
            holder.last_chat_at = room.created_at
    session.flush()
