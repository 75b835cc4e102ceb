"""Password hashing and login tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from omnidesk.settings import Settings


class Passwords:
    """argon2 over the SHA-256 hex digest of the password.

    Meteor-based Rocket.Chat clients log in with ``{"digest": sha256hex, "algorithm": "sha-256"}``
    instead of the plain password; hashing the digest lets both forms verify against one hash.
    """

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
        )

    @staticmethod
    def digest(password: str) -> str:
        return hashlib.sha256(password.encode()).hexdigest()

    def hash(self, password: str) -> str:
        return self._hasher.hash(self.digest(password))

    def verify_digest(self, password_hash: str | None, digest: str) -> bool:
        if not password_hash:
            return False
        try:
            return self._hasher.verify(password_hash, digest.lower())
        except (VerificationError, InvalidHashError):
            return False

    def verify(self, password_hash: str | None, password: str) -> bool:
        return self.verify_digest(password_hash, self.digest(password))


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())
