"""How much visitors may upload: the widget is open to anyone, so without a bound one script could fill
the file store. Each visitor, and each client address (a script can make visitors at will), has a number
of uploads per hour and a number of megabytes per day; an upload over any of them is refused with 429
and its ``Retry-After`` before anything is stored. The limits are workspace settings (at least 1)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from sqlalchemy.orm import Session

from omnidesk.actions import rate_limits
from omnidesk.queries.settings import limit_setting

UPLOADS_WINDOW = timedelta(hours=1)
BYTES_WINDOW = timedelta(days=1)
MEGABYTE = 1_000_000

PER_VISITOR_UPLOADS = "Livechat_visitor_uploads_per_hour"
PER_ADDRESS_UPLOADS = "Livechat_uploads_per_address_per_hour"
PER_VISITOR_MEGABYTES = "Livechat_visitor_upload_megabytes_per_day"
PER_ADDRESS_MEGABYTES = "Livechat_upload_megabytes_per_address_per_day"


def address_key(client_address: str) -> str:
    """An IPv6 address counts by its /64: one customer line is given a whole /64 and could otherwise
    take a fresh address for every upload."""
    try:
        address = ipaddress.ip_address(client_address)
    except ValueError:
        return client_address
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def count_visitor_upload(session: Session, *, visitor_id: str, client_address: str, size: int) -> None:
    """Count an upload of ``size`` bytes against the visitor's and the address's limits, or raise
    ``TooManyRequests`` and count nothing."""
    address = address_key(client_address)
    rate_limits.hit_all(
        session,
        [
            rate_limits.Limit(
                key=f"uploads:visitor:{visitor_id}",
                limit=limit_setting(session, PER_VISITOR_UPLOADS),
                window=UPLOADS_WINDOW,
            ),
            rate_limits.Limit(
                key=f"uploads:address:{address}",
                limit=limit_setting(session, PER_ADDRESS_UPLOADS),
                window=UPLOADS_WINDOW,
            ),
            rate_limits.Limit(
                key=f"upload-bytes:visitor:{visitor_id}",
                limit=limit_setting(session, PER_VISITOR_MEGABYTES) * MEGABYTE,
                window=BYTES_WINDOW,
                amount=size,
            ),
            rate_limits.Limit(
                key=f"upload-bytes:address:{address}",
                limit=limit_setting(session, PER_ADDRESS_MEGABYTES) * MEGABYTE,
                window=BYTES_WINDOW,
                amount=size,
            ),
        ],
    )
