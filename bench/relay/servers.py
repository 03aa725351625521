"""The other servers the relay benchmark starts: the realtime simulator (counting frames, pace switchable) and
SecantusDB, each in its own process, and the slow tool's HTTP endpoint.
"""

from __future__ import annotations

import asyncio
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from bench.relay.constants import TOOL_SLEEP

# --- child processes: the simulator and SecantusDB --------------------------------------------------------------


def simulator_main(ready: Any, factor: Any, received: Any, sent: Any) -> None:
    # Deferred: this runs in a child process of its own, which alone needs the simulator (or the MongoDB server).
    from agents.simulator import RealtimeSimulator
    from agents.simulator import session as sim

    emit, handle = sim.RealtimeSession.emit, sim.RealtimeSession.handle

    async def counted_emit(self: Any, type_: str, **fields: Any) -> None:
        sent.value += 1
        await emit(self, type_, **fields)

    async def counted_handle(self: Any, raw: Any) -> None:
        received.value += 1
        await handle(self, raw)

    sim.RealtimeSession.emit, sim.RealtimeSession.handle = counted_emit, counted_handle  # type: ignore[method-assign]
    sim.RealtimeSession.realtime_factor = property(lambda self: factor.value, lambda self, value: None)  # type: ignore

    async def run() -> None:
        server = RealtimeSimulator(voice="tone")
        ready.put(await server.start("127.0.0.1", 0))
        await asyncio.Future()

    asyncio.run(run())


def mongo_main(ready: Any) -> None:
    from secantus import SecantusDBServer

    server = SecantusDBServer(port=0, storage_path=":memory:")
    server.start()
    ready.put(f"mongodb://{server.address[0]}:{server.address[1]}/bench_relay")
    server.wait()


# --- the slow tool's HTTP endpoint ----------------------------------------------------------------------------


class SlowHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(TOOL_SLEEP)
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass
