"""Chat transcripts: emailed at a visitor's request or when a chat closes, and downloaded as a PDF."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from omnidesk.access import require, room_for_staff, room_for_visitor_transcript
from omnidesk.actions import transcripts as transcript_actions
from omnidesk.api.shapes import ok
from omnidesk.api.validation import Body
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.queries.settings import email_delivery_on
from omnidesk.queries.transcripts import check_pdf_transcript_allowed, pdf_transcript

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["livechat: transcripts"])


def _emailed(session: Session) -> dict[str, Any]:
    """Rocket.Chat's answer, and what became of the email (an extension): ``sending`` when email
    delivery is on, ``queued`` while it is off (it waits until ``SMTP_Host`` is set)."""
    if email_delivery_on(session):
        return ok(message="Livechat transcript sent", delivery="sending")
    return ok(message="Livechat transcript queued: email delivery is off", delivery="queued")


class VisitorTranscriptBody(Body):
    token: str
    rid: str
    email: str
    subject: str | None = None


@router.post("/livechat/transcript")
def send_visitor_transcript(body: VisitorTranscriptBody, session: SessionDep) -> dict[str, Any]:
    room = room_for_visitor_transcript(session, body.token, body.rid)
    transcript_actions.send_visitor_transcript(session, room=room, email=body.email, subject=body.subject)
    return _emailed(session)


class TranscriptRequestBody(Body):
    email: str
    subject: str


@router.post("/livechat/transcript/{rid}")
def request_transcript(
    rid: str, body: TranscriptRequestBody, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "send-omnichannel-chat-transcript")
    room = room_for_staff(session, actor, rid)
    # The subject is accepted for Rocket.Chat's clients; the email goes out with the default subject.
    transcript_actions.request_transcript(session, room=room, email=body.email)
    return ok()


@router.delete("/livechat/transcript/{rid}")
def cancel_transcript_request(rid: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "send-omnichannel-chat-transcript")
    room = room_for_staff(session, actor, rid)
    transcript_actions.cancel_transcript_request(session, room=room)
    return ok()


class StaffTranscriptEmailBody(Body):
    email: str
    subject: str | None = None


@router.post("/omnichannel/{rid}/transcript.email")
def email_transcript(
    rid: str, body: StaffTranscriptEmailBody, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    """Extension: staff email the transcript of a chat as it is now, closed chats included (Rocket.Chat's
    ``livechat/transcript/:rid`` only asks for it to be sent when an open chat closes)."""
    require(session, actor, "send-omnichannel-chat-transcript")
    room = room_for_staff(session, actor, rid)
    transcript_actions.send_transcript(session, room=room, to=body.email, subject=body.subject)
    return _emailed(session)


@router.get("/omnichannel/{rid}/transcript.pdf")
def download_pdf_transcript(rid: str, actor: CurrentActor, session: SessionDep) -> Response:
    require(session, actor, "request-pdf-transcript")
    room = room_for_staff(session, actor, rid)
    content = pdf_transcript(session, room)
    disposition = f'attachment; filename="transcript-{room.id}.pdf"'
    return Response(content, media_type="application/pdf", headers={"Content-Disposition": disposition})


class NoParams(Body):
    """Rocket.Chat's endpoint takes no parameters; an empty object (or no body) is accepted."""


@router.post("/omnichannel/{rid}/request-transcript")
def request_pdf_transcript(
    rid: str, actor: CurrentActor, session: SessionDep, _body: NoParams | None = None
) -> dict[str, Any]:
    """Rocket.Chat renders the PDF in the background and stores it as a file; Omnidesk renders it on
    demand at ``GET omnichannel/{rid}/transcript.pdf``, so this only checks that it can be had."""
    require(session, actor, "request-pdf-transcript")
    check_pdf_transcript_allowed(room_for_staff(session, actor, rid))
    return ok()
