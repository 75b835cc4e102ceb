"""Files in a chat: storing an upload (the workspace's limits, its type sniffed from the bytes, a
thumbnail of an image), the fields of the message that shows it (Rocket.Chat's ``file``, ``files`` and
``attachments``), and removing files with their rooms. The bytes go to the session's file store
(``files/on_commit``): removed again if the request rolls back, and deleted only after a deletion
commits."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.files import on_commit
from omnidesk.files.images import image_facts
from omnidesk.files.links import file_path
from omnidesk.files.sniff import SNIFF_BYTES, is_image, sniff_type, type_allowed
from omnidesk.files.storage import new_key
from omnidesk.models import Room, Upload
from omnidesk.queries.settings import preload_settings, setting_value

UPLOAD_SETTINGS = (
    "FileUpload_Enabled",
    "Livechat_fileupload_enabled",
    "FileUpload_MaxFileSize",
    "FileUpload_MediaTypeWhiteList",
    "FileUpload_MediaTypeBlackList",
)
MAX_NAME_LENGTH = 255
_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


class UploadRefused(ApiError):
    """Rocket.Chat answers these with ``{"success": false, "reason": ...}``; the envelope has both."""

    def __init__(self, reason: str, message: str, **extra: Any) -> None:
        super().__init__(reason, message)
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {**super().body(), "reason": self.error_type, **self.extra}


@dataclass(frozen=True)
class IncomingFile:
    """A file as a client sent it: the name and type it claims, and its bytes (a seekable file)."""

    name: str
    claimed_type: str | None
    source: BinaryIO

    def size(self) -> int:
        size = self.source.seek(0, io.SEEK_END)
        self.source.seek(0)
        return size


def check_uploads_enabled(session: Session, *, by_visitor: bool) -> None:
    preload_settings(session, UPLOAD_SETTINGS)
    enabled = setting_value(session, "FileUpload_Enabled")
    if by_visitor:
        enabled = enabled and setting_value(session, "Livechat_fileupload_enabled")
    if not enabled:
        raise UploadRefused("error-file-upload-disabled", "File upload is disabled")


def human_size(size: int) -> str:
    """As Rocket.Chat's ``filesize`` writes a limit: ``100 MB``."""
    value, unit = float(size), "B"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            break
        value /= 1000
    return f"{value:.2f}".rstrip("0").rstrip(".") + f" {unit}"


def clean_name(name: str) -> str:
    """The name shown and offered on download; never a path (the bytes' key is random)."""
    name = _UNSAFE_IN_NAME.sub("_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .")
    return name[-MAX_NAME_LENGTH:] or "file"


def store_upload(
    session: Session,
    *,
    room: Room,
    incoming: IncomingFile,
    user_id: str | None = None,
    visitor_id: str | None = None,
    description: str | None = None,
    complete: bool = True,
) -> Upload:
    """Check the file against the workspace's limits and types, then keep it (and its thumbnail)."""
    source = incoming.source
    size = incoming.size()
    largest = int(setting_value(session, "FileUpload_MaxFileSize"))
    if largest > -1 and size > largest:
        raise UploadRefused(
            "error-size-not-allowed",
            f"File size exceeds the allowed size of {human_size(largest)}",
            sizeAllowed=human_size(largest),
        )
    if size == 0:
        raise UploadRefused("error-invalid-file", "The file is empty")
    media_type = sniff_type(source.read(SNIFF_BYTES), incoming.claimed_type)
    source.seek(0)
    if not type_allowed(
        media_type,
        white_list=str(setting_value(session, "FileUpload_MediaTypeWhiteList") or ""),
        black_list=str(setting_value(session, "FileUpload_MediaTypeBlackList") or ""),
    ):
        raise UploadRefused("error-type-not-allowed", f"File type {media_type} is not allowed")
    upload = _keep(
        session,
        room=room,
        source=source,
        name=clean_name(incoming.name),
        media_type=media_type,
        size=size,
        user_id=user_id,
        visitor_id=visitor_id,
        description=description,
        complete=complete,
    )
    if is_image(media_type):
        source.seek(0)
        facts = image_facts(source, media_type)
        if facts is not None:
            upload.width, upload.height = facts.width, facts.height
            if facts.thumbnail is not None:
                thumb = facts.thumbnail
                thumbnail = _keep(
                    session,
                    room=room,
                    source=io.BytesIO(thumb.data),
                    name=f"thumb-{upload.name}"[-MAX_NAME_LENGTH:],
                    media_type=thumb.media_type,
                    size=len(thumb.data),
                    user_id=user_id,
                    visitor_id=visitor_id,
                    description=None,
                    complete=complete,
                )
                thumbnail.original_id = upload.id
                thumbnail.width, thumbnail.height = thumb.width, thumb.height
    session.flush()
    return upload


