"""Where uploaded files' bytes are kept, by key. Keys are random ids the store itself makes up
(``new_key``), never a name a client sent, so no upload can name a path.

``FileStore`` is the interface the rest of Omnidesk uses; ``LocalFileStore`` keeps the bytes in a
directory (``OMNIDESK_FILES_DIR``). An S3-compatible store would implement the same five methods over
a bucket (``put`` as a PUT of the object, ``stream`` as a ranged GET) and be chosen by ``build_store``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from omnidesk.settings import Settings

_KEY = re.compile(r"[a-f0-9]{32}")
CHUNK_BYTES = 64 * 1024


class FileStore(Protocol):
    def put(self, key: str, source: BinaryIO) -> int:
        """Store what ``source`` holds under ``key``; answers how many bytes were written."""

    def get(self, key: str) -> bytes: ...

    def stream(self, key: str) -> Iterator[bytes]:
        """The bytes in chunks, for an answer that need not hold the whole file in memory."""

    def delete(self, key: str) -> None:
        """Remove the bytes; a key already gone is no error."""

    def exists(self, key: str) -> bool: ...


def new_key() -> str:
    return secrets.token_hex(16)


class LocalFileStore:
    """Each key is a file ``<dir>/<first two characters>/<key>``, written to a temporary file and
    renamed into place, so a reader never sees half a file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError("not a file key")
        return self.directory / key[:2] / key

    def put(self, key: str, source: BinaryIO) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as target:
                shutil.copyfileobj(source, target, CHUNK_BYTES)
                written = target.tell()
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return written

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def stream(self, key: str) -> Iterator[bytes]:
        with self._path(key).open("rb") as source:
            while chunk := source.read(CHUNK_BYTES):
                yield chunk

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def build_store(settings: Settings) -> FileStore:
    return LocalFileStore(settings.files_dir)
