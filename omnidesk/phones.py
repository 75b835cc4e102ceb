"""Phone numbers: kept as typed for display, normalised to E.164 for matching and search."""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers

# "UK" is reserved in ISO 3166 for the United Kingdom (GB), and people write it.
_REGION_ALIASES = {"UK": "GB"}


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


def to_e164_in_regions(raw: str, *, regions: Sequence[str]) -> str | None:
    """The E.164 form of ``raw`` when nothing says where it was written (a CSV row): a national number
    valid in exactly one of ``regions`` is read there, any other in the first (as ``to_e164``)."""
    text = raw.strip()
    if not text.startswith(("+", "00")) and len(regions) > 1:
        valid = [region for region in regions if national_significant_digits(text, region=region)]
        if len(valid) == 1:
            return to_e164(text, default_region=valid[0])
    return to_e164(text, default_region=regions[0] if regions else "")


def region_code(value: str) -> str | None:
    """The region a country is written as ("de", "GB", "UK") names, or None: ISO 3166 alpha-2 codes of
    the regions phone numbers know (country names would need locale data of some 100 MB)."""
    code = value.strip().upper()
    code = _REGION_ALIASES.get(code, code)
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def national_significant_digits(raw: str, *, region: str) -> str | None:
    """The national significant number of ``raw`` read in ``region`` ("2079460958" for "020 7946 0958"
    in GB), or None unless it is a valid number there. Every way of writing a number (E.164, with or
    without the trunk prefix) contains these digits."""
    try:
        parsed = phonenumbers.parse(raw.strip(), region.upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.national_significant_number(parsed)


def international_form(e164: str) -> str | None:
    """``e164`` as people write it, grouped the way its country does ("+44 20 7946 0958" for
    "+442079460958"), or None when it does not parse."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def region_of(e164: str) -> str | None:
    """The region ("GB") a number in E.164 belongs to, or None when it names none."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None)) or None
    except phonenumbers.NumberParseException:
        return None
