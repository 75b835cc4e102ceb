"""Every write to voice lines: an admin connects a provider's phone number, changes it, removes it."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from omnidesk.channels.config import mask_secret
from omnidesk.errors import ApiError
from omnidesk.models import Department, VoiceLine
from omnidesk.phones import to_e164
from omnidesk.queries.calls import voice_line_by_number
from omnidesk.queries.settings import default_phone_region

PROVIDERS = ("twilio",)
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")


def _phone_number(session: Session, raw: str, *, line_id: str | None) -> str:
    e164 = to_e164(raw, default_region=default_phone_region(session))
    if e164 is None:
        raise ApiError("error-invalid-phone-number", f"{raw!r} is not a valid phone number")
    existing = voice_line_by_number(session, e164)
    if existing is not None and existing.id != line_id:
        raise ApiError("error-voice-line-exists", f"A voice line for {e164} already exists")
    return e164


def _account_sid(raw: str) -> str:
    sid = raw.strip()
    if not _ACCOUNT_SID.match(sid):
        raise ApiError("error-invalid-account-sid", "A Twilio account SID is AC followed by 32 hex digits")
    return sid


def _department_id(session: Session, department_id: str | None) -> str | None:
    if not department_id:
        return None
    if session.get(Department, department_id) is None:
        raise ApiError("error-invalid-department", "The selected department is invalid")
    return department_id


def _text(raw: str, name: str) -> str:
    value = raw.strip()
    if not value:
        raise ApiError("error-invalid-params", f"The {name} must not be empty")
    return value


def create_voice_line(
    session: Session,
    *,
    phone_number: str,
    provider: str,
    account_sid: str,
    auth_token: str,
    queue: str,
    department_id: str | None,
) -> VoiceLine:
    line = VoiceLine(
        phone_number=_phone_number(session, phone_number, line_id=None),
        provider=provider,
        account_sid=_account_sid(account_sid),
        auth_token=_text(auth_token, "auth token"),
        queue=_text(queue, "queue"),
        department_id=_department_id(session, department_id),
    )
    session.add(line)
    session.flush()
    return line


def update_voice_line(
    session: Session,
    *,
    line: VoiceLine,
    phone_number: str | None = None,
    account_sid: str | None = None,
    auth_token: str | None = None,
    queue: str | None = None,
    department_id: str | None = None,
    clear_department: bool = False,
) -> VoiceLine:
    """Change what was given. An auth token equal to the masked one the API showed keeps the saved
    token, so a client may send back the line it read."""
    if phone_number is not None:
        line.phone_number = _phone_number(session, phone_number, line_id=line.id)
    if account_sid is not None:
        line.account_sid = _account_sid(account_sid)
    if auth_token is not None and auth_token != mask_secret(line.auth_token):
        line.auth_token = _text(auth_token, "auth token")
    if queue is not None:
        line.queue = _text(queue, "queue")
    if clear_department:
        line.department_id = None
    elif department_id is not None:
        line.department_id = _department_id(session, department_id)
    session.flush()
    return line


def delete_voice_line(session: Session, *, line: VoiceLine) -> None:
    """Remove a line; its calls stay in the log."""
    session.delete(line)
    session.flush()
