"""What a file is, read from its first bytes rather than from what the client says (a renamed
``.exe`` is no ``image/png``). No sniffing library ships with Omnidesk, so this is a small table of
the signatures of the common types; anything else binary is ``application/octet-stream``.

Two kinds of file keep a more precise type the client gave: the formats that are ZIP archives inside
(Office documents, EPUB, OpenDocument), and text the client names (``text/csv``). Text that looks like
HTML or SVG is called that, whatever the client said, so the lists of types refused (SVG by default,
as in Rocket.Chat) see it.
"""

from __future__ import annotations

import re

SNIFF_BYTES = 4096

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"fLaC", "audio/flac"),
    (b"\x1aE\xdf\xa3", "video/webm"),
)
_ZIP_BASED = re.compile(
    r"application/(vnd\.openxmlformats-officedocument\.[\w.+-]+|vnd\.oasis\.opendocument\.[\w.+-]+"
    r"|epub\+zip|java-archive|vnd\.android\.package-archive)"
)
_CLIENT_TEXT = re.compile(r"text/(csv|markdown|x-markdown|tab-separated-values|calendar|vcard|x-log)")
_MARKUP = re.compile(rb"<(!doctype\s+html|html|head|body|script|iframe|svg)[\s>/]", re.IGNORECASE)
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def sniff_type(head: bytes, claimed: str | None = None) -> str:
    """The media type of a file that starts with ``head`` (its first ``SNIFF_BYTES``)."""
    claimed = (claimed or "").split(";", 1)[0].strip().lower()
    for signature, media_type in _SIGNATURES:
        if head.startswith(signature):
            if media_type == "application/zip" and _ZIP_BASED.fullmatch(claimed):
                return claimed
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in (b"M4A ", b"M4B ") else "video/mp4"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "audio/mpeg"  # an MPEG audio frame without an ID3 tag
    if _is_text(head):
        if _MARKUP.search(head):
            return "image/svg+xml" if b"<svg" in head.lower() else "text/html"
        return claimed if _CLIENT_TEXT.fullmatch(claimed) else "text/plain"
    return "application/octet-stream"


def _is_text(head: bytes) -> bool:
    if not head or _CONTROL.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may end in the middle of a character.
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


def is_image(media_type: str) -> bool:
    """Images a browser shows inline; SVG is not among them (it can carry script)."""
    return media_type in ("image/png", "image/jpeg", "image/gif", "image/webp")


def type_allowed(media_type: str, *, white_list: str, black_list: str) -> bool:
    """Rocket.Chat's ``fileUploadIsValidContentTypeFromSettings``: comma-separated types, ``image/*``
    matching a whole family; the black list wins; an empty white list (or ``*``) allows the rest."""
    refused = _type_list(black_list)
    if refused and _on_list(media_type, refused):
        return False
    allowed = None if white_list.strip() in ("", "*") else _type_list(white_list)
    return allowed is None or _on_list(media_type, allowed)


def _type_list(value: str) -> list[str]:
    return [item.strip().lower() for item in value.split(",") if item.strip()]


def _on_list(media_type: str, entries: list[str]) -> bool:
    family = media_type.split("/", 1)[0] + "/*"
    return media_type in entries or family in entries
