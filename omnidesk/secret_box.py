"""Secrets at rest: provider credentials and mail passwords are stored encrypted.

``cryptography``'s Fernet (AES-128-CBC with HMAC-SHA256) under keys derived by HKDF-SHA256 from
``OMNIDESK_SECRET_KEY``, never the raw key; ``OMNIDESK_SECRET_KEY_FALLBACKS`` lists earlier keys, which
still decrypt (MultiFernet) until ``omnidesk rotate-secrets`` has re-encrypted everything under the
current one. A stored value is ``enc:v1:<fernet token>``; a value without the prefix is one written
before encryption (migration 0015 encrypts those), and is read as it is.

The column type ``EncryptedJSON`` holds a provider config document (a messaging channel's, a voice
line's, an email inbox's): serialised, encrypted on the way into the database as one ``enc:v1:``
value and decrypted on the way out, so no writer can store a secret in the clear. It needs the
process's keys, which ``Services.build`` sets once (``configure``), before any session opens.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from omnidesk.errors import ApiError

PREFIX = "enc:v1:"
_INFO = b"omnidesk secrets at rest v1"


class SecretUnreadable(ApiError):
    """A stored secret no configured key decrypts: the operator changed OMNIDESK_SECRET_KEY without
    listing the old one in OMNIDESK_SECRET_KEY_FALLBACKS."""

    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            "error-secret-unreadable",
            "A stored secret cannot be decrypted with the configured keys; "
            "add the previous OMNIDESK_SECRET_KEY to OMNIDESK_SECRET_KEY_FALLBACKS",
        )


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


class SecretBox:
    def __init__(self, secret_key: str, fallbacks: Sequence[str] = ()) -> None:
        self._keys = MultiFernet([_fernet(key) for key in (secret_key, *fallbacks) if key])

    def encrypt(self, plaintext: str) -> str:
        return PREFIX + self._keys.encrypt(plaintext.encode()).decode()

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before encryption
        try:
            return self._keys.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise SecretUnreadable() from None

    def rotate(self, stored: str) -> str:
        """``stored`` under the current key."""
        if not stored.startswith(PREFIX):
            return self.encrypt(stored)
        try:
            return PREFIX + self._keys.rotate(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise SecretUnreadable() from None


_box: SecretBox | None = None


def configure(secret_key: str, fallbacks: Sequence[str] = ()) -> SecretBox:
    global _box
    _box = SecretBox(secret_key, fallbacks)
    return _box


def box() -> SecretBox:
    if _box is None:
        raise RuntimeError("secret_box.configure() has not run: build Services first")
    return _box


class EncryptedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON object, encrypted whole. Assign a new dict to change it: changes made in place to the one
    loaded are not seen by the session."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> str | None:
        return None if value is None else encrypt_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        return None if value is None else decrypt_json(str(value))


def encrypt_json(document: dict[str, Any]) -> str:
    return box().encrypt(json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True))


def decrypt_json(stored: str) -> dict[str, Any]:
    document = json.loads(box().decrypt(stored))
    return document if isinstance(document, dict) else {}
