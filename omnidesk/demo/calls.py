"""A believable call log for ``omnidesk demo``: two weeks of inbound and outbound calls, answered and
missed, with hold time, recordings, wrap-up notes and follow-ups. Safe to run twice."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from omnidesk.actions.calls import CallRoute, record_call_events, wrap_up_call
from omnidesk.channels import voice_twilio
from omnidesk.channels.voice import CallIdentity, ReportedEvent
from omnidesk.channels.voice_registry import store_line_config
from omnidesk.db import utcnow
from omnidesk.models import User, VoiceLine
from omnidesk.queries.calls import call_by_external_id, voice_line_by_number

DEMO_LINE = "+15550100100"
DEMO_PROVIDER = "demo"
UNKNOWN_CALLERS = ["+15550147731", "+442079460958", "+15550163390", "+4930901820"]
NOTES = [
    ("Order arrived damaged; replacement shipped, RMA emailed.", ["returns"]),
    ("Asked about upgrading to the annual plan; sent the quote.", ["sales", "upgrade"]),
    ("Password reset walked through; customer logged in fine.", ["account"]),
    ("Invoice shows double charge; refund of the duplicate approved.", ["billing", "refund"]),
    ("Delivery window changed to Thursday morning.", ["delivery"]),
    ("Wants a call back from a supervisor about the contract terms.", ["escalation"]),
    ("Reported the app crashing on login; ticket opened with engineering.", ["bug"]),
]


def _events(
    rng: random.Random, *, start: datetime, agent: User | None, outcome: str
) -> tuple[list[ReportedEvent], bool]:
    """The events of one call, and whether it was answered."""
    who = {"agentId": agent.id, "agentUsername": agent.username} if agent else {}
    events = [ReportedEvent("ringing", start, "demo:ringing", DEMO_PROVIDER)]
    if agent is not None:
        events.append(ReportedEvent("offered", start, "demo:offered", DEMO_PROVIDER, data=who))
    if outcome != "answered":
        ended = start + timedelta(seconds=rng.randint(15, 70))
        state = {"missed": "no-answer", "busy": "busy", "voicemail": "voicemail"}[outcome]
        data: dict[str, object] = {"state": state}
        if outcome == "voicemail":
            data |= {
                "recordingUrl": "https://recordings.demo.omnidesk.example/vm.mp3",
                "recordingDuration": 22,
            }
        events.append(ReportedEvent("ended", ended, "demo:ended", DEMO_PROVIDER, data=data))
        return events, False
    answered = start + timedelta(seconds=rng.randint(4, 90))
    events.append(ReportedEvent("answered", answered, "demo:answered", DEMO_PROVIDER, data=who))
    talk = rng.randint(60, 900)
    if rng.random() < 0.3:
        held = answered + timedelta(seconds=talk // 3)
        events += [
            ReportedEvent("held", held, "demo:held", DEMO_PROVIDER),
            ReportedEvent(
                "resumed", held + timedelta(seconds=rng.randint(20, 150)), "demo:resumed", DEMO_PROVIDER
            ),
        ]
        talk += 150
    ended = answered + timedelta(seconds=talk)
    events.append(ReportedEvent("ended", ended, "demo:ended", DEMO_PROVIDER, data={"duration": talk}))
    return events, True


def _demo_line(session: Session) -> VoiceLine:
    line = voice_line_by_number(session, DEMO_LINE)
    if line is None:
        line = VoiceLine(phone_number=DEMO_LINE, provider="twilio", queue="support")
        config = voice_twilio.TwilioVoiceConfig(
            account_sid="AC" + "0" * 32,
            auth_token=secrets.token_hex(16),  # nobody can sign for the demo line
        )
        store_line_config(line, voice_twilio.PROVIDER, config)
        session.add(line)
        session.flush()
    return line


def load_demo_calls(session: Session, *, agents: list[User], contacts_phones: list[tuple[str, str]]) -> int:
    """Log about forty calls with the demo agents and the demo contacts' phones (``(name, phone)``);
    returns how many were created (0 when the log is already there)."""
    rng = random.Random(2026)
    line = _demo_line(session)
    callers = [phone for _, phone in contacts_phones] + UNKNOWN_CALLERS
    now = utcnow().replace(second=0, microsecond=0)
    created = 0
    for index in range(40):
        external_id = f"demo-call-{index:03d}"
        if call_by_external_id(session, provider=DEMO_PROVIDER, external_id=external_id) is not None:
            continue
        start = now - timedelta(days=rng.uniform(0.05, 14), minutes=index)
        start = start.replace(second=rng.randint(0, 59), microsecond=0)
        outbound = rng.random() < 0.25
        outcome = rng.choices(["answered", "missed", "busy", "voicemail"], weights=[70, 18, 5, 7])[0]
        if outbound and outcome == "voicemail":
            outcome = "missed"  # we do not record the customers' voicemail
        agent = rng.choice(agents) if agents and (outcome == "answered" or rng.random() < 0.4) else None
        caller = callers[index % len(callers)]
        events, answered = _events(rng, start=start, agent=agent, outcome=outcome)
        identity = CallIdentity(
            provider=DEMO_PROVIDER,
            external_id=external_id,
            direction="outbound" if outbound else "inbound",
            from_number=DEMO_LINE if outbound else caller,
            to_number=caller if outbound else DEMO_LINE,
        )
        call = record_call_events(
            session, identity=identity, events=events, route=CallRoute(line=line), if_blocked="allow"
        )
        created += 1
        if call is not None and agent is not None and (answered or rng.random() < 0.5) and rng.random() < 0.8:
            notes, tags = (
                NOTES[index % len(NOTES)] if answered else ("Called back, left a message.", ["callback"])
            )
            wrap_up_call(session, call=call, by=agent, notes=notes, tags=tags)
    return created
