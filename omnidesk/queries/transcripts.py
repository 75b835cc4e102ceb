"""A chat's transcript: the conversation of one room as plain text and HTML (for email) and as a PDF.

``load_transcript`` reads what a transcript shows; the ``render_*`` functions only format it, so they
need no database. Times are printed in UTC and say so.

The PDF uses DejaVu Sans from the system's fonts when it is installed (Debian's ``fonts-dejavu-core``),
which covers Latin, Greek and Cyrillic scripts; without it the PDF falls back to a built-in font and
prints characters outside Latin-1 as ``?`` rather than failing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.errors import ApiError
from omnidesk.models import Message, Room, User
from omnidesk.queries.rooms import room_messages
from omnidesk.queries.settings import setting_value

DEFAULT_SUBJECT = "Transcript of your chat"
# A transcript is a record of one conversation, not an export: past this many messages it is cut.
MAX_TRANSCRIPT_MESSAGES = 5000

SOURCE_NAMES = {
    "widget": "Web widget",
    "api": "API",
    "email": "Email",
    "sms": "SMS",
    "app": "App",
    "other": "Other",
}

FONT_DIRECTORIES = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
)

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class TranscriptLine:
    at: datetime
    author: str
    text: str
    note: bool  # a system message (closed, transferred, on hold...) rather than something said


@dataclass(frozen=True)
class Transcript:
    site_name: str
    room_id: str
    contact_name: str
    agent_name: str | None
    started_at: datetime
    closed_at: datetime | None
    source: str
    lines: list[TranscriptLine]
    truncated: bool = False


def load_transcript(session: Session, room: Room) -> Transcript:
    messages, total = room_messages(
        session, room_id=room.id, search=None, offset=0, count=MAX_TRANSCRIPT_MESSAGES
    )
    staff_ids = {m.author_id for m in messages if m.author_id != room.visitor_id} | {room.served_by_id}
    staff = {
        user.id: user.name or user.username
        for user in session.scalars(select(User).where(User.id.in_(staff_ids - {None})))
    }
    return Transcript(
        site_name=str(setting_value(session, "Site_Name") or "Omnidesk"),
        room_id=room.id,
        contact_name=_contact_name(room),
        agent_name=staff.get(room.served_by_id or "") or room.served_by_username,
        started_at=room.created_at,
        closed_at=room.closed_at,
        source=_source_name(room.source or {"type": room.source_type}),
        lines=[_line(message, room, staff) for message in messages],
        truncated=total > len(messages),
    )


def _contact_name(room: Room) -> str:
    return room.visitor.name or room.fname or room.visitor.username


def _source_name(source: dict[str, Any]) -> str:
    kind = str(source.get("type") or "other")
    name = str(source.get("label") or source.get("alias") or SOURCE_NAMES.get(kind, kind))
    destination = source.get("destination")
    return f"{name} ({destination})" if destination else name


def _author(message: Message, room: Room, staff: dict[str, str]) -> str:
    if message.author_id == room.visitor_id:
        return _contact_name(room)
    return message.alias or staff.get(message.author_id) or message.author_name or message.author_username


def _line(message: Message, room: Room, staff: dict[str, str]) -> TranscriptLine:
    author = _author(message, room, staff)
    if not message.type:
        return TranscriptLine(at=message.created_at, author=author, text=_with_files(message), note=False)
    return TranscriptLine(at=message.created_at, author=author, text=_note(message, author), note=True)


def _with_files(message: Message) -> str:
    """A file message's text, then each file by name (the transcript carries no file itself)."""
    files = [
        a for a in (message.extra or {}).get("attachments") or [] if isinstance(a, dict) and a.get("fileId")
    ]
    names = [f"[File: {attachment.get('title') or 'file'}]" for attachment in files]
    return "\n".join(part for part in (message.msg, *names) if part)


def _note(message: Message, author: str) -> str:
    extra = message.extra or {}
    comment = f": {message.msg}" if message.msg else ""
    if message.type == "livechat-close":
        return f"Chat closed by {author}{comment}"
    if message.type == "livechat-started":
        return "Chat started"
    if message.type == "omnichannel_placed_chat_on_hold":
        return f"Chat placed on hold by {author}"
    if message.type == "omnichannel_on_hold_chat_resumed":
        return "Chat resumed" if author == "system" else f"Chat resumed by {author}"
    if message.type == "livechat_transfer_history":
        return _transfer_note(extra.get("transferData") or {}, author)
    if message.type == "livechat_navigation_history":
        page = (extra.get("navigation") or {}).get("page") or {}
        return f"Visited {page.get('title') or (page.get('location') or {}).get('href') or 'a page'}"
    readable = str(message.type).replace("_", " ").replace("-", " ")
    return f"{readable}{comment}"


def _transfer_note(transfer: dict[str, Any], author: str) -> str:
    to_agent = transfer.get("transferredTo") or {}
    to_department = transfer.get("nextDepartment") or {}
    if to_agent:
        target = to_agent.get("name") or to_agent.get("username") or "another agent"
    elif to_department:
        target = f"department {to_department.get('name') or to_department.get('_id')}"
    else:
        target = "the queue"
    comment = f": {transfer['comment']}" if transfer.get("comment") else ""
    return f"Chat transferred by {author} to {target}{comment}"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _details(transcript: Transcript) -> list[tuple[str, str]]:
    return [
        ("Contact", transcript.contact_name),
        ("Agent", transcript.agent_name or "-"),
        ("Started", _when(transcript.started_at)),
        ("Closed", _when(transcript.closed_at) if transcript.closed_at else "still open"),
        ("Channel", transcript.source),
    ]


