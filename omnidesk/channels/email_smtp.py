"""Sending one email over SMTP: the message as built from a queued row, and the one conversation with
the server. The only code that speaks SMTP; tests point it at a local server."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from omnidesk.channels.config import ChannelConfig

SMTP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str
    password: str
    security: str  # "none" | "starttls" | "ssl"
    sender: str

    @property
    def enabled(self) -> bool:
        return bool(self.host)


class SmtpAccount(ChannelConfig):
    """An email inbox's SMTP settings, the ``smtp`` block of its config document (``email_inbox``)."""

    server: str = ""
    port: int = 25
    username: str = ""
    password: str = ""  # a secret: the API never shows it
    secure: bool = False  # implicit TLS (RFC 8314); otherwise none

    def sending_as(self, sender: str) -> SmtpConfig:
        return SmtpConfig(
            host=self.server,
            port=self.port,
            username=self.username,
            password=self.password,
            security="ssl" if self.secure else "none",
            sender=sender,
        )


class DeliveryError(Exception):
    """Sending failed. ``permanent`` means trying again cannot help (the server said 5xx)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class QueuedEmail:
    """What a worker needs of a claimed row, read inside the claiming transaction."""

    id: str
    to_address: str
    subject: str
    body_text: str
    body_html: str | None
    reply_to: str | None
    attempts: int
    inbox_id: str | None = None
    message_id: str | None = None  # without angle brackets
    in_reply_to: str | None = None
    references: str | None = None


def build_message(email: QueuedEmail, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = f"<{email.message_id}>" if email.message_id else make_msgid(email.id, domain)
    if email.in_reply_to:
        message["In-Reply-To"] = email.in_reply_to
    if email.references:
        message["References"] = email.references
    if email.inbox_id:
        # RFC 3834: a person's answer, which auto-responders may answer.
        message["Auto-Submitted"] = "no"
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    return message


def send_message(config: SmtpConfig, message: EmailMessage) -> None:
    """One SMTP conversation: connect, secure, log in, send. Raises ``DeliveryError``."""
    try:
        smtp: smtplib.SMTP
        if config.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS)
        with smtp:
            if config.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        details = "; ".join(
            f"{address}: {code} {_text(reply)}" for address, (code, reply) in error.recipients.items()
        )
        raise DeliveryError(
            f"Recipient refused: {details}", permanent=all(500 <= c < 600 for c in codes)
        ) from None
    except smtplib.SMTPAuthenticationError as error:
        # A wrong password is the workspace's to fix; the email itself is fine, so it is tried again.
        raise DeliveryError(
            f"SMTP login failed: {error.smtp_code} {_text(error.smtp_error)}", permanent=False
        ) from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(
            f"SMTP error {error.smtp_code}: {_text(error.smtp_error)}", permanent=500 <= error.smtp_code < 600
        ) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}", permanent=False) from None


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
