"""The realtime layer's limits and timings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RealtimeOptions:
    heartbeat_interval: float = 25.0  # ping a client that has been quiet this long (seconds)
    idle_timeout: float = 60.0  # drop a client quiet this long, or that never sent ``connect``
    queue_size: int = 1000  # frames waiting for one client; more and the client is dropped
    send_timeout: float = 10.0  # one frame may take this long to write before the client is dropped
    max_frame_size: int = 256 * 1024
    max_subscriptions: int = 500  # per connection
    db_threads: int = 8  # worker threads the realtime layer may use at once (REST has its own)
    max_pending_events: int = 100_000
    # Each process renews its place in the cluster's presence this often; one silent for ttl is dead.
    presence_heartbeat: float = 5.0
    presence_ttl: float = 15.0
