"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, in this process, recording what it gets.

``reply`` decides how the server answers DATA ("250 ..." accepts; "451 ..." or "550 ..." refuse), so
tests can play a server that is briefly unavailable or one that refuses a message for good.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    message: EmailMessage

    def part(self, content_type: str) -> str:
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        assert body is not None, f"no {content_type} part"
        content: str = body.get_content().replace("\r\n", "\n")
        return content


@dataclass
class RecordingHandler:
    reply: str = "250 Message accepted for delivery"
    messages: list[Received] = field(default_factory=list)
    data_commands: int = 0  # every DATA the server answered, accepted or not
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.data_commands += 1
            if not self.reply.startswith("250"):
                return self.reply
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        self.arrived.set()
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Authenticator:
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username.encode(), password.encode()

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (self.username, self.password)
        return AuthResult(success=ok, handled=False)


@contextmanager
def running_smtp_server(*, username: str | None = None, password: str = "") -> Iterator[SmtpServer]:
    """Serve SMTP on a free local port; with ``username``, require that login (over plain text)."""
    handler = RecordingHandler()
    port = free_port()
    options: dict[str, Any] = {}
    if username is not None:
        options = {
            "authenticator": _Authenticator(username, password),
            "auth_required": True,
            "auth_require_tls": False,
        }
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=port, handler=handler)
    finally:
        controller.stop()
