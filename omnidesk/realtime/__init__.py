"""Realtime: DDP over a WebSocket at ``/websocket``, the subset Rocket.Chat's livechat SDK and agent
clients speak, fed by the event bus. See ``hub.py`` for how events reach the streams."""

from omnidesk.realtime.hub import Realtime
from omnidesk.realtime.options import RealtimeOptions

__all__ = ["Realtime", "RealtimeOptions"]
