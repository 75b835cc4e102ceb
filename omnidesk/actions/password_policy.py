"""The password policy, with Rocket.Chat's ``Accounts_Password_Policy_*`` settings and error ids.

Defaults (Rocket.Chat ships the policy off): on, at least 8 and at most 256 characters, no character
four times in a row, and no composition rules. Length is what makes a password hard to guess;
required character classes mostly make people write ``Password1!`` (NIST SP 800-63B says the same).
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from omnidesk.errors import ApiError
from omnidesk.queries.settings import setting_value

_PREFIX = "Accounts_Password_Policy_"
_CLASSES = (
    ("AtLeastOneLowercase", "oneLowercase", r"[a-z]", "does not contain at least one lowercase character"),
    ("AtLeastOneUppercase", "oneUppercase", r"[A-Z]", "does not contain at least one uppercase character"),
    ("AtLeastOneNumber", "oneNumber", r"[0-9]", "does not contain at least one numerical character"),
    (
        "AtLeastOneSpecialCharacter",
        "oneSpecial",
        r"[^A-Za-z0-9]",
        "does not contain at least one special character",
    ),
)


def _refuse(rule: str, what: str) -> ApiError:
    return ApiError(f"error-password-policy-not-met-{rule}", f"The password {what}", status_code=400)


def check_password(session: Session, password: str) -> str:
    if not password.strip():
        raise ApiError("error-invalid-password", "The password must not be empty")
    if not setting_value(session, f"{_PREFIX}Enabled"):
        return password
    minimum = int(setting_value(session, f"{_PREFIX}MinLength") or 0)
    maximum = int(setting_value(session, f"{_PREFIX}MaxLength") or 0)
    if minimum > 0 and len(password) < minimum:
        raise _refuse("minLength", "does not meet the minimum length password policy.")
    if maximum > 0 and len(password) > maximum:
        raise _refuse("maxLength", "does not meet the maximum length password policy.")
    if setting_value(session, f"{_PREFIX}ForbidRepeatingCharacters"):
        count = max(2, int(setting_value(session, f"{_PREFIX}ForbidRepeatingCharactersCount") or 3))
        if re.search(rf"(.)\1{{{count - 1},}}", password):
            raise _refuse(
                "repeatingCharacters", "contains repeating characters which is against the password policy."
            )
    for setting, rule, pattern, what in _CLASSES:
        if setting_value(session, f"{_PREFIX}{setting}") and not re.search(pattern, password):
            raise _refuse(rule, f"{what}.")
    return password
