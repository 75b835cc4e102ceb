"""Rate limits on verification codes: per address and per visitor in any sliding hour, 429 beyond, and
race-free under concurrent requests on both engines."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from omnidesk.actions import rate_limits
from omnidesk.db import utcnow
from omnidesk.errors import TooManyRequests
from omnidesk.models import ContactVerification, OutboundEmail, RateLimitHit
from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import Guest, guest, set_available, set_setting

VICTIM = "victim@example.com"
PER_ADDRESS = "Livechat_verification_codes_per_address_per_hour"
PER_VISITOR = "Livechat_verification_codes_per_visitor_per_hour"
TOO_MANY = re.compile(
    r"Error, too many requests\. Please slow down\. You must wait (\d+) seconds before trying this "
    r"endpoint again\. \[error-too-many-requests\]"
)


@pytest.fixture(autouse=True)
def _an_agent_serves(services: Services, agent: Persona) -> None:
    set_available(services, agent)


def _visitors(anonymous: TestClient, count: int, prefix: str = "limit") -> list[tuple[Guest, str]]:
    """Widget visitors, each with its own open room."""
    opened = []
    for index in range(count):
        visitor = guest(anonymous, f"token-{prefix}-{index}", widget=True)
        visitor.register(name=f"Visitor {prefix} {index}")
        opened.append((visitor, visitor.open_room()["_id"]))
    return opened


def _request(visitor: Guest, rid: str, email: str) -> Any:
    return visitor.client.post(
        "/api/v1/livechat/verification.request", json={"token": visitor.token, "rid": rid, "email": email}
    )


def _seconds_to_wait(response: Any) -> int:
    body = assert_error(response, 429, "error-too-many-requests")
    match = TOO_MANY.fullmatch(body["error"])
    assert match, body
    assert response.headers["Retry-After"] == match.group(1)  # the same wait, for HTTP clients
    return int(match.group(1))


def _emails_to(services: Services, address: str) -> int:
    with services.transaction() as session:
        return (
            session.scalar(
                select(func.count()).select_from(OutboundEmail).where(OutboundEmail.to_address == address)
            )
            or 0
        )


def _allow_resend(services: Services, rid: str) -> None:
    """Moves the room's last code out of the 30-second resend interval."""
    with services.transaction() as session:
        session.execute(
            update(ContactVerification)
            .where(ContactVerification.room_id == rid)
            .values(created_at=utcnow() - timedelta(minutes=1))
        )


def _age_hits(
    services: Services, by: timedelta, *, key: str | None = None, oldest: int | None = None
) -> None:
    """Moves recorded hits back in time (all of them, a key's, or that key's ``oldest`` ones)."""
    with services.transaction() as session:
        query = select(RateLimitHit)
        if key is not None:
            query = query.where(RateLimitHit.key == key)
        hits = session.scalars(query.order_by(RateLimitHit.created_at, RateLimitHit.id)).all()
        for hit in hits[:oldest] if oldest is not None else hits:
            hit.created_at -= by
            hit.expires_at -= by


def _hits(services: Services, key: str) -> int:
    with services.transaction() as session:
        return (
            session.scalar(select(func.count()).select_from(RateLimitHit).where(RateLimitHit.key == key)) or 0
        )


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Runs every call at once, each on its own thread; returns what they returned."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = calls[index]()
        except BaseException as error:  # reported by the caller
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_thirty_visitors_get_five_codes_sent_to_one_address(
    services: Services, anonymous: TestClient
) -> None:
    statuses = []
    for visitor, rid in _visitors(anonymous, 30):
        response = _request(visitor, rid, VICTIM)
        statuses.append(response.status_code)
        if response.status_code == 429:
            # The first code was sent moments ago: the address frees in (almost) an hour.
            assert 3590 <= _seconds_to_wait(response) <= 3600
    assert statuses == [200] * 5 + [429] * 25
    assert _emails_to(services, VICTIM) == 5


def test_one_visitor_gets_five_codes_for_different_addresses(
    services: Services, anonymous: TestClient
) -> None:
    ((visitor, rid),) = _visitors(anonymous, 1)
    for index in range(5):
        assert _request(visitor, rid, f"address-{index}@example.com").status_code == 200
        _allow_resend(services, rid)
    assert 3590 <= _seconds_to_wait(_request(visitor, rid, "address-5@example.com")) <= 3600
    assert _emails_to(services, "address-5@example.com") == 0
    with services.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboundEmail)) == 5


