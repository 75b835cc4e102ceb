"""Calls as the API answers them: Omnidesk's call shape, with Rocket.Chat's IVoipRoom fields."""

from __future__ import annotations

from typing import Any

from omnidesk.dates import iso
from omnidesk.models import Call, Contact
from omnidesk.models.calls import ENDED_STATES, LIVE_STATES
from omnidesk.phones import international_form


def task_status(call: Call) -> str:
    """Twilio Flex's task states: pending (queued), reserved (offered to an agent), assigned (talking),
    wrapping (ended, notes pending), completed; a call that ended unanswered is canceled."""
    if call.wrapup_state == "completed":
        return "completed"
    if call.state in ENDED_STATES:
        return "wrapping" if call.answered_at is not None else "canceled"
    if call.answered_at is not None:
        return "assigned"
    return "reserved" if call.agent_id or call.agent_username else "pending"


def _milliseconds(seconds: int | None) -> int | None:
    return None if seconds is None else seconds * 1000


def phone_for_people(call: Call, contact: Contact | None) -> str:
    """The other party's number as the Contact Center shows it: written as in the contact's phones when
    staff gave the contact that number (Contacts shows what they typed), else in the international
    format, else as received (a number that does not parse)."""
    e164 = call.customer_e164
    if e164 and contact is not None and not contact.unknown:
        for phone in contact.phones:
            if phone.e164 == e164:
                return phone.phone_number
    return (international_form(e164) if e164 else None) or call.customer_number


def call_shape(call: Call, *, contact: Contact | None) -> dict[str, Any]:
    total = None
    if call.ended_at is not None:
        total = max(round((call.ended_at - call.started_at).total_seconds()), 0)
    served_by = {"_id": call.agent_id, "username": call.agent_username}
    recording = {"url": call.recording_url, "sid": call.recording_sid, "duration": call.recording_duration}
    return {
        "_id": call.id,
        "provider": call.provider,
        "externalId": call.external_id,
        "lineId": call.line_id,
        "direction": call.direction,
        "from": {"phoneNumber": call.from_number, "e164": call.from_e164},
        "to": {"phoneNumber": call.to_number, "e164": call.to_e164},
        "phone": call.customer_e164 or call.customer_number,
        "phoneFormatted": phone_for_people(call, contact),
        "callerName": call.caller_name,
        "fname": contact.name if contact else (call.caller_name or call.customer_number),
        "contactId": call.contact_id,
        "visitorId": call.visitor_id,
        "queue": call.queue,
        "departmentId": call.department_id,
        "servedBy": served_by if call.agent_id or call.agent_username else None,
        "state": call.state,
        "taskStatus": task_status(call),
        "open": call.state in LIVE_STATES,
        "followUp": call.follow_up,
        "ts": iso(call.started_at),
        "answeredAt": iso(call.answered_at),
        "endedAt": iso(call.ended_at),
        "onHoldSince": iso(call.hold_started_at),
        "durations": {
            "waiting": call.waiting_seconds,
            "talk": call.talk_seconds,
            "hold": call.hold_seconds,
            "total": total,
            "reported": call.provider_duration,
        },
        # Rocket.Chat's IVoipRoom fields, in its units (milliseconds, hold time in seconds).
        "callStarted": iso(call.started_at),
        "callWaitingTime": _milliseconds(call.waiting_seconds),
        "callDuration": _milliseconds(call.talk_seconds),
        "callTotalHoldTime": call.hold_seconds,
        "closedAt": iso(call.ended_at),
        "recording": recording if call.recording_url else None,
        "tags": list(call.tags or []),
        "wrapUp": {
            "state": call.wrapup_state,
            "notes": call.wrapup_notes,
            "tags": list(call.tags or []),
            "completedAt": iso(call.wrapup_at),
            "completedBy": (
                {"_id": call.wrapup_by_id, "username": call.wrapup_by_username} if call.wrapup_by_id else None
            ),
            "edited": len(call.wrapup_history or []) > 1,
        },
        "_updatedAt": iso(call.updated_at),
    }
