"""The email channel as an inbox keeps it: its config schema, the IMAP account its email is read from
and the SMTP account its replies leave through (``email_imap`` and ``email_smtp`` speak the protocols).

An inbox's provider settings are its ``email_inboxes`` row's ``config`` document, encrypted whole (it
holds both passwords, which the API never shows); the address stays a column of its own, unique, since
intake and the API look inboxes up by it. ``inbox_config_of`` and ``store_inbox_config`` are the only
readers and writers of the document.
"""

from __future__ import annotations

from pydantic import Field

from omnidesk.channels.config import ChannelConfig, dump_document, load_document
from omnidesk.channels.email_imap import ImapAccount
from omnidesk.channels.email_smtp import SmtpAccount
from omnidesk.models import EmailInbox


class InboxConfig(ChannelConfig):
    smtp: SmtpAccount = Field(default_factory=SmtpAccount)
    imap: ImapAccount = Field(default_factory=ImapAccount)


def inbox_config_of(inbox: EmailInbox) -> InboxConfig:
    return load_document(InboxConfig, inbox.config)


def store_inbox_config(inbox: EmailInbox, config: InboxConfig) -> None:
    """Write the inbox's settings: a new document, encrypted on flush."""
    inbox.config = dump_document(config)
