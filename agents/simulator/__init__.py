"""Protocol-faithful simulator of the OpenAI Realtime API (GA) over WebSocket.

Pure Python + ``websockets``; no Django imports, so it runs in any process. See docs/simulator.md.
"""

from __future__ import annotations

from .server import RealtimeSimulator, start_in_thread

__all__ = ["RealtimeSimulator", "start_in_thread"]
