"""Unsent staff uploads expire (``actions/uploads.expire_unsent_uploads``). Every process runs the
sweep every few minutes; each row is deleted by one sweep (one DELETE that decides and returns what it
took), and its bytes go once that sweep commits, so sweeps in several processes need no turn."""

from __future__ import annotations

from omnidesk.actions.uploads import expire_unsent_uploads
from omnidesk.services import Services
from omnidesk.workers.periodic import PeriodicWorker


def run_upload_expiry(services: Services) -> int:
    with services.transaction() as session:
        return expire_unsent_uploads(session)


def upload_expiry(services: Services, *, interval: float = 300.0) -> PeriodicWorker:
    return PeriodicWorker("upload-expiry", run_upload_expiry, services, interval=interval)
