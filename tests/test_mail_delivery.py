"""Delivering queued email to a real SMTP server: claims, retries with backoff, permanent failures,
two workers at once, delivery switched off, the background worker and ``omnidesk deliver-mail``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from omnidesk.actions.mail import queue_email
from omnidesk.cli import main
from omnidesk.db import Database, utcnow
from omnidesk.models import OutboundEmail, Setting
from omnidesk.services import Services
from omnidesk.workers import mail_delivery as mail
from omnidesk.workers.mail_delivery import MAX_ATTEMPTS, deliver_pending, mail_worker
from tests.livechat_helpers import set_setting
from tests.smtp_server import SmtpServer, free_port, running_smtp_server


@pytest.fixture
def smtp(services: Services) -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        set_setting(services, "SMTP_Host", server.host)
        set_setting(services, "SMTP_Port", server.port)
        yield server


def _queue(services: Services, *, to: str = "ada@example.com", subject: str = "Hello", **extra: str) -> str:
    with services.transaction() as session:
        return queue_email(session, to=to, subject=subject, body_text="Plain body\n", **extra).id


def _row(services: Services, email_id: str) -> OutboundEmail:
    with services.transaction() as session:
        row = session.get(OutboundEmail, email_id)
        assert row is not None
        session.expunge(row)
        return row


def test_a_due_email_is_sent_over_smtp_as_text_and_html_with_reply_to(
    services: Services, smtp: SmtpServer
) -> None:
    set_setting(services, "From_Email", "Acme Support <support@acme.test>")
    email_id = _queue(services, subject="Your chat", body_html="<p>HTML body</p>", reply_to="agent@acme.test")

    assert deliver_pending(services) == 1

    [received] = smtp.messages
    assert received.recipients == ["ada@example.com"]
    assert received.mail_from == "support@acme.test"
    message = received.message
    assert (message["To"], message["Subject"]) == ("ada@example.com", "Your chat")
    assert message["From"] == "Acme Support <support@acme.test>"
    assert message["Reply-To"] == "agent@acme.test"
    assert message.get_content_type() == "multipart/alternative"
    assert received.part("text/plain") == "Plain body\n"
    assert "<p>HTML body</p>" in received.part("text/html")
    row = _row(services, email_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None
    assert deliver_pending(services) == 0  # nothing is sent twice
    assert len(smtp.messages) == 1


def test_a_text_only_email_is_a_single_part_message(services: Services, smtp: SmtpServer) -> None:
    _queue(services)
    assert deliver_pending(services) == 1
    message = smtp.messages[0].message
    assert message.get_content_type() == "text/plain"
    assert message["Reply-To"] is None


def test_a_temporary_failure_is_retried_after_a_growing_delay(services: Services, smtp: SmtpServer) -> None:
    smtp.handler.reply = "451 4.3.0 Mailbox busy, try later"
    email_id = _queue(services)
    before = utcnow()

    assert deliver_pending(services) == 0
    row = _row(services, email_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in (row.last_error or "")
    first_delay = row.next_attempt_at - before
    assert timedelta(seconds=55) < first_delay < timedelta(seconds=70)

    assert deliver_pending(services) == 0  # not due yet: the server is not asked again
    assert smtp.handler.data_commands == 1

    assert deliver_pending(services, now=row.next_attempt_at) == 0
    second = _row(services, email_id)
    assert second.attempts == 2
    assert second.next_attempt_at - row.next_attempt_at > first_delay  # backoff grows

    smtp.handler.reply = "250 OK"
    assert deliver_pending(services, now=second.next_attempt_at) == 1
    final = _row(services, email_id)
    assert (final.status, final.attempts, final.last_error) == ("sent", 3, None)
    assert len(smtp.messages) == 1


def test_a_permanent_refusal_fails_the_email_at_once(services: Services, smtp: SmtpServer) -> None:
    smtp.handler.reply = "550 5.1.1 No such mailbox"
    email_id = _queue(services)

    assert deliver_pending(services) == 0

    row = _row(services, email_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in (row.last_error or "") and "No such mailbox" in (row.last_error or "")
    assert deliver_pending(services, now=utcnow() + timedelta(days=1)) == 0
    assert smtp.handler.data_commands == 1


def test_an_email_fails_for_good_after_the_last_attempt(services: Services, smtp: SmtpServer) -> None:
    smtp.handler.reply = "421 4.7.0 Too many connections"
    email_id = _queue(services)
    moment = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        deliver_pending(services, now=moment)
        row = _row(services, email_id)
        assert row.attempts == attempt
        assert row.status == ("failed" if attempt == MAX_ATTEMPTS else "pending")
        moment = row.next_attempt_at
    assert smtp.handler.data_commands == MAX_ATTEMPTS


def test_an_unreachable_server_is_a_temporary_failure(services: Services) -> None:
    set_setting(services, "SMTP_Host", "127.0.0.1")
    set_setting(services, "SMTP_Port", free_port())  # nobody listens there
    email_id = _queue(services)

    assert deliver_pending(services) == 0

    row = _row(services, email_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "Connection" in (row.last_error or "")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a local test server
def test_the_server_login_is_used_and_a_wrong_password_is_retried(services: Services) -> None:
    with running_smtp_server(username="mailer", password="s3cret") as server:
        set_setting(services, "SMTP_Host", server.host)
        set_setting(services, "SMTP_Port", server.port)
        set_setting(services, "SMTP_Username", "mailer")
        set_setting(services, "SMTP_Password", "wrong")
        email_id = _queue(services)
        assert deliver_pending(services) == 0
        row = _row(services, email_id)
        assert (row.status, row.attempts) == ("pending", 1)  # a configuration error, not the email's
        assert "login failed" in (row.last_error or "")

        set_setting(services, "SMTP_Password", "s3cret")
        assert deliver_pending(services, now=row.next_attempt_at) == 1
        assert len(server.messages) == 1


def test_two_workers_at_once_never_send_the_same_email(services: Services, smtp: SmtpServer) -> None:
    ids = {_queue(services, subject=f"Email {number}") for number in range(12)}
    results: list[int] = []
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        results.append(deliver_pending(services))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sum(results) == 12, results
    subjects = [received.message["Subject"] for received in smtp.messages]
    assert sorted(subjects) == sorted(f"Email {number}" for number in range(12))
    assert {_row(services, email_id).status for email_id in ids} == {"sent"}


def test_an_email_claimed_by_another_worker_is_left_alone(services: Services, smtp: SmtpServer) -> None:
    email_id = _queue(services)
    with services.transaction() as session:
        session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id == email_id)
            .values(status="sending", next_attempt_at=utcnow() + timedelta(minutes=10))
        )
    assert deliver_pending(services) == 0
    assert smtp.messages == []
    # A worker that died mid-send leaves the row in "sending"; once its lease ran out it is sent again.
    assert deliver_pending(services, now=utcnow() + timedelta(minutes=11)) == 1
    assert _row(services, email_id).status == "sent"


def test_an_empty_host_keeps_email_waiting_and_says_so_once(
    services: Services, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mail, "_disabled_logged", False)
    email_id = _queue(services)
    with caplog.at_level(logging.WARNING, logger="omnidesk.workers.mail_delivery"):
        assert deliver_pending(services) == 0
        assert deliver_pending(services) == 0
    notes = [record.getMessage() for record in caplog.records if "SMTP_Host" in record.getMessage()]
    assert notes == [
        "Email delivery is off: the SMTP_Host setting is empty. 1 queued email(s) wait until it is set."
    ]
    row = _row(services, email_id)
    assert (row.status, row.attempts) == ("pending", 0)


def test_the_mail_worker_delivers_in_the_background_until_stopped(
    services: Services, smtp: SmtpServer
) -> None:
    worker = mail_worker(services, interval=0.05)
    worker.start()
    try:
        _queue(services, subject="From the worker")
        worker.wake()
        assert smtp.handler.arrived.wait(10)
    finally:
        worker.stop()
    assert [received.message["Subject"] for received in smtp.messages] == ["From the worker"]


def test_the_email_settings_are_admin_only(services: Services) -> None:
    with services.transaction() as session:
        settings = {
            setting.id: setting
            for setting in session.scalars(select(Setting).where(Setting.group == "Email"))
        }
    assert set(settings) == {
        "SMTP_Host",
        "SMTP_Port",
        "SMTP_Username",
        "SMTP_Password",
        "SMTP_Security",
        "From_Email",
    }
    assert not any(setting.public for setting in settings.values())
    assert [choice["key"] for choice in settings["SMTP_Security"].values] == ["none", "starttls", "ssl"]
    assert (settings["SMTP_Host"].value, settings["SMTP_Port"].value) == ("", 25)


def test_deliver_mail_command_sends_what_is_due_and_prints_the_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cli-mail.sqlite3"
    monkeypatch.setenv("OMNIDESK_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.delenv("OMNIDESK_ENV", raising=False)
    assert main(["migrate"]) == 0
    database = Database(f"sqlite:///{path}")
    try:
        with database.session(write=True) as session:
            queue_email(session, to="ada@example.com", subject="From the command", body_text="Hi\n")
            session.commit()
        assert main(["deliver-mail"]) == 1
        assert "SMTP_Host setting is empty. 1 email(s) wait" in capsys.readouterr().err

        with running_smtp_server() as server:
            with database.session(write=True) as session:
                session.get_one(Setting, "SMTP_Host").value = server.host
                session.get_one(Setting, "SMTP_Port").value = server.port
                session.commit()
            assert main(["deliver-mail"]) == 0
            assert "Sent 1 email(s)." in capsys.readouterr().out
            assert [received.message["Subject"] for received in server.messages] == ["From the command"]
    finally:
        database.dispose()
