"""``omnidesk demo``: a believable contact center to click through. Safe to run twice."""

from __future__ import annotations

from sqlalchemy.orm import Session

from omnidesk.actions.accounts import create_user, set_user_status
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


def load_demo(session: Session, *, passwords: Passwords) -> str:
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
    return (
        f"Demo data: {created} staff accounts created ({len(DEMO_STAFF) - created} existed). "
        f"Log in as any of {', '.join(u for u, *_ in DEMO_STAFF)} with password {DEMO_PASSWORD!r}."
    )
