"""Every write to voice lines: an admin connects a provider's phone number, changes it, removes it.
Secrets are kept as given and masked by the API; a masked value sent back keeps the saved secret, so a
client may send back the line it read."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk.channels.config import api_name, mask_secret
from omnidesk.channels.voice import VoiceProvider
from omnidesk.channels.voice_registry import line_config_of, provider_for, store_line_config
from omnidesk.errors import ApiError
from omnidesk.models import Department, VoiceLine
from omnidesk.phones import to_e164
from omnidesk.queries.calls import voice_line_by_number
from omnidesk.queries.settings import default_phone_region


def _phone_number(session: Session, raw: str, *, line_id: str | None) -> str:
    e164 = to_e164(raw, default_region=default_phone_region(session))
    if e164 is None:
        raise ApiError("error-invalid-phone-number", f"{raw!r} is not a valid phone number")
    existing = voice_line_by_number(session, e164)
    if existing is not None and existing.id != line_id:
        raise ApiError("error-voice-line-exists", f"A voice line for {e164} already exists")
    return e164


def _apply_config(line: VoiceLine, provider: VoiceProvider[Any], given: dict[str, str]) -> None:
    """The provider settings given (by their field names), checked, over the line's own."""
    for name in given:
        if name not in provider.fields():
            reason = f"{api_name(name)} is not a setting of a {provider.provider} line"
            raise ApiError("error-invalid-params", reason)
    current = line_config_of(line, provider)
    changes: dict[str, str] = {}
    for name in provider.fields():  # settings first, then secrets, each in the schema's order
        raw = given.get(name)
        if raw is not None and name not in provider.secrets:
            changes[name] = provider.clean(name, raw)
    for name in provider.secrets:
        raw = given.get(name)
        saved = getattr(current, name)
        if raw is not None and not (saved is not None and raw == mask_secret(saved)):
            changes[name] = _text(raw, name.replace("_", " "))
    if changes:
        store_line_config(line, provider, current.model_copy(update=changes))
    provider.check_complete(line_config_of(line, provider))


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
    config: dict[str, str],
    queue: str,
    department_id: str | None,
) -> VoiceLine:
    """A line at ``provider``; ``config`` holds its provider settings by their field names."""
    module = provider_for(provider)
    line = VoiceLine(
        phone_number=_phone_number(session, phone_number, line_id=None),
        provider=module.provider,
        config={},
    )
    _apply_config(line, module, config)
    line.queue = _text(queue, "queue")
    line.department_id = _department_id(session, department_id)
    session.add(line)
    session.flush()
    return line


def update_voice_line(
    session: Session,
    *,
    line: VoiceLine,
    phone_number: str | None = None,
    config: dict[str, str] | None = None,
    queue: str | None = None,
    department_id: str | None = None,
    clear_department: bool = False,
) -> VoiceLine:
    """Change what was given; a provider setting left out of ``config`` stays as it is."""
    if phone_number is not None:
        line.phone_number = _phone_number(session, phone_number, line_id=line.id)
    _apply_config(line, provider_for(line.provider), config or {})
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