def test_the_resend_interval_and_code_replacement_still_hold(
    services: Services, anonymous: TestClient
) -> None:
    ((visitor, rid),) = _visitors(anonymous, 1)
    assert _request(visitor, rid, "first@example.com").status_code == 200
    assert_error(_request(visitor, rid, "first@example.com"), 400, "error-verification-too-soon")
    _allow_resend(services, rid)
    assert _request(visitor, rid, "second@example.com").status_code == 200
    with services.transaction() as session:
        values = session.scalars(select(ContactVerification.value).where(ContactVerification.room_id == rid))
        assert list(values) == ["second@example.com"]  # the new code replaced the first
    # A request refused for being too soon counted nothing.
    assert _hits(services, "verification-code:address:first@example.com") == 1
    assert _hits(services, "verification-code:address:second@example.com") == 1


def test_the_hour_slides_and_the_limit_frees_after_it(services: Services, anonymous: TestClient) -> None:
    key = f"verification-code:address:{VICTIM}"
    visitors = _visitors(anonymous, 9)
    for visitor, rid in visitors[:5]:
        assert _request(visitor, rid, VICTIM).status_code == 200
    sixth, sixth_room = visitors[5]

    # 59 minutes later, all five still count: a minute left to wait.
    _age_hits(services, timedelta(minutes=59), key=key)
    assert 55 <= _seconds_to_wait(_request(sixth, sixth_room, VICTIM)) <= 60

    # Once the oldest code is more than an hour old, exactly one more may be sent.
    _age_hits(services, timedelta(minutes=2), key=key, oldest=1)
    assert _request(sixth, sixth_room, VICTIM).status_code == 200
    seventh, seventh_room = visitors[6]
    assert 55 <= _seconds_to_wait(_request(seventh, seventh_room, VICTIM)) <= 60

    # When the whole hour has passed, the address is free again, and hits that no longer count are gone.
    _age_hits(services, timedelta(minutes=61), key=key)
    for visitor, rid in visitors[6:]:
        assert _request(visitor, rid, VICTIM).status_code == 200
    assert _hits(services, key) == 3
    assert _emails_to(services, VICTIM) == 5 + 1 + 3


def test_the_settings_change_the_limits(services: Services, anonymous: TestClient) -> None:
    set_setting(services, PER_ADDRESS, 2)
    visitors = _visitors(anonymous, 4)
    statuses = [_request(visitor, rid, VICTIM).status_code for visitor, rid in visitors]
    assert statuses == [200, 200, 429, 429]
    set_setting(services, PER_ADDRESS, 3)  # applies at once, to the codes already sent
    statuses = [_request(visitor, rid, VICTIM).status_code for visitor, rid in visitors[2:]]
    assert statuses == [200, 429]
    assert _emails_to(services, VICTIM) == 3

    # A limit below 1 is 1: it cannot be switched off.
    set_setting(services, PER_VISITOR, 0)
    ((visitor, rid),) = _visitors(anonymous, 1, prefix="zero")
    assert _request(visitor, rid, "one@example.com").status_code == 200
    _allow_resend(services, rid)
    assert_error(_request(visitor, rid, "two@example.com"), 429, "error-too-many-requests")
    set_setting(services, PER_VISITOR, -5)
    assert_error(_request(visitor, rid, "two@example.com"), 429, "error-too-many-requests")
    set_setting(services, PER_VISITOR, 2)
    assert _request(visitor, rid, "two@example.com").status_code == 200


def test_the_settings_are_integers_a_manager_can_change(
    services: Services, anonymous: TestClient, admin: Persona, manager: Persona
) -> None:
    for setting_id in (PER_ADDRESS, PER_VISITOR):
        shown = admin.get(f"/api/v1/settings/{setting_id}").json()
        assert (shown["_id"], shown["value"]) == (setting_id, 5)
        refused = manager.post(f"/api/v1/settings/{setting_id}", json={"value": "many"})
        assert_error(refused, 400, "error-invalid-setting-value")
    changed = manager.post(f"/api/v1/settings/{PER_ADDRESS}", json={"value": 1})
    assert changed.json() == {"success": True}
    first, second = _visitors(anonymous, 2)
    assert _request(*first, VICTIM).status_code == 200
    assert_error(_request(*second, VICTIM), 429, "error-too-many-requests")


