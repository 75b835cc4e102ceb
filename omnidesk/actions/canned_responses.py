"""Writes to canned responses (Rocket.Chat's ``saveCannedResponse`` and ``removeCannedResponse``).

Who may write which response is ``access.check_may_write_canned_response``; these check the response
itself. Nothing is published: no client of Omnidesk streams canned responses (the composer's picker
reads them when it opens).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.models import CannedResponse, CannedResponseTag, Department, User
from omnidesk.models.canned_responses import MAX_SHORTCUT, MAX_TAG, MAX_TEXT
from omnidesk.queries.canned_responses import canned_response_by_shortcut


def _shortcut_taken() -> ApiError:
    return ApiError("error-invalid-shortcut", "Shortcut provided already exists")


def _check_shortcut(shortcut: str) -> str:
    clean = shortcut.strip()
    if not clean:
        raise ApiError("error-invalid-shortcut", "The shortcut cannot be empty")
    # The composer finds a response by the word typed after "!" or "/": a space would end it.
    if any(character.isspace() for character in clean):
        raise ApiError("error-invalid-shortcut", "The shortcut cannot contain spaces")
    if len(clean) > MAX_SHORTCUT:
        raise ApiError(
            "error-invalid-shortcut", f"The shortcut cannot be longer than {MAX_SHORTCUT} characters"
        )
    return clean


def _check_text(text: str) -> str:
    if not text.strip():
        raise ApiError("error-invalid-text", "The text cannot be empty")
    if len(text) > MAX_TEXT:
        raise ApiError("error-invalid-text", f"The text cannot be longer than {MAX_TEXT} characters")
    return text


def _check_tags(tags: Sequence[str]) -> list[str]:
    clean = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    too_long = [tag for tag in clean if len(tag) > MAX_TAG]
    if too_long:
        raise ApiError("error-invalid-tags", f"A tag cannot be longer than {MAX_TAG} characters")
    return clean


def _check_department(session: Session, scope: str, department_id: str | None) -> str | None:
    if scope != "department":
        return None  # only a department's response names one (Rocket.Chat drops it for "user")
    if not department_id or session.get(Department, department_id) is None:
        raise ApiError("error-invalid-department", "Invalid department")
    return department_id


def save_canned_response(
    session: Session,
    *,
    response: CannedResponse | None,
    author: User,
    shortcut: str,
    text: str,
    scope: str,
    department_id: str | None,
    tags: Sequence[str],
) -> CannedResponse:
    """Create a response (``response`` None, written by ``author``) or replace one's shortcut, text,
    scope, department and tags; its author stays. A response of the ``user`` scope is kept by whoever
    kept it before, else by ``author``."""
    clean_shortcut = _check_shortcut(shortcut)
    clean_text = _check_text(text)
    clean_tags = _check_tags(tags)
    department = _check_department(session, scope, department_id)
    taken = canned_response_by_shortcut(session, clean_shortcut)
    if taken is not None and taken is not response:
        raise _shortcut_taken()
    if response is None:
        response = CannedResponse(created_by_id=author.id, created_by_username=author.username)
    keeper = response.user_id if response.scope == "user" and response.user_id else author.id
    response.shortcut = clean_shortcut
    response.text = clean_text
    response.scope = scope
    response.department_id = department
    response.user_id = keeper if scope == "user" else None
    kept = {row.tag: row for row in response.tag_rows if row.tag in clean_tags}
    response.tag_rows = [kept.get(tag) or CannedResponseTag(tag=tag) for tag in clean_tags]
    for position, row in enumerate(response.tag_rows):
        row.position = position
    response.updated_at = utcnow()
    try:
        # A savepoint, so that a concurrent save of the same shortcut leaves the transaction usable.
        with session.begin_nested():
            session.add(response)
    except IntegrityError:
        raise _shortcut_taken() from None
    return response


def delete_canned_response(session: Session, *, response: CannedResponse) -> None:
    session.delete(response)
    session.flush()


def remove_tag_from_canned_responses(session: Session, *, tag: str) -> None:
    """A livechat tag removed leaves no canned response (Rocket.Chat's ``removeTagFromCannedResponses``)."""
    session.execute(delete(CannedResponseTag).where(CannedResponseTag.tag == tag))
