"""Phone numbers: kept as typed for display, normalised to E.164 for matching and search."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, *, default_region: str) -> str | None:
    """The E.164 form of ``raw`` ("+15550102233"), or None when it is not a possible number.

    Numbers without a leading + are read in ``default_region`` (a setting), as agents type them.
    """
    text = raw.strip()
    if not text:
        return None
    region = None if text.startswith(("+", "00")) else (default_region.upper() or None)
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