def test_a_refused_request_leaves_no_code_no_email_and_no_hit(
    services: Services, anonymous: TestClient
) -> None:
    set_setting(services, PER_VISITOR, 1)
    ((visitor, rid),) = _visitors(anonymous, 1)
    assert _request(visitor, rid, "kept@example.com").status_code == 200
    _allow_resend(services, rid)
    with services.transaction() as session:
        hits_before = session.scalar(select(func.count()).select_from(RateLimitHit))

    assert_error(_request(visitor, rid, "refused@example.com"), 429, "error-too-many-requests")
    with services.transaction() as session:
        verifications = session.scalars(
            select(ContactVerification.value).where(ContactVerification.room_id == rid)
        ).all()
        assert verifications == ["kept@example.com"]  # the pending code was not replaced
        assert session.scalar(select(func.count()).select_from(RateLimitHit)) == hits_before
        emails = session.scalars(select(OutboundEmail.to_address).where(OutboundEmail.room_id == rid)).all()
        assert emails == ["kept@example.com"]
    assert _hits(services, "verification-code:address:refused@example.com") == 0

    # A room whose very first request is refused has no verification row at all.
    set_setting(services, PER_ADDRESS, 1)
    first, second = _visitors(anonymous, 2, prefix="fresh")
    assert _request(*first, VICTIM).status_code == 200
    assert_error(_request(*second, VICTIM), 429, "error-too-many-requests")
    with services.transaction() as session:
        assert (
            session.scalar(select(ContactVerification.id).where(ContactVerification.room_id == second[1]))
            is None
        )
        assert session.scalar(select(OutboundEmail.id).where(OutboundEmail.room_id == second[1])) is None
    assert _emails_to(services, VICTIM) == 1


def test_concurrent_requests_for_one_address_send_at_most_the_limit(
    services: Services, anonymous: TestClient
) -> None:
    visitors = _visitors(anonymous, 30)
    results = _race(
        [lambda visitor=visitor, rid=rid: _request(visitor, rid, VICTIM) for visitor, rid in visitors]
    )
    statuses = Counter(getattr(result, "status_code", repr(result)) for result in results)
    assert statuses == {200: 5, 429: 25}
    assert _emails_to(services, VICTIM) == 5
    assert _hits(services, f"verification-code:address:{VICTIM}") == 5


def test_concurrent_requests_of_one_visitor_send_one_code(services: Services, anonymous: TestClient) -> None:
    ((visitor, rid),) = _visitors(anonymous, 1)
    addresses = [f"many-{index}@example.com" for index in range(10)]
    results = _race([lambda address=address: _request(visitor, rid, address) for address in addresses])
    statuses = Counter(getattr(result, "status_code", repr(result)) for result in results)
    assert statuses == {200: 1, 400: 9}  # the resend interval holds, concurrently too
    for result in results:
        if result.status_code == 400:
            assert result.json()["errorType"] == "error-verification-too-soon"
    with services.transaction() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(ContactVerification)
                .where(ContactVerification.room_id == rid)
            )
            == 1
        )
        assert session.scalar(select(func.count()).select_from(OutboundEmail)) == 1


def test_hit_counts_concurrent_transactions_one_at_a_time(services: Services) -> None:
    """The generic limiter, each caller in its own transaction on its own connection."""

    def one_hit() -> bool:
        try:
            with services.transaction() as session:
                rate_limits.hit(session, key="login:ada", limit=7, window=timedelta(minutes=10))
        except TooManyRequests:
            return False
        return True

    results = _race([one_hit] * 20)
    assert Counter(results) == {True: 7, False: 13}, results
    assert _hits(services, "login:ada") == 7


def test_hit_all_counts_every_limit_or_none(services: Services) -> None:
    hour = timedelta(hours=1)
    with services.transaction() as session:
        rate_limits.hit(session, key="b", limit=1, window=hour)
    with pytest.raises(TooManyRequests) as refused, services.transaction() as session:
        rate_limits.hit_all(session, [rate_limits.Limit("a", 5, hour), rate_limits.Limit("b", 1, hour)])
    assert 3590 <= refused.value.retry_after <= 3600
    assert (_hits(services, "a"), _hits(services, "b")) == (0, 1)

    # Expired hits of any key are pruned by the next hit recorded.
    _age_hits(services, timedelta(hours=2))
    with services.transaction() as session:
        rate_limits.hit_all(session, [rate_limits.Limit("a", 5, hour), rate_limits.Limit("b", 1, hour)])
        rate_limits.hit(session, key="c", limit=1, window=hour)
    assert (_hits(services, "a"), _hits(services, "b"), _hits(services, "c")) == (1, 1, 1)
