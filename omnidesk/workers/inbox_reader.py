"""Reading the email inboxes: every few seconds `omnidesk serve` fetches each active inbox's unseen
emails over IMAP and turns each into a chat message (``actions/email_inbox.py``), one transaction per
email. An email is marked seen only after its transaction committed; one that fails stays unseen and is
tried again at the next read. An inbox that cannot be read ``imap.max_retries`` times in a row turns
itself off (``active`` false, with ``last_error``), as Rocket.Chat's does; saving it turns it back on.
"""

from __future__ import annotations

import logging

from sqlalchemy import update

from omnidesk.actions.email_intake import receive_email
from omnidesk.channels.email_imap import ImapError, fetch_unseen, imap_session, mark_seen, parse_email
from omnidesk.channels.email_inbox import inbox_config_of
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.models import EmailInbox
from omnidesk.queries.email_inbox import active_inbox_ids
from omnidesk.services import Services
from omnidesk.workers.periodic import PeriodicWorker

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 1000


def read_all_inboxes(services: Services) -> int:
    """Read every active inbox once; return how many emails became chat messages."""
    with services.session(write=False) as session:
        inbox_ids = active_inbox_ids(session)
    return sum(read_inbox(services, inbox_id) for inbox_id in inbox_ids)


def read_inbox(services: Services, inbox_id: str) -> int:
    with services.session(write=False) as session:
        inbox = session.get(EmailInbox, inbox_id)
        if inbox is None or not inbox.active:
            return 0
        account = inbox_config_of(inbox).imap
    stored = 0
    try:
        with imap_session(account) as client:
            for fetched in fetch_unseen(client):
                try:
                    with services.transaction() as session:
                        current = session.get(EmailInbox, inbox_id)
                        if current is None:
                            return stored
                        if receive_email(session, inbox=current, email=parse_email(fetched.raw)) is not None:
                            stored += 1
                except ApiError as error:  # e.g. livechat turned off: keep it unseen for the next read
                    log.warning("Email %s of inbox %s was not taken: %s", fetched.uid, inbox_id, error)
                    continue
                mark_seen(client, fetched.uid)
    except ImapError as error:
        _note_failure(services, inbox_id, str(error))
    else:
        _note_success(services, inbox_id)
    return stored


def _note_success(services: Services, inbox_id: str) -> None:
    with services.transaction() as session:
        session.execute(
            update(EmailInbox)
            .where(EmailInbox.id == inbox_id)
            .values(failed_polls=0, last_error=None, last_polled_at=utcnow())
        )


def _note_failure(services: Services, inbox_id: str, reason: str) -> None:
    with services.transaction() as session:
        inbox = session.get(EmailInbox, inbox_id)
        if inbox is None:
            return
        inbox.failed_polls += 1
        inbox.last_error = reason[:MAX_ERROR_LENGTH]
        inbox.last_polled_at = utcnow()
        if inbox.failed_polls >= inbox_config_of(inbox).imap.max_retries:
            inbox.active = False
            log.error(
                "Email inbox %s turned off after %d failed reads: %s", inbox.email, inbox.failed_polls, reason
            )
        else:
            log.warning("Email inbox %s could not be read (%d): %s", inbox.email, inbox.failed_polls, reason)


def inbox_reader(services: Services, *, interval: float = 15.0) -> PeriodicWorker:
    """The thread that reads the inboxes every ``interval`` seconds until stopped."""
    return PeriodicWorker("inboxes", read_all_inboxes, services, interval=interval)
