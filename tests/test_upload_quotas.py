"""What visitors may upload: per visitor and per client address, a number of uploads per hour and of
megabytes per day, refused with 429 before anything is stored; and the weighted limits beneath them."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from omnidesk.actions import rate_limits
from omnidesk.actions.upload_quotas import address_key
from omnidesk.errors import TooManyRequests
from omnidesk.models import Upload
from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import Guest, guest, set_available, set_setting


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _pdf(size: int) -> bytes:
    head = b"%PDF-1.4\n"
    return head + b"0" * (size - len(head))


def _chat(services: Services, client: TestClient, agent: Persona, token: str) -> tuple[Guest, str]:
    set_available(services, agent)
    visitor = guest(client, token)
    visitor.register(name="Quinn Quota", email=f"{token[-6:]}@example.com")
    room = visitor.open_room()
    return visitor, room["_id"]


def _upload(
    visitor: Guest, rid: str, data: bytes, name: str = "photo.png", claimed: str = "image/png"
) -> Any:
    return visitor.client.post(
        f"/api/v1/livechat/upload/{rid}",
        files={"file": (name, data, claimed)},
        headers={"x-visitor-token": visitor.token},
    )


def _uploads(services: Services) -> int:
    with services.transaction() as session:
        return session.scalar(select(func.count()).select_from(Upload)) or 0


def test_a_visitor_has_a_number_of_uploads_per_hour(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_visitor_uploads_per_hour", 2)
    visitor, rid = _chat(services, anonymous, agent, "token-quota-visitor-count-0001")
    for _ in range(2):
        assert _upload(visitor, rid, _png()).status_code == 200
    stored = _uploads(services)

    refused = _upload(visitor, rid, _png())
    assert_error(refused, 429, "error-too-many-requests")
    assert int(refused.headers["Retry-After"]) > 3500
    assert _uploads(services) == stored  # nothing kept of the refused file

    # Another visitor is not held back by the first one's count.
    other, other_rid = _chat(services, anonymous, agent, "token-quota-visitor-count-0002")
    assert _upload(other, other_rid, _png()).status_code == 200


def test_a_client_address_has_a_number_of_uploads_per_hour_whatever_visitors_it_makes(
    services: Services, running_app: TestClient, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_uploads_per_address_per_hour", 3)
    for number in range(3):
        visitor, rid = _chat(services, anonymous, agent, f"token-quota-address-count-000{number}")
        assert _upload(visitor, rid, _png()).status_code == 200
    visitor, rid = _chat(services, anonymous, agent, "token-quota-address-count-0009")
    assert_error(_upload(visitor, rid, _png()), 429, "error-too-many-requests")

    # The same visitor from another address has room again: the address counted, not the visitor.
    elsewhere = TestClient(running_app.app, client=("203.0.113.7", 40000))
    assert _upload(guest(elsewhere, visitor.token), rid, _png()).status_code == 200


def test_a_visitor_has_a_number_of_megabytes_per_day(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_visitor_upload_megabytes_per_day", 1)
    visitor, rid = _chat(services, anonymous, agent, "token-quota-visitor-bytes-0001")
    assert _upload(visitor, rid, _pdf(600_000), "a.pdf", "application/pdf").status_code == 200
    stored = _uploads(services)

    refused = _upload(visitor, rid, _pdf(600_000), "b.pdf", "application/pdf")
    assert_error(refused, 429, "error-too-many-requests")
    # Room is made as the first file's day passes, not before.
    assert int(refused.headers["Retry-After"]) > 86_000
    assert _uploads(services) == stored
    # What still fits, fits.
    assert _upload(visitor, rid, _pdf(300_000), "c.pdf", "application/pdf").status_code == 200


def test_a_file_larger_than_the_whole_daily_allowance_is_refused(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_upload_megabytes_per_address_per_day", 1)
    visitor, rid = _chat(services, anonymous, agent, "token-quota-address-bytes-0001")
    assert_error(
        _upload(visitor, rid, _pdf(1_200_000), "big.pdf", "application/pdf"), 429, "error-too-many-requests"
    )
    assert _uploads(services) == 0


def test_a_weighted_limit_waits_for_the_hit_whose_expiry_makes_room(services: Services) -> None:
    window = timedelta(hours=1)
    with services.transaction() as session:
        for amount in (40, 30, 20):
            rate_limits.hit_all(session, [rate_limits.Limit("bytes:t", 100, window, amount=amount)])
        rate_limits.hit_all(session, [rate_limits.Limit("bytes:t", 100, window, amount=10)])  # exactly full
        with pytest.raises(TooManyRequests):
            rate_limits.hit_all(session, [rate_limits.Limit("bytes:t", 100, window, amount=1)])
        with pytest.raises(TooManyRequests):
            rate_limits.hit_all(session, [rate_limits.Limit("bytes:t", 100, window, amount=101)])
        # A plain count is unchanged: the third of a limit of 2 is refused.
        rate_limits.hit(session, key="count:t", limit=2, window=window)
        rate_limits.hit(session, key="count:t", limit=2, window=window)
        with pytest.raises(TooManyRequests):
            rate_limits.hit(session, key="count:t", limit=2, window=window)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("198.51.100.4", "198.51.100.4"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.4", "198.51.100.4"),
        ("testclient", "testclient"),
    ],
)
def test_an_ipv6_address_counts_by_its_64(address: str, key: str) -> None:
    assert address_key(address) == key


def test_an_upload_refused_for_its_type_counts_against_no_quota(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_visitor_uploads_per_hour", 1)
    set_setting(services, "FileUpload_MediaTypeBlackList", "application/pdf")
    visitor, rid = _chat(services, anonymous, agent, "token-quota-refused-type-0001")
    assert_error(
        _upload(visitor, rid, _pdf(1_000), "a.pdf", "application/pdf"), 400, "error-type-not-allowed"
    )
    # The refused file left no hit behind: the one upload of the hour is still there.
    assert _upload(visitor, rid, _png(), "a.png", "image/png").status_code == 200