def _keep(
    session: Session,
    *,
    room: Room,
    source: BinaryIO,
    name: str,
    media_type: str,
    size: int,
    user_id: str | None,
    visitor_id: str | None,
    description: str | None,
    complete: bool,
) -> Upload:
    key = new_key()
    on_commit.store_of(session).put(key, source)
    on_commit.written(session, key)
    upload = Upload(
        room_id=room.id,
        storage_key=key,
        name=name,
        type=media_type,
        size=size,
        description=description,
        user_id=user_id,
        visitor_id=visitor_id,
        complete=complete,
    )
    session.add(upload)
    session.flush()
    return upload


def thumbnail_of(session: Session, upload: Upload) -> Upload | None:
    return session.scalar(select(Upload).where(Upload.original_id == upload.id))


def file_message_fields(upload: Upload, thumbnail: Upload | None) -> dict[str, Any]:
    """Rocket.Chat's ``parseFileIntoMessageAttachments``: the message's ``file``, ``files`` (the
    thumbnail too) and one attachment; links are paths, signed as the message is shaped."""
    url = file_path(upload.id, upload.name)
    files = [_file_prop(upload)]
    attachment: dict[str, Any] = {
        "title": upload.name,
        "type": "file",
        "title_link": url,
        "title_link_download": True,
        "fileId": upload.id,
    }
    if upload.description:
        attachment["description"] = upload.description
    family = upload.type.split("/", 1)[0]
    if is_image(upload.type):
        attachment |= {"image_url": url, "image_type": upload.type, "image_size": upload.size}
        if upload.width and upload.height:
            attachment["image_dimensions"] = {"width": upload.width, "height": upload.height}
        if thumbnail is not None:
            files.append(_file_prop(thumbnail))
            attachment["image_url"] = file_path(thumbnail.id, upload.name)
            attachment["image_type"] = thumbnail.type
            attachment["image_dimensions"] = {"width": thumbnail.width, "height": thumbnail.height}
    elif family in ("audio", "video"):
        attachment |= {f"{family}_url": url, f"{family}_type": upload.type, f"{family}_size": upload.size}
    else:
        attachment |= {"format": _extension(upload.name), "size": upload.size}
    return {"file": files[0], "files": files, "attachments": [attachment]}


def _file_prop(upload: Upload) -> dict[str, Any]:
    return {
        "_id": upload.id,
        "name": upload.name,
        "type": upload.type,
        "size": upload.size,
        "format": _extension(upload.name).upper() if upload.type.startswith("image/") else "",
        "typeGroup": upload.type.split("/", 1)[0],
    }


def _extension(name: str) -> str:
    base, dot, extension = name.rpartition(".")
    return extension.lower() if dot and base else ""


def discard_room_files(session: Session, room_ids: list[str]) -> None:
    """The rooms are about to go: their upload rows go with them (the foreign key cascades), and their
    bytes once that commits."""
    if not room_ids:
        return
    keys = list(session.scalars(select(Upload.storage_key).where(Upload.room_id.in_(room_ids))))
    on_commit.delete_after_commit(session, keys)


def discard_message_files(session: Session, message_id: str) -> None:
    """The message is about to go (``chat.delete``, a visitor's own delete): its files, and their
    thumbnails, go with it as Rocket.Chat deletes a message's upload, so the links it gave stop
    working. Rows now, bytes once that commits."""
    originals = select(Upload.id).where(Upload.message_id == message_id).scalar_subquery()
    files = or_(Upload.message_id == message_id, Upload.original_id.in_(originals))
    keys = list(session.scalars(select(Upload.storage_key).where(files)))
    if not keys:
        return
    session.execute(delete(Upload).where(Upload.storage_key.in_(keys)))
    on_commit.delete_after_commit(session, keys)


UNSENT_UPLOAD_LIFETIME = timedelta(hours=24)


def expire_unsent_uploads(session: Session, *, now: datetime | None = None) -> int:
    """Staff uploads (``rooms.media``) never confirmed into a message go after a day, as Rocket.Chat's
    do: otherwise an abandoned upload keeps its bytes until its room is removed. Answers how many."""
    cutoff = (now or utcnow()) - UNSENT_UPLOAD_LIFETIME
    stale = (Upload.complete.is_(False), Upload.message_id.is_(None), Upload.created_at < cutoff)
    # Each statement decides and deletes, so an upload confirmed meanwhile is not taken. Thumbnails go
    # first: the foreign key would cascade them away unseen, and their bytes with no key to remove.
    stale_ids = select(Upload.id).where(*stale).scalar_subquery()
    keys: list[str] = []
    for rows in (Upload.original_id.in_(stale_ids), and_(*stale)):
        expired = session.execute(
            delete(Upload)
            .where(rows)
            .returning(Upload.storage_key)
            .execution_options(synchronize_session=False)
        )
        keys.extend(expired.scalars())
    on_commit.delete_after_commit(session, keys)
    return len(keys)
