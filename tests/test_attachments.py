"""Files in chats: the visitor's upload (livechat/upload), the agent's (rooms.media, then
rooms.mediaConfirm), the download (/file-upload) for staff who may see the chat and for holders of a
signed link, the workspace's limits and types, and files removed with their rooms."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select, update

from omnidesk.events import MessageSent
from omnidesk.files import links, on_commit
from omnidesk.files.sniff import sniff_type, type_allowed
from omnidesk.files.storage import new_key
from omnidesk.models import Upload
from omnidesk.services import Services
from omnidesk.settings import load_settings
from omnidesk.workers.upload_expiry import run_upload_expiry
from tests.helpers import Persona, assert_error, with_fresh_cookies
from tests.livechat_helpers import Guest, guest, set_available, set_setting
from tests.messaging_helpers import TwilioSms, make_sms_channel, outbound_jobs

TOKEN = "token-ada-attachments-0123456789"
OTHER_TOKEN = "token-bob-attachments-0123456789"
PDF = b"%PDF-1.4\n% a tiny document\n"


def png(width: int = 8, height: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _chat(services: Services, client: TestClient, agent: Persona, token: str = TOKEN) -> tuple[Guest, str]:
    set_available(services, agent)
    visitor = guest(client, token)
    visitor.register(name="Ada Lovelace", email=f"{token[6:9]}@example.com")
    room = visitor.open_room()
    assert visitor.say(room["_id"], "Hello, here is my receipt").status_code == 200
    return visitor, room["_id"]


def upload_as_visitor(
    visitor: Guest,
    rid: str,
    data: bytes,
    name: str = "receipt.png",
    claimed: str = "image/png",
    **fields: str,
) -> Any:
    return visitor.client.post(
        f"/api/v1/livechat/upload/{rid}",
        files={"file": (name, data, claimed)},
        data=fields,
        headers={"x-visitor-token": visitor.token},
    )


def upload_as_agent(agent: Persona, rid: str, data: bytes, name: str, claimed: str) -> Any:
    return agent.client.post(
        f"/api/v1/rooms.media/{rid}", files={"file": (name, data, claimed)}, headers=agent.headers
    )


def _stored_keys(services: Services) -> list[str]:
    with services.transaction() as session:
        return list(session.scalars(select(Upload.storage_key)))


def _path_and_token(link: str) -> tuple[str, str]:
    parts = urlsplit(link)
    return parts.path, parse_qs(parts.query)["token"][0]


# --- what a file is, and which types a workspace takes -------------------------------------------


@pytest.mark.parametrize(
    ("head", "claimed", "sniffed"),
    [
        (png(), "text/plain", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", None, "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/png", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", None, "image/webp"),
        (PDF, "image/png", "application/pdf"),
        (b"PK\x03\x04\x14\x00", "application/octet-stream", "application/zip"),
        (
            b"PK\x03\x04\x14\x00",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (b"\x00\x00\x00\x20ftypisom\x00\x00", None, "video/mp4"),
        (b"ID3\x04\x00\x00\x00", None, "audio/mpeg"),
        (b"\xff\xfb\x90\x00", None, "audio/mpeg"),
        (b"OggS\x00\x02", None, "audio/ogg"),
        ("Grüße, a plain note\n".encode(), "image/png", "text/plain"),
        (b"name,total\nAda,12\n", "text/csv", "text/csv"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
            "image/png",
            "image/svg+xml",
        ),
        (b"<!DOCTYPE html><script>alert(1)</script>", "text/plain", "text/html"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "image/png", "application/octet-stream"),
    ],
)
def test_it_sniffs_the_type_from_the_bytes_not_the_clients_claim(
    head: bytes, claimed: str | None, sniffed: str
) -> None:
    assert sniff_type(head, claimed) == sniffed


def test_the_type_lists_work_as_rocket_chats() -> None:
    assert type_allowed("image/png", white_list="", black_list="image/svg+xml")
    assert not type_allowed("image/svg+xml", white_list="", black_list="image/svg+xml")
    assert type_allowed("image/png", white_list="image/*, application/pdf", black_list="")
    assert type_allowed("application/pdf", white_list="image/*, application/pdf", black_list="")
    assert not type_allowed("application/zip", white_list="image/*, application/pdf", black_list="")
    assert not type_allowed("image/gif", white_list="image/*", black_list="image/gif")
    assert not type_allowed("video/mp4", white_list="*", black_list="video/*")
    assert type_allowed("video/mp4", white_list="*", black_list="")


def test_the_files_directory_defaults_to_beside_the_sqlite_file(tmp_path: Any) -> None:
    beside = load_settings({"OMNIDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}"})
    assert beside.files_dir == tmp_path / "files"
    chosen = load_settings({"OMNIDESK_FILES_DIR": str(tmp_path / "elsewhere")})
    assert chosen.files_dir == tmp_path / "elsewhere"


# --- the visitor's upload -------------------------------------------------------------------------


def test_a_visitors_file_becomes_a_message_in_rocket_chats_shape_and_is_pushed(
    services: Services, anonymous: TestClient, agent: Persona, published: list[Any]
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    published.clear()
    answer = upload_as_visitor(visitor, rid, png(), description="The receipt")
    assert answer.status_code == 200, answer.text
    message = answer.json()
    assert message["success"] is True and message["rid"] == rid and message["msg"] == ""
    assert message["newRoom"] is False and message["showConnecting"] is False
    file_id = message["file"]["_id"]
    assert message["file"] == {
        "_id": file_id,
        "name": "receipt.png",
        "type": "image/png",
        "size": len(png()),
        "format": "PNG",
        "typeGroup": "image",
    }
    assert message["files"] == [message["file"]]
    [attachment] = message["attachments"]
    assert attachment["title"] == "receipt.png" and attachment["type"] == "file"
    assert attachment["description"] == "The receipt" and attachment["fileId"] == file_id
    assert attachment["title_link"].startswith(f"/file-upload/{file_id}/receipt.png?token=")
    assert attachment["image_type"] == "image/png" and attachment["image_dimensions"] == {
        "width": 8,
        "height": 8,
    }
    assert [(e.room_id, e.message_id, e.author_kind) for e in published if isinstance(e, MessageSent)] == [
        (rid, message["_id"], "visitor")
    ]
    # The agent reads it in the room's history as any message.
    history = agent.get("/api/v1/livechat/messages.history/" + rid, params={"token": TOKEN})
    assert any(m.get("file", {}).get("_id") == file_id for m in visitor.history(rid)), history.text


def test_a_visitors_upload_is_refused_without_its_token_or_in_another_visitors_room(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    other = guest(anonymous, OTHER_TOKEN)
    other.register(name="Bob")
    no_token = anonymous.post(f"/api/v1/livechat/upload/{rid}", files={"file": ("a.png", png(), "image/png")})
    assert_error(no_token, 403, "error-unauthorized")
    assert_error(upload_as_visitor(other, rid, png()), 403, "error-unauthorized")
    assert visitor.close(rid).status_code == 200
    assert_error(upload_as_visitor(visitor, rid, png()), 403, "error-unauthorized")
    assert _stored_keys(services) == []


def test_uploads_follow_the_workspaces_switches_size_and_types(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    set_setting(services, "Livechat_fileupload_enabled", False)
    body = assert_error(upload_as_visitor(visitor, rid, png()), 400, "error-file-upload-disabled")
    assert body["reason"] == "error-file-upload-disabled"
    set_setting(services, "Livechat_fileupload_enabled", True)
    set_setting(services, "FileUpload_Enabled", False)
    assert_error(upload_as_visitor(visitor, rid, png()), 400, "error-file-upload-disabled")
    set_setting(services, "FileUpload_Enabled", True)

    set_setting(services, "FileUpload_MaxFileSize", 100)
    too_big = assert_error(upload_as_visitor(visitor, rid, png(64, 64)), 400, "error-size-not-allowed")
    assert too_big["sizeAllowed"] == "100 B"
    set_setting(services, "FileUpload_MaxFileSize", -1)

    # SVG is refused by default; a type under the white list's wildcard passes, what the bytes say wins.
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert_error(upload_as_visitor(visitor, rid, svg, "x.png", "image/png"), 400, "error-type-not-allowed")
    set_setting(services, "FileUpload_MediaTypeWhiteList", "image/*")
    assert_error(upload_as_visitor(visitor, rid, PDF, "doc.png", "image/png"), 400, "error-type-not-allowed")
    assert (
        upload_as_visitor(visitor, rid, png(), "photo.txt", "text/plain").json()["file"]["type"]
        == "image/png"
    )
    assert len(_stored_keys(services)) == 1
    assert anonymous.get("/api/v1/livechat/config").json()["config"]["settings"]["fileUpload"] is True


def test_uploads_have_a_body_limit_of_their_own(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    # Larger than the 64 KiB a visitor's other requests may send.
    big = png(600, 600) + b"\x00" * 100_000
    answer = upload_as_visitor(visitor, rid, big)
    assert answer.status_code == 200, answer.text
    over = anonymous.post(
        f"/api/v1/livechat/upload/{rid}",
        content=b"x" * 10,
        headers={"x-visitor-token": TOKEN, "content-length": str(services.settings.max_upload_bytes + 1)},
    )
    assert_error(over, 413, "error-request-too-large")
    # Elsewhere the visitor's limit holds.
    assert_error(
        anonymous.post(
            "/api/v1/livechat/message", content=b"x" * 70_000, headers={"content-type": "application/json"}
        ),
        413,
        "error-request-too-large",
    )


# --- the agent's upload ---------------------------------------------------------------------------


def test_an_agent_uploads_then_confirms_a_file_with_a_thumbnail_of_an_image(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, published: list[Any]
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    uploaded = upload_as_agent(agent, rid, png(1200, 900), "plan.png", "image/png")
    assert uploaded.status_code == 200, uploaded.text
    file = uploaded.json()["file"]
    assert file["url"] == f"/file-upload/{file['_id']}/plan.png"
    # Not a message yet; another agent cannot send it.
    assert not any(m.get("file") for m in visitor.history(rid))
    other = agent2.post(f"/api/v1/rooms.mediaConfirm/{rid}/{file['_id']}", json={"msg": "x"})
    assert other.status_code == 403, other.text
    published.clear()
    confirmed = agent.post(
        f"/api/v1/rooms.mediaConfirm/{rid}/{file['_id']}", json={"msg": "The plan", "description": "Floor 2"}
    )
    assert confirmed.status_code == 200, confirmed.text
    message = confirmed.json()["message"]
    assert message["msg"] == "The plan" and message["u"]["username"] == "alex"
    original, thumbnail = message["files"]
    assert original["_id"] == file["_id"] and thumbnail["name"] == "thumb-plan.png"
    [attachment] = message["attachments"]
    assert attachment["image_url"].startswith(f"/file-upload/{thumbnail['_id']}/plan.png?token=")
    assert attachment["image_dimensions"] == {"width": 480, "height": 360}
    assert attachment["description"] == "Floor 2"
    assert any(isinstance(e, MessageSent) and e.message_id == message["_id"] for e in published)
    again = agent.post(f"/api/v1/rooms.mediaConfirm/{rid}/{file['_id']}", json={})
    assert_error(again, 400, "invalid-file")
    # The visitor sees it.
    assert any(m.get("file", {}).get("_id") == file["_id"] for m in visitor.history(rid))


def test_an_upload_that_is_no_form_is_malformed_input(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    _visitor, rid = _chat(services, anonymous, agent)
    as_json = anonymous.post(
        f"/api/v1/livechat/upload/{rid}", json={"file": "x"}, headers={"x-visitor-token": TOKEN}
    )
    assert_error(as_json, 400, "invalid-params")
    assert_error(agent.post(f"/api/v1/rooms.media/{rid}", json={}), 400, "invalid-params")
    no_file = anonymous.post(
        f"/api/v1/livechat/upload/{rid}",
        files={"other": ("a.txt", b"x", "text/plain")},
        headers={"x-visitor-token": TOKEN},
    )
    assert_error(no_file, 400, "error-no-file-uploaded")


def test_an_agent_who_does_not_serve_the_chat_cannot_upload_into_it(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona
) -> None:
    _visitor, rid = _chat(services, anonymous, agent)
    assert upload_as_agent(agent2, rid, PDF, "a.pdf", "application/pdf").status_code == 403
    assert _stored_keys(services) == []


# --- the download ---------------------------------------------------------------------------------


def test_the_download_answers_staff_who_see_the_chat_and_holders_of_the_signed_link(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    image = upload_as_visitor(visitor, rid, png()).json()
    document = upload_as_visitor(visitor, rid, PDF, "contract.pdf", "application/pdf").json()
    image_path, image_token = _path_and_token(image["attachments"][0]["title_link"])
    pdf_path, pdf_token = _path_and_token(document["attachments"][0]["title_link"])

    served = agent.get(image_path)
    assert served.status_code == 200 and served.content == png()
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"].startswith("inline;")
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    pdf = manager.get(pdf_path)
    assert pdf.status_code == 200 and pdf.content == PDF
    assert pdf.headers["content-disposition"] == "attachment; filename*=UTF-8''contract.pdf"

    # Another agent, who does not serve the chat; nobody at all.
    assert_error(agent2.get(image_path), 403, "error-unauthorized")
    assert_error(anonymous.get(image_path), 403, "error-unauthorized")
    # The visitor by its link.
    assert anonymous.get(image_path, params={"token": image_token}).content == png()
    # A link of one file does not open another; a changed signature or expiry opens nothing.
    assert_error(anonymous.get(pdf_path, params={"token": image_token}), 403, "error-unauthorized")
    expiry, signature = pdf_token.split(".")
    tampered = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert_error(anonymous.get(pdf_path, params={"token": f"{expiry}.{tampered}"}), 403, "error-unauthorized")
    later = str(int(expiry) + 3600)
    assert_error(anonymous.get(pdf_path, params={"token": f"{later}.{signature}"}), 403, "error-unauthorized")
    assert anonymous.get("/file-upload/nosuchfile/x.png").status_code == 404


def test_another_visitors_link_and_an_expired_link_are_refused(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    ada = upload_as_visitor(visitor, rid, png()).json()
    bob, bob_rid = _chat(services, anonymous, agent, OTHER_TOKEN)
    bobs = upload_as_visitor(bob, bob_rid, PDF, "bob.pdf", "application/pdf").json()
    ada_path, _ = _path_and_token(ada["attachments"][0]["title_link"])
    _, bob_token = _path_and_token(bobs["attachments"][0]["title_link"])
    assert_error(anonymous.get(ada_path, params={"token": bob_token}), 403, "error-unauthorized")
    expired = links.link_token(ada["file"]["_id"], seconds=-3 * 3600)
    assert int(expired.split(".")[0]) < time.time()
    assert_error(anonymous.get(ada_path, params={"token": expired}), 403, "error-unauthorized")


# --- files go with their rooms --------------------------------------------------------------------


def test_erasing_the_contact_removes_the_files_rows_and_bytes(
    services: Services, anonymous: TestClient, agent: Persona, admin: Persona
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    assert upload_as_visitor(visitor, rid, png(1000, 800)).status_code == 200
    keys = _stored_keys(services)
    assert len(keys) == 2 and all(services.files.exists(key) for key in keys)  # the image and its thumbnail
    assert visitor.close(rid).status_code == 200
    contact = admin.get("/api/v1/livechat/rooms").json()["rooms"][0]["contactId"]
    erased = admin.post("/api/v1/omnichannel/contacts.erase", json={"contactId": contact})
    assert erased.status_code == 200, erased.text
    assert _stored_keys(services) == []
    assert not any(services.files.exists(key) for key in keys)


def test_removing_a_closed_room_removes_its_files(
    services: Services, anonymous: TestClient, agent: Persona, admin: Persona
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    assert upload_as_visitor(visitor, rid, PDF, "a.pdf", "application/pdf").status_code == 200
    [key] = _stored_keys(services)
    assert visitor.close(rid).status_code == 200
    removed = admin.post("/api/v1/livechat/rooms.delete", json={"roomId": rid})
    assert removed.status_code == 200, removed.text
    assert _stored_keys(services) == [] and not services.files.exists(key)


def test_deleting_a_file_message_removes_its_file_and_thumbnail_and_its_links_stop_working(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    uploaded = upload_as_agent(agent, rid, png(1200, 900), "plan.png", "image/png").json()["file"]
    message = agent.post(
        f"/api/v1/rooms.mediaConfirm/{rid}/{uploaded['_id']}", json={"msg": "The plan"}
    ).json()
    message = message["message"]
    path, token = _path_and_token(message["attachments"][0]["title_link"])
    assert anonymous.get(path, params={"token": token}).status_code == 200
    keys = _stored_keys(services)
    assert len(keys) == 2  # the image and its thumbnail

    deleted = agent.post("/api/v1/chat.delete", json={"roomId": rid, "msgId": message["_id"]})
    assert deleted.status_code == 200, deleted.text
    assert _stored_keys(services) == []
    assert not any(services.files.exists(key) for key in keys)
    assert anonymous.get(path, params={"token": token}).status_code == 404
    assert agent.get(path).status_code == 404
    assert not any(m.get("file") for m in visitor.history(rid))


def test_a_visitor_deleting_its_file_message_removes_the_file_and_no_other(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = _chat(services, anonymous, agent)
    kept = upload_as_visitor(visitor, rid, PDF, "kept.pdf", "application/pdf").json()
    gone = upload_as_visitor(visitor, rid, PDF, "gone.pdf", "application/pdf").json()
    with services.transaction() as session:
        keys = dict(session.execute(select(Upload.id, Upload.storage_key)).tuples().all())
    kept_key, gone_key = keys[kept["file"]["_id"]], keys[gone["file"]["_id"]]
    deleted = visitor.client.request(
        "DELETE",
        f"/api/v1/livechat/message/{gone['_id']}",
        json={"token": visitor.token, "rid": rid},
    )
    assert deleted.status_code == 200, deleted.text
    with services.transaction() as session:
        left = list(session.scalars(select(Upload.id)))
    assert left == [kept["file"]["_id"]]
    assert services.files.exists(kept_key) and not services.files.exists(gone_key)


def test_unsent_staff_uploads_expire_after_a_day_with_their_thumbnails_and_bytes(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    _visitor, rid = _chat(services, anonymous, agent)
    abandoned = upload_as_agent(agent, rid, png(1200, 900), "old.png", "image/png").json()["file"]
    fresh = upload_as_agent(agent, rid, PDF, "fresh.pdf", "application/pdf").json()["file"]
    sent = upload_as_agent(agent, rid, PDF, "sent.pdf", "application/pdf").json()["file"]
    assert agent.post(f"/api/v1/rooms.mediaConfirm/{rid}/{sent['_id']}", json={}).status_code == 200
    day_and_more = datetime.now(UTC) - timedelta(hours=25)
    with services.transaction() as session:
        session.execute(update(Upload).where(Upload.id != fresh["_id"]).values(created_at=day_and_more))
        keys = dict(session.execute(select(Upload.id, Upload.storage_key)).tuples().all())
    assert len(keys) == 4  # the abandoned image, its thumbnail, and the two documents

    assert run_upload_expiry(services) == 2  # the abandoned image and its thumbnail
    with services.transaction() as session:
        left = set(session.scalars(select(Upload.id)))
    assert left == {fresh["_id"], sent["_id"]}
    gone = [key for upload_id, key in keys.items() if upload_id not in left]
    assert len(gone) == 2 and not any(services.files.exists(key) for key in gone)
    assert all(services.files.exists(keys[upload_id]) for upload_id in left)
    late = agent.post(f"/api/v1/rooms.mediaConfirm/{rid}/{abandoned['_id']}", json={})
    assert late.status_code in (400, 404), late.text
    assert run_upload_expiry(services) == 0


def test_bytes_written_in_a_transaction_that_rolls_back_are_removed(services: Services) -> None:
    session = services.session(write=True)
    session.execute(select(Upload.id))  # the request's transaction has begun, as an upload's always has
    key = new_key()
    services.files.put(key, io.BytesIO(b"never committed"))
    on_commit.written(session, key)
    session.rollback()
    session.close()
    assert not services.files.exists(key)


def test_the_transcript_names_the_files(services: Services, anonymous: TestClient, agent: Persona) -> None:
    from omnidesk.models import Room
    from omnidesk.queries.transcripts import load_transcript, render_text

    visitor, rid = _chat(services, anonymous, agent)
    assert (
        upload_as_visitor(visitor, rid, PDF, "contract.pdf", "application/pdf", msg="Signed").status_code
        == 200
    )
    with services.transaction() as session:
        room = session.get(Room, rid)
        assert room is not None
        text = render_text(load_transcript(session, room))
    assert "Ada Lovelace: Signed\n    [File: contract.pdf]" in text


def test_a_file_sent_into_an_sms_chat_leaves_as_its_signed_link_in_the_text(
    services: Services, app_client: TestClient, agent: Persona
) -> None:
    make_sms_channel(services)
    set_available(services, agent)
    TwilioSms(app_client, services.settings.public_url).incoming("Can you send me the invoice?")
    [room] = agent.get("/api/v1/livechat/rooms", params={"agents": [agent.id]}).json()["rooms"]
    file = upload_as_agent(agent, room["_id"], PDF, "invoice.pdf", "application/pdf").json()["file"]
    confirmed = agent.post(
        f"/api/v1/rooms.mediaConfirm/{room['_id']}/{file['_id']}", json={"msg": "Here it is"}
    )
    assert confirmed.status_code == 200, confirmed.text
    [job] = outbound_jobs(services)
    text, link = job.body.split("\n")
    assert text == "Here it is"
    assert link.startswith(f"{services.settings.public_url}/file-upload/{file['_id']}/invoice.pdf?token=")
    # The customer, without any login, opens it by that link.
    path, token = _path_and_token(link.removeprefix(services.settings.public_url))
    assert with_fresh_cookies(app_client).get(path, params={"token": token}).content == PDF
