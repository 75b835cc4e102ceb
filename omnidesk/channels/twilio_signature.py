"""Twilio's webhook signature (``X-Twilio-Signature``), shared by every Twilio channel (voice, SMS).

Twilio's documented scheme: take the full URL Twilio requested, append every POST parameter sorted by
name as name + value (a repeated name contributes each distinct value, sorted), HMAC-SHA1 it with the
account's auth token and compare the base64 digest with the header. Unknown parameters take part like
any other: Twilio adds parameters without notice. As Twilio's own libraries do, the URL is tried with and
without the scheme's default port.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from urllib.parse import parse_qsl, urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"


def compute_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    payload = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    without_port = urlunsplit(parts._replace(netloc=userinfo + host))
    if parts.port is not None:
        return [url, without_port] if parts.port == default_port else [url]
    if default_port is None:
        return [url]
    return [url, urlunsplit(parts._replace(netloc=f"{userinfo}{host}:{default_port}"))]


def is_valid_signature(auth_token: str, url: str, params: Sequence[tuple[str, str]], signature: str) -> bool:
    if not signature or not auth_token:
        return False
    return any(
        hmac.compare_digest(compute_signature(auth_token, candidate, params).encode(), signature.encode())
        for candidate in _url_variants(url)
    )


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """The form fields, in order, repeated names kept. Raises ValueError on a body that is not UTF-8."""
    return parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
