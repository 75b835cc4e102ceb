"""Signed links to uploaded files, for whoever has no login: a visitor in the widget, a customer who
got a file's link by SMS or email. ``/file-upload/<id>/<name>?token=<expiry>.<signature>``: the
signature is an HMAC of the file id and the expiry under a key derived from ``OMNIDESK_SECRET_KEY``,
so nothing public (the ids, the names, the times) lets anyone make one, a link opens that one file
only, and never after its expiry.

Links are made as messages are shaped, so every shape carries one that is valid for a day at least;
the expiry is rounded up to the hour, so that a message shaped again within the hour has the same link
(browsers keep the image they fetched).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote

LINK_SECONDS = 24 * 3600
SENT_LINK_SECONDS = 7 * 24 * 3600  # a link that leaves by SMS or email, read later
_ROUND = 3600
_key: bytes | None = None


def configure(secret_key: str) -> None:
    """Called once by ``Services.build``: the key every link of this process is signed with."""
    global _key
    _key = hmac.new(secret_key.encode(), b"omnidesk file links v1", hashlib.sha256).digest()


def _signature(file_id: str, expires: int) -> str:
    if _key is None:
        raise RuntimeError("file links are not configured (Services.build configures them)")
    digest = hmac.new(_key, f"{file_id}.{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def link_token(file_id: str, *, seconds: int = LINK_SECONDS, now: float | None = None) -> str:
    moment = time.time() if now is None else now
    expires = (int(moment + seconds) // _ROUND + 1) * _ROUND
    return f"{expires}.{_signature(file_id, expires)}"


def token_is_valid(file_id: str, token: str, *, now: float | None = None) -> bool:
    expiry, _, signature = token.partition(".")
    if not expiry.isdigit() or len(expiry) > 12 or not signature:
        return False
    if int(expiry) < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(signature.encode(), _signature(file_id, int(expiry)).encode())


def file_path(file_id: str, name: str) -> str:
    """Rocket.Chat's path of a file: ``/file-upload/<id>/<name>``."""
    return f"/file-upload/{file_id}/{quote(name, safe='')}"


def signed_path(file_id: str, name: str, *, seconds: int = LINK_SECONDS) -> str:
    return f"{file_path(file_id, name)}?token={link_token(file_id, seconds=seconds)}"
