"""Writes to the widget's proactive triggers, each checked as the visitor's browser will run it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from omnidesk.actions.messages import MAX_MESSAGE_LENGTH
from omnidesk.errors import ApiError
from omnidesk.models import LivechatTrigger

MAX_NAME = 200
MAX_DESCRIPTION = 1000
MAX_SENDER_NAME = 100
MAX_CONDITIONS = 10
MAX_ACTIONS = 5
# A page-url pattern runs in every visitor's browser against its address: short, and checked here.
MAX_URL_PATTERN = 200
MAX_TIME_ON_SITE = 86_400  # seconds: a day

CONDITIONS = ("time-on-site", "page-url", "chat-opened-by-visitor", "after-guest-registration")
SENDERS = ("queue", "custom")

# A group (or character) that repeats and holds a repetition itself, as in (a+)+ or (\w*)*: the shape
# whose backtracking grows exponentially on a string that almost matches. Refused outright.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")
# Group syntax JavaScript reads differently from Python (named groups, inline flags, comments): only
# (?: (?= (?! (?<= (?<! are taken, which both read alike.
_GROUP_SYNTAX = re.compile(r"(?<!\\)\(\?(?!:|=|!|<=|<!)")


@dataclass(frozen=True)
class TriggerCondition:
    name: str
    value: str | None


@dataclass(frozen=True)
class TriggerAction:
    name: str
    sender: str
    msg: str
    sender_name: str | None = None


def _invalid(message: str) -> ApiError:
    return ApiError("error-invalid-trigger", message)


def _check_pattern(value: str | None) -> str:
    pattern = (value or "").strip()
    if not pattern:
        raise _invalid("A page-url condition needs a pattern")
    if len(pattern) > MAX_URL_PATTERN:
        raise _invalid(f"A page-url pattern cannot be longer than {MAX_URL_PATTERN} characters")
    if _GROUP_SYNTAX.search(pattern):
        raise _invalid("A page-url pattern may use only (...), (?:...) and lookaround groups")
    if _NESTED_QUANTIFIER.search(pattern):
        raise _invalid("A page-url pattern may not repeat a group that repeats (such as (a+)+)")
    try:
        re.compile(pattern)
    except re.error as error:
        raise _invalid(f"The page-url pattern is not a valid regular expression: {error}") from None
    return pattern


def _check_seconds(value: str | None) -> str:
    seconds = (value or "").strip()
    if not seconds.isdecimal() or not 0 <= int(seconds) <= MAX_TIME_ON_SITE:
        raise _invalid(f"A time-on-site condition needs a number of seconds from 0 to {MAX_TIME_ON_SITE}")
    return str(int(seconds))


def _check_condition(condition: TriggerCondition) -> dict[str, str | None]:
    if condition.name not in CONDITIONS:
        raise _invalid(f"Unknown condition {condition.name}")
    if condition.name == "page-url":
        return {"name": condition.name, "value": _check_pattern(condition.value)}
    if condition.name == "time-on-site":
        return {"name": condition.name, "value": _check_seconds(condition.value)}
    # The other two happen once (the panel opens, the form is sent): their value means nothing.
    value = condition.value if condition.value is None else condition.value[:MAX_NAME]
    return {"name": condition.name, "value": value}


def _check_action(action: TriggerAction) -> dict[str, object]:
    if action.name != "send-message":
        raise _invalid(f"Unsupported action {action.name}: triggers send a message")
    if action.sender not in SENDERS:
        raise _invalid("The sender must be queue or custom")
    msg = action.msg.strip()
    if not msg:
        raise _invalid("The message cannot be empty")
    if len(msg) > MAX_MESSAGE_LENGTH:
        raise _invalid(f"The message cannot be longer than {MAX_MESSAGE_LENGTH} characters")
    params: dict[str, str] = {"sender": action.sender, "msg": msg}
    if action.sender == "custom":
        name = (action.sender_name or "").strip()
        if not name or len(name) > MAX_SENDER_NAME:
            raise _invalid(f"A custom sender needs a name of 1 to {MAX_SENDER_NAME} characters")
        params["name"] = name
    return {"name": action.name, "params": params}


def save_trigger(
    session: Session,
    *,
    trigger: LivechatTrigger | None,
    name: str,
    description: str,
    enabled: bool,
    run_once: bool,
    conditions: Sequence[TriggerCondition],
    actions: Sequence[TriggerAction],
) -> LivechatTrigger:
    """Create a trigger (``trigger`` None) or replace every field of one, as Rocket.Chat's save does."""
    clean_name = name.strip()
    if not clean_name or len(clean_name) > MAX_NAME:
        raise _invalid(f"The name must have 1 to {MAX_NAME} characters")
    if len(description) > MAX_DESCRIPTION:
        raise _invalid(f"The description cannot be longer than {MAX_DESCRIPTION} characters")
    if not 1 <= len(conditions) <= MAX_CONDITIONS:
        raise _invalid(f"A trigger needs 1 to {MAX_CONDITIONS} conditions")
    if not 1 <= len(actions) <= MAX_ACTIONS:
        raise _invalid(f"A trigger needs 1 to {MAX_ACTIONS} actions")
    target = trigger if trigger is not None else LivechatTrigger()
    target.name = clean_name
    target.description = description.strip()
    target.enabled = enabled
    target.run_once = run_once
    target.conditions = [_check_condition(condition) for condition in conditions]
    target.actions = [_check_action(action) for action in actions]
    if trigger is None:
        session.add(target)
    session.flush()
    return target


def delete_trigger(session: Session, *, trigger: LivechatTrigger) -> None:
    session.delete(trigger)
    session.flush()