def _title(transcript: Transcript) -> str:
    return f"Chat transcript - {transcript.site_name}"


# --- email ------------------------------------------------------------------------------------------


def render_text(transcript: Transcript) -> str:
    out = [_title(transcript), ""]
    out += [f"{label}: {value}" for label, value in _details(transcript)]
    out.append("")
    for line in transcript.lines:
        if line.note:
            out.append(f"[{_time(line.at)}] -- {line.text} --")
            continue
        first, *rest = line.text.splitlines() or [""]
        out.append(f"[{_time(line.at)}] {line.author}: {first}")
        out += [f"    {more}" for more in rest]
    if transcript.truncated:
        out.append(f"(Only the first {len(transcript.lines)} messages are included.)")
    return "\n".join(out) + "\n"


def render_html(transcript: Transcript) -> str:
    esc = html.escape
    details = "".join(
        f'<tr><td style="color:#6c727a;padding-right:12px">{esc(label)}</td><td>{esc(value)}</td></tr>'
        for label, value in _details(transcript)
    )
    rows = []
    for line in transcript.lines:
        when = f'<span style="color:#9ea2a8;font-size:12px">{esc(_time(line.at))}</span>'
        if line.note:
            rows.append(
                f'<p style="color:#6c727a;font-style:italic;margin:8px 0">{esc(line.text)} {when}</p>'
            )
            continue
        text = esc(line.text).replace("\n", "<br>")
        rows.append(f'<p style="margin:8px 0"><strong>{esc(line.author)}</strong> {when}<br>{text}</p>')
    if transcript.truncated:
        rows.append(f"<p><em>Only the first {len(transcript.lines)} messages are included.</em></p>")
    return (
        "<!DOCTYPE html><html>"
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#2f343d">'
        f"<h2>{esc(_title(transcript))}</h2>"
        f'<table style="font-size:13px;margin-bottom:16px">{details}</table>'
        f"{''.join(rows)}</body></html>"
    )


# --- PDF --------------------------------------------------------------------------------------------


def _font_files() -> tuple[Path, Path] | None:
    for directory in FONT_DIRECTORIES:
        regular = directory / "DejaVuSans.ttf"
        if regular.is_file():
            bold = directory / "DejaVuSans-Bold.ttf"
            return regular, bold if bold.is_file() else regular
    return None


class _TranscriptPdf(FPDF):
    def __init__(self, fonts: tuple[Path, Path] | None) -> None:
        super().__init__(format="A4")
        self.unicode_font = fonts is not None
        if fonts is not None:
            self.add_font("DejaVu", "", str(fonts[0]))
            self.add_font("DejaVu", "B", str(fonts[1]))
            self.family_name = "DejaVu"
        else:
            self.family_name = "helvetica"

    def clean(self, text: str) -> str:
        text = _CONTROL_CHARACTERS.sub(
            "", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
        )
        return text if self.unicode_font else text.encode("latin-1", "replace").decode("latin-1")

    def write_block(self, text: str, *, size: float, bold: bool = False, gray: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)
        if gray:
            self.set_text_color(108, 114, 122)
        else:
            self.set_text_color(47, 52, 61)
        self.multi_cell(
            0,
            size * 0.5,
            self.clean(text),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 8)
        self.set_text_color(158, 162, 168)
        self.cell(0, 5, f"{self.page_no()}/{{nb}}", align="C")


def render_pdf(transcript: Transcript) -> bytes:
    pdf = _TranscriptPdf(_font_files())
    pdf.set_title(pdf.clean(_title(transcript)))
    pdf.set_creator("Omnidesk")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.write_block(_title(transcript), size=16, bold=True)
    pdf.ln(2)
    for label, value in _details(transcript):
        pdf.write_block(f"{label}: {value}", size=10)
    pdf.ln(3)
    pdf.set_draw_color(203, 206, 209)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(3)
    for line in transcript.lines:
        if line.note:
            pdf.write_block(f"{_time(line.at)}  {line.text}", size=9, gray=True)
        else:
            pdf.write_block(f"{line.author}  ·  {_time(line.at)}", size=10, bold=True)
            pdf.write_block(line.text or " ", size=10)
        pdf.ln(2)
    if transcript.truncated:
        pdf.write_block(f"Only the first {len(transcript.lines)} messages are included.", size=9, gray=True)
    return bytes(pdf.output())


def check_pdf_transcript_allowed(room: Room) -> None:
    """A PDF transcript is a record of a finished conversation: closed chats only, as Rocket.Chat."""
    if room.open:
        raise ApiError("room-still-open", "The chat is still open; close it to get its transcript")


def pdf_transcript(session: Session, room: Room) -> bytes:
    check_pdf_transcript_allowed(room)
    return render_pdf(load_transcript(session, room))
