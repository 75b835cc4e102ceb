"""Files in chats, as Rocket.Chat serves them: a visitor's upload (``livechat/upload/{rid}``), an
agent's upload and its confirmation (``rooms.media/{rid}``, ``rooms.mediaConfirm/{rid}/{fileId}``),
and the file itself (``GET /file-upload/{fileId}/{name}``) for staff who may see the chat or anyone
with the file's signed link (``files/links``). Upload bodies get a limit of their own
(``api/request_limits``, ``OMNIDESK_MAX_UPLOAD_BYTES``); the workspace's ``FileUpload_MaxFileSize``
is checked here."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Header, Request, UploadFile
from starlette.datastructures import UploadFile as ReceivedFile
from starlette.responses import Response, StreamingResponse

from omnidesk.access import open_room_of_visitor, room_for_staff, upload_for_staff
from omnidesk.actions.file_messages import confirm_agent_file, send_visitor_file, upload_agent_file
from omnidesk.actions.uploads import IncomingFile, check_uploads_enabled
from omnidesk.api.openapi import errors
from omnidesk.api.shapes import ok
from omnidesk.api.validation import Body
from omnidesk.errors import ApiError, Forbidden, InvalidParams, NotFound
from omnidesk.files.links import file_path, token_is_valid
from omnidesk.files.on_commit import store_of
from omnidesk.files.sniff import is_image
from omnidesk.http.deps import ActorIfAnyDep, CurrentActor, ServicesDep, SessionDep, client_address
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.input_rules import check_text
from omnidesk.models import Upload
from omnidesk.shapes.livechat import message_shape

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["uploads"])
files_router = APIRouter(route_class=OneThreadRoute, tags=["uploads"])

FileField = Annotated[UploadFile | None, File()]
TextField = Annotated[str | None, Form()]


async def multipart_body(request: Request) -> None:
    """An upload is a form with a file; any other body (JSON) is malformed input, refused first."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise InvalidParams("must be multipart/form-data with a 'file' field")


def _incoming(file: UploadFile | None) -> IncomingFile:
    if not isinstance(file, ReceivedFile):
        raise ApiError("error-no-file-uploaded", "No file was uploaded")
    return IncomingFile(
        name=check_text(file.filename or ""), claimed_type=file.content_type, source=file.file
    )


@router.post("/livechat/upload/{rid}", dependencies=[Depends(multipart_body)], responses=errors(403))
def visitor_upload(
    rid: str,
    request: Request,
    session: SessionDep,
    file: FileField = None,
    description: TextField = None,
    msg: TextField = None,
    x_visitor_token: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    if not x_visitor_token:
        raise Forbidden()
    check_uploads_enabled(session, by_visitor=True)
    visitor, room = open_room_of_visitor(session, x_visitor_token, rid)
    message = send_visitor_file(
        session,
        visitor=visitor,
        room=room,
        incoming=_incoming(file),
        msg=check_text(msg or ""),
        description=check_text(description or ""),
        client_address=client_address(request),
    )
    return ok(**message_shape(message), newRoom=False, showConnecting=False)


@router.post("/rooms.media/{rid}", dependencies=[Depends(multipart_body)])
def agent_upload(
    rid: str, actor: CurrentActor, session: SessionDep, file: FileField = None
) -> dict[str, Any]:
    room = room_for_staff(session, actor, rid)
    check_uploads_enabled(session, by_visitor=False)
    upload = upload_agent_file(session, agent=actor.user, room=room, incoming=_incoming(file))
    return ok(file={"_id": upload.id, "url": file_path(upload.id, upload.name)})


class MediaConfirmBody(Body):
    msg: str | None = None
    description: str | None = None
    # Rocket.Chat's other fields, taken and unused: livechat messages have no avatar, emoji, alias,
    # thread, custom fields or end-to-end encryption here.
    avatar: str | None = None
    emoji: str | None = None
    alias: str | None = None
    groupable: bool | None = None
    tmid: str | None = None
    customFields: dict[str, Any] | None = None
    t: str | None = None
    content: dict[str, Any] | None = None
    fileName: str | None = None
    fileContent: dict[str, Any] | None = None


@router.post("/rooms.mediaConfirm/{rid}/{fileId}")
def agent_upload_confirm(
    rid: str,
    fileId: str,
    body: MediaConfirmBody,
    actor: CurrentActor,
    session: SessionDep,
    services: ServicesDep,
) -> dict[str, Any]:
    room = room_for_staff(session, actor, rid)
    upload = session.get(Upload, fileId)
    if upload is None:
        raise ApiError("invalid-file")
    message = confirm_agent_file(
        session,
        agent=actor.user,
        room=room,
        upload=upload,
        msg=body.msg or "",
        description=body.description,
        public_url=services.settings.public_url,
    )
    return ok(message=message_shape(message))


# A file never runs as a page of ours: no script, no plugin, no form, whatever it holds.
FILE_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"


@files_router.get("/file-upload/{fileId}/{name}", responses=errors(403, 404))
def download(
    fileId: str, name: str, session: SessionDep, who: ActorIfAnyDep, token: str | None = None
) -> Response:
    upload = session.get(Upload, fileId)
    if upload is None:
        raise NotFound()
    if not (token and token_is_valid(upload.id, token)):
        actor = who.load()
        if actor is None:
            raise Forbidden()
        upload_for_staff(session, actor, upload)
    store = store_of(session)
    if not store.exists(upload.storage_key):
        raise NotFound()
    inline = is_image(upload.type)
    disposition = "inline" if inline else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(upload.name, safe='')}",
        "Content-Length": str(upload.size),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": FILE_POLICY,
        "Cache-Control": "private, max-age=3600",
        # The widget shows images in the customer's page, another origin.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    return StreamingResponse(store.stream(upload.storage_key), media_type=upload.type, headers=headers)
