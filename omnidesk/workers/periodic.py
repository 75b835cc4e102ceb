"""Background threads that `omnidesk serve` runs beside the web server: each calls one function every
few seconds until stopped (delivering queued email, reading email inboxes, ...).

They are started by the command, not by the app, so tests decide when such work happens.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from omnidesk.services import Services

log = logging.getLogger(__name__)


class PeriodicWorker:
    """Calls ``tick(services)`` every ``interval`` seconds on a daemon thread until ``stop``."""

    def __init__(
        self, name: str, tick: Callable[[Services], object], services: Services, *, interval: float = 5.0
    ) -> None:
        self.name = name
        self.tick = tick
        self.services = services
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"omnidesk-{self.name}", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Work now rather than at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick(self.services)
            except Exception:  # a broken tick (database down, ...) must not end the worker
                log.exception("Background work %r failed", self.name)
            self._wake.wait(self.interval)
            self._wake.clear()
