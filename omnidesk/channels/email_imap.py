"""Email on the wire: reading an inbox over IMAP and turning an RFC 5322 message into what a chat needs.

``fetch_unseen`` is the only function that speaks IMAP (tests point it at a real Dovecot). Messages are
fetched with ``BODY.PEEK[]`` so reading does not mark them seen; the caller marks each one ``\\Seen``
with ``mark_seen`` only after its chat message has been committed, so a crash in between fetches it
again and the Message-ID deduplication stores it once.

Parsing uses the standard library's ``email`` package with the modern policy, which decodes MIME
parts, transfer encodings, RFC 2047 encoded words and RFC 2231 parameters.
"""

from __future__ import annotations

import email
import hashlib
import imaplib
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from omnidesk.channels.config import ChannelConfig

IMAP_TIMEOUT_SECONDS = 30.0
MAX_TEXT_LENGTH = 20_000
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# Where a reply's quotation of the earlier email starts: "On <date>, <someone> wrote:" (as mail clients
# write it in English, French, German and Spanish), Outlook's separator, or a run of "> " lines.
QUOTE_HEADER = re.compile(
    r"^(On .{4,200} wrote:|Le .{4,200} a écrit ?:|Am .{4,200} schrieb .{1,200}:|El .{4,200} escribió:"
    r"|-{2,} ?Original Message ?-{2,}|_{10,})\s*$",
    re.IGNORECASE,
)


class ImapAccount(ChannelConfig):
    """An inbox's IMAP settings, the ``imap`` block of its config document (``email_inbox``)."""

    server: str = ""
    port: int = 143
    username: str = ""
    password: str = ""  # a secret: the API never shows it
    secure: bool = False  # implicit TLS (RFC 8314); otherwise STARTTLS when the server offers it
    max_retries: int = 10  # failed reads in a row before the inbox turns itself off


class ImapError(Exception):
    """Reading the inbox failed (connection, login, protocol)."""


@dataclass(frozen=True)
class FetchedEmail:
    uid: str
    raw: bytes


@dataclass(frozen=True)
class InboundEmail:
    """What a chat needs of a received email."""

    message_id: str
    from_address: str
    from_name: str
    reply_to: str
    subject: str
    text: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)  # file names
    automatic: bool = False  # an auto-reply, bounce or list mail: never answered, never a chat

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this email answers, most direct first."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


@contextmanager
def imap_session(account: ImapAccount) -> Iterator[imaplib.IMAP4]:
    try:
        client: imaplib.IMAP4
        if account.secure:
            client = imaplib.IMAP4_SSL(
                account.server,
                account.port,
                ssl_context=ssl.create_default_context(),
                timeout=IMAP_TIMEOUT_SECONDS,
            )
        else:
            client = imaplib.IMAP4(account.server, account.port, timeout=IMAP_TIMEOUT_SECONDS)
            if "STARTTLS" in client.capabilities:
                client.starttls(ssl_context=ssl.create_default_context())
        client.login(account.username, account.password)
        client.select("INBOX")
    except (imaplib.IMAP4.error, OSError) as error:
        raise ImapError(f"{type(error).__name__}: {error}") from None
    try:
        yield client
    except (imaplib.IMAP4.error, OSError) as error:
        raise ImapError(f"{type(error).__name__}: {error}") from None
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def fetch_unseen(client: imaplib.IMAP4, *, limit: int = 50) -> list[FetchedEmail]:
    """The oldest ``limit`` unseen messages, without marking them seen."""
    status, data = client.uid("SEARCH", "UNSEEN")
    if status != "OK":
        raise ImapError(f"SEARCH UNSEEN failed: {data!r}")
    uids = [uid.decode() for uid in (data[0] or b"").split()[:limit]]
    fetched = []
    for uid in uids:
        status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
        if status != "OK":
            raise ImapError(f"FETCH {uid} failed: {parts!r}")
        raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
        if raw is not None:
            fetched.append(FetchedEmail(uid=uid, raw=raw))
    return fetched


def mark_seen(client: imaplib.IMAP4, uid: str) -> None:
    status, data = client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    if status != "OK":
        raise ImapError(f"STORE {uid} failed: {data!r}")


def parse_email(raw: bytes) -> InboundEmail:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    from_name, from_address = parseaddr(str(message.get("From", "")))
    reply_to = getaddresses([str(message.get("Reply-To", ""))])
    message_id = _ids(message.get("Message-ID"))
    return InboundEmail(
        message_id=message_id[0] if message_id else _synthetic_id(raw),
        from_address=from_address.strip().lower(),
        from_name=from_name.strip(),
        reply_to=(reply_to[0][1] if reply_to and reply_to[0][1] else from_address).strip().lower(),
        subject=" ".join(str(message.get("Subject", "")).split()),
        text=_body_text(message)[:MAX_TEXT_LENGTH],
        in_reply_to=_ids(message.get("In-Reply-To")),
        references=_ids(message.get("References")),
        attachments=[
            part.get_filename() or "attachment" for part in message.iter_attachments() if part.get_filename()
        ],
        automatic=_is_automatic(message),
    )


def _ids(header: object) -> list[str]:
    return MESSAGE_ID.findall(str(header)) if header else []


def _synthetic_id(raw: bytes) -> str:
    """A stable id for the rare email without a Message-ID, so fetching it twice still stores it once."""
    return f"no-id-{hashlib.sha256(raw).hexdigest()[:32]}@omnidesk"


def _is_automatic(message: EmailMessage) -> bool:
    """RFC 3834: ``Auto-Submitted`` other than ``no`` is a machine's mail; bounces and list traffic too.
    Answering them would start mail loops."""
    auto_submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if str(message.get("Precedence", "")).strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    return sender.startswith(("mailer-daemon@", "postmaster@")) or not sender


def _body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # an unknown charset: decode what we can
        payload = body.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if body.get_content_type() == "text/html":
        content = html_to_text(content)
    return strip_quoted_reply(_strip_trailing_blank_lines(str(content).replace("\r\n", "\n")))


def strip_quoted_reply(text: str) -> str:
    """The new part of a reply: the quotation of earlier emails, which the chat already shows, is cut.
    Only a quotation at the end is cut, and never everything."""
    lines = text.split("\n")
    for index in range(1, len(lines)):
        rest = lines[index:]
        if QUOTE_HEADER.match(lines[index].strip()) or all(not r.strip() or r.startswith(">") for r in rest):
            kept = lines[:index]
            while kept and (not kept[-1].strip() or QUOTE_HEADER.match(kept[-1].strip())):
                kept.pop()
            return "\n".join(kept).rstrip() if kept else text
    return text


def _strip_trailing_blank_lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable text of an HTML email: blocks become lines, scripts and styles vanish."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
