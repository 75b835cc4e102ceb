"""Wrong passwords are throttled per username and per client address, as Rocket.Chat's
``Block_Multiple_Failed_Logins_*`` settings do, with exponential back-off.

Each failed login is a row of ``rate_limit_hits`` under two keys, ``login-failed:user:<name>`` and
``login-failed:ip:<address>``, remembered for a day. Once a key has ``Attempts_Until_Block`` failures in
that day, it is blocked until its last failure plus ``Time_To_Unblock`` minutes, doubled for every
failure past the threshold (``unblock * 2 ** (failures - threshold)``, at most a day). A blocked attempt
is refused with 429 before any password is checked, and is not counted itself, so the wait it is told
holds. A successful login forgets the name's failures (not the address's). Unknown names count like
known ones, so the answers say nothing about which accounts exist.

The counters live in the database, so they hold across processes; a limiter library such as
``limits`` keeps its counters in memory or Redis only. Failures are written in the login's own
transaction, which the callers commit even though they answer 401 (raising would roll it back).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from omnidesk.actions.accounts import log_in
from omnidesk.actions.key_locks import lock
from omnidesk.db import utcnow
from omnidesk.errors import TooManyRequests, Unauthorized
from omnidesk.models import RateLimitHit, User
from omnidesk.queries.settings import setting_value
from omnidesk.security import Passwords

MEMORY = timedelta(days=1)
MAX_BLOCK = timedelta(days=1)
MAX_DOUBLINGS = 16


def user_key(identity: str) -> str:
    return f"login-failed:user:{identity.strip().lower()[:320]}"


def ip_key(address: str) -> str:
    return f"login-failed:ip:{address[:64]}"


def attempt_login(
    session: Session, *, passwords: Passwords, identity: str, password_digest: str, client_address: str
) -> tuple[User, str] | None:
    """The user and a new login token, or None for wrong credentials (the failure is counted in
    ``session``, which the caller commits). Raises ``TooManyRequests`` while a key is blocked."""
    if not setting_value(session, "Block_Multiple_Failed_Logins_Enabled"):
        try:
            return log_in(session, passwords=passwords, identity=identity, password_digest=password_digest)
        except Unauthorized:
            return None
    limits = _limits(session, identity, client_address)
    lock(session, [key for key, _threshold, _unblock in limits])
    now = utcnow()
    wait = max(
        (_wait(session, key, threshold, unblock, now) for key, threshold, unblock in limits), default=0.0
    )
    if wait > 0:
        raise TooManyRequests(max(1, math.ceil(wait)))
    try:
        user, token = log_in(session, passwords=passwords, identity=identity, password_digest=password_digest)
    except Unauthorized:
        session.add_all(
            RateLimitHit(key=key, created_at=now, expires_at=now + MEMORY)
            for key, _threshold, _unblock in limits
        )
        session.flush()
        return None
    session.execute(delete(RateLimitHit).where(RateLimitHit.key == user_key(identity)))
    return user, token


def _limits(session: Session, identity: str, client_address: str) -> list[tuple[str, int, timedelta]]:
    prefix = "Block_Multiple_Failed_Logins_"
    limits = [
        (
            user_key(identity),
            int(setting_value(session, f"{prefix}Attempts_Until_Block_by_User") or 10),
            timedelta(
                minutes=int(setting_value(session, f"{prefix}Time_To_Unblock_By_User_In_Minutes") or 5)
            ),
        )
    ]
    allowed = {
        entry.strip() for entry in str(setting_value(session, f"{prefix}Ip_Whitelist") or "").split(",")
    }
    if client_address not in allowed:
        limits.append(
            (
                ip_key(client_address),
                int(setting_value(session, f"{prefix}Attempts_Until_Block_By_Ip") or 50),
                timedelta(
                    minutes=int(setting_value(session, f"{prefix}Time_To_Unblock_By_Ip_In_Minutes") or 5)
                ),
            )
        )
    return limits


def _wait(session: Session, key: str, threshold: int, unblock: timedelta, now: datetime) -> float:
    """Seconds until ``key`` may try again; 0 when it may now."""
    failures, last = session.execute(
        select(func.count(), func.max(RateLimitHit.created_at)).where(
            RateLimitHit.key == key, RateLimitHit.expires_at > now
        )
    ).one()
    if failures < max(1, threshold) or last is None:
        return 0.0
    blocked_for = min(unblock * 2 ** min(failures - threshold, MAX_DOUBLINGS), MAX_BLOCK)
    return max(0.0, (last + blocked_for - now).total_seconds())
