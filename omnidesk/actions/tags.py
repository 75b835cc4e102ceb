"""Writes to the tags agents put on rooms, optionally limited to some departments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omnidesk.actions.canned_responses import remove_tag_from_canned_responses
from omnidesk.errors import ApiError
from omnidesk.models import Tag
from omnidesk.queries.lists import existing_department_ids, tag_by_name

MAX_TAG_NAME = 120


def _tag_exists() -> ApiError:
    return ApiError("error-tag-already-exists", "A tag with this name already exists")


def _check_name(session: Session, name: str, *, current: Tag | None) -> str:
    name = name.strip()
    if not name:
        raise ApiError("error-invalid-tag-name", "The tag name cannot be empty")
    if len(name) > MAX_TAG_NAME:
        raise ApiError(
            "error-invalid-tag-name", f"The tag name cannot be longer than {MAX_TAG_NAME} characters"
        )
    taken = tag_by_name(session, name)
    if taken is not None and taken is not current:
        raise _tag_exists()
    return name


def _check_departments(session: Session, department_ids: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(department_ids))
    known = existing_department_ids(session, wanted)
    unknown = [department_id for department_id in wanted if department_id not in known]
    if unknown:
        raise ApiError("error-invalid-department", f"Department {unknown[0]} does not exist")
    return wanted


def save_tag(
    session: Session,
    *,
    tag: Tag | None,
    name: str,
    description: str | None,
    department_ids: Sequence[str] | None,
) -> Tag:
    """Create a tag (``tag`` None) or replace an existing one's name, description and departments.

    As Rocket.Chat's ``saveTag``, a save replaces the whole tag: an omitted description or department
    list clears it. No departments means the tag is offered in every department.
    """
    clean_name = _check_name(session, name, current=tag)
    departments = _check_departments(session, department_ids or [])
    target = tag if tag is not None else Tag()
    target.name = clean_name
    target.description = (description or "").strip()
    target.departments = departments
    try:
        # A savepoint, so that a concurrent insert of the same name leaves the transaction usable.
        with session.begin_nested():
            session.add(target)
    except IntegrityError:
        raise _tag_exists() from None
    return target


def delete_tag(session: Session, *, tag: Tag) -> None:
    """Remove a tag from the list and from the canned responses that have it. Rooms keep the tags they
    were given: they are history."""
    remove_tag_from_canned_responses(session, tag=tag.name)
    session.delete(tag)
    session.flush()
