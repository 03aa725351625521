"""The bare relay baseline: about 40 lines of `websockets` piping both ways, no parsing, run in its own process."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed


# The bare relay: what a minimal relay costs. The visitor leg is uncompressed like Daphne's; the upstream leg uses
# the same `connect` options as AgentSession.open.
def bare_main(ready: Any, upstream: str) -> None:
    async def pump(source: Any, target: Any) -> None:
        try:
            async for message in source:
                await target.send(message)
        except ConnectionClosed:
            pass

    async def handler(client: Any) -> None:
        query = urlsplit(client.request.path).query
        headers = {"Authorization": client.request.headers.get("Authorization", "")}
        async with connect(
            f"{upstream}?{query}", additional_headers=headers, max_size=None, open_timeout=10, close_timeout=2
        ) as up:
            tasks = [asyncio.create_task(pump(client, up)), asyncio.create_task(pump(up, client))]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                task.cancel()

    async def run() -> None:
        async with serve(handler, "127.0.0.1", 0, max_size=None, compression=None) as server:
            ready.put(next(iter(server.sockets)).getsockname()[1])
            await asyncio.Future()

    asyncio.run(run())
