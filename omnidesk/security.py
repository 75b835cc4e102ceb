"""Password hashing and login tokens."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading

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
        # argon2 is meant to take a core for a quarter second: a few at once would take every core
        # from the requests that need none. Logins beyond these wait their turn.
        self._at_once = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) - 1))
        self._dummy_hash: str | None = None

    @staticmethod
    def digest(password: str) -> str:
        return hashlib.sha256(password.encode()).hexdigest()

    def hash(self, password: str) -> str:
        with self._at_once:
            return self._hasher.hash(self.digest(password))

    def verify_digest(self, password_hash: str | None, digest: str) -> bool:
        """Whether ``digest`` matches. Without a hash (no such user, or no password) it is checked
        against a throwaway one, so the answer takes as long and says nothing of who exists."""
        if not password_hash:
            self._verify(self._throwaway_hash(), digest)
            return False
        return self._verify(password_hash, digest)

    def _verify(self, password_hash: str, digest: str) -> bool:
        with self._at_once:
            try:
                return self._hasher.verify(password_hash, digest.lower())
            except (VerificationError, InvalidHashError):
                return False

    def _throwaway_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    def verify(self, password_hash: str | None, password: str) -> bool:
        return self.verify_digest(password_hash, self.digest(password))


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())
