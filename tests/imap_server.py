"""A real IMAP server for the tests: a private Dovecot (Debian's ``dovecot-imapd``) on a free port of
127.0.0.1, with its own configuration, users and maildirs in a temporary folder.

Under CI (``OMNIDESK_CI`` set) a missing Dovecot fails the tests that need it; elsewhere they skip with
the reason (``apt-get install dovecot-imapd``).
"""

from __future__ import annotations

import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.smtp_server import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
# The mail user: Dovecot refuses to deliver as root, and every Debian has ``nobody``.
MAIL_USER, MAIL_GROUP = "nobody", "nogroup"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
  # No growing delay after failed logins: the tests fail logins on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


@dataclass
class ImapServer:
    host: str
    port: int
    root: Path

    @contextmanager
    def mailbox(self, username: str, password: str) -> Iterator[imaplib.IMAP4]:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            client.login(username, password)
            client.select("INBOX")
            yield client
        finally:
            client.logout()

    def deliver(self, username: str, password: str, raw: bytes) -> None:
        """Put an email in the user's INBOX, unseen, as a mail server would."""
        with self.mailbox(username, password) as client:
            status, data = client.append("INBOX", None, None, raw)
            assert status == "OK", data

    def unseen(self, username: str, password: str) -> int:
        with self.mailbox(username, password) as client:
            status, data = client.uid("SEARCH", "UNSEEN")
            assert status == "OK", data
            return len((data[0] or b"").split())


def dovecot_available() -> None:
    if os.path.exists(DOVECOT):
        return
    message = "Dovecot is not installed (apt-get install dovecot-imapd)"
    if os.environ.get("OMNIDESK_CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def running_imap_server(password: str) -> Iterator[ImapServer]:
    """Every user name logs in with ``password`` and gets a mailbox of its own on first use."""
    dovecot_available()
    # Not under pytest's tmp_path: its parents are private to root, and the mail user must reach home/.
    root = Path(tempfile.mkdtemp(prefix="omnidesk-imap-"))
    port = free_port()
    for folder in ("run", "state", "home"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    shutil.chown(root / "home", MAIL_USER, MAIL_GROUP)
    root.chmod(0o755)
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(root=root, port=port, user=MAIL_USER, group=MAIL_GROUP, password=password)
    )
    subprocess.run([DOVECOT, "-c", str(config)], check=True)
    try:
        _wait_for(port, root)
        yield ImapServer(host="127.0.0.1", port=port, root=root)
    finally:
        # SIGTERM to the master stops every Dovecot process; `dovecot stop` would wait seconds for it.
        pid_file = root / "run" / "master.pid"
        if pid_file.exists():
            with suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, root: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    log = root / "dovecot.log"
    raise RuntimeError(f"Dovecot did not start: {log.read_text() if log.exists() else 'no log'}")
