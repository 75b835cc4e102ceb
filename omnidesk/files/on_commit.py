"""The file store follows the request's transaction: bytes written for rows that roll back are removed
again, and bytes of rows deleted are removed only once the deletion commits (a failed erase loses no
file). A savepoint's end does nothing here; only the outermost transaction's does.

``Services.session`` attaches the store to each session, as it does the bus, so an action finds the
store of its session (``store_of``).
"""

from __future__ import annotations

import logging

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from omnidesk.files.storage import FileStore

log = logging.getLogger(__name__)

_STORE = "omnidesk_file_store"
_WRITTEN = "omnidesk_files_written"
_TO_DELETE = "omnidesk_files_to_delete"


def attach_store(session: Session, store: FileStore) -> None:
    session.info[_STORE] = store


def store_of(session: Session) -> FileStore:
    store: FileStore | None = session.info.get(_STORE)
    if store is None:
        raise RuntimeError("this session has no file store (Services.session attaches it)")
    return store


def written(session: Session, key: str) -> None:
    """``key`` was just stored for a row of this transaction: removed again if it rolls back."""
    session.info.setdefault(_WRITTEN, []).append(key)


def delete_after_commit(session: Session, keys: list[str]) -> None:
    session.info.setdefault(_TO_DELETE, []).extend(keys)


def _remove(session: Session, keys: list[str]) -> None:
    store: FileStore | None = session.info.get(_STORE)
    if store is None:
        return
    for key in keys:
        try:
            store.delete(key)
        except OSError:
            # The row is gone either way; the bytes are an orphan a later sweep finds.
            log.exception("could not delete the stored file %s", key)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_WRITTEN, None)
    _remove(session, session.info.pop(_TO_DELETE, []))


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_TO_DELETE, None)
    _remove(session, session.info.pop(_WRITTEN, []))
