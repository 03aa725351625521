"""A visitor's voice socket, as the widget opens it. Needs `websockets` only: the benches import this outside
pytest and Django."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from agents.protocol import SUBPROTOCOL, TOKEN_PREFIX
from tests.support.servers import LiveServer


async def voice_connect(url: str, token: str, *, origin: str, **options: Any) -> ClientConnection:
    """Open the voice socket the widget's way: the platform's subprotocol, the token as a second one."""
    return await connect(
        url,
        subprotocols=[SUBPROTOCOL, f"{TOKEN_PREFIX}{token}"],  # type: ignore[list-item]
        origin=origin,  # type: ignore[arg-type]
        max_size=None,
        **options,
    )


@dataclass
class VoiceClient:
    """A visitor's socket: records every event it receives."""

    ws: ClientConnection
    events: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, event: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(event))

    async def say(self, text: str) -> None:
        await self.send(
            {
                "type": "conversation.item.create",
                "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
            }
        )

    async def until(self, predicate: Any, timeout: float = 15.0) -> dict[str, Any]:
        """Read events until one matches; returns it."""
        async with asyncio.timeout(timeout):
            while True:
                event = json.loads(await self.ws.recv())
                self.events.append(event)
                if predicate(event):
                    return event

    async def until_type(self, kind: str, timeout: float = 15.0) -> dict[str, Any]:
        return await self.until(lambda e: e.get("type") == kind, timeout)

    def types(self) -> list[str]:
        return [e.get("type", "") for e in self.events]


async def open_voice(server: LiveServer, token: str) -> VoiceClient:
    return VoiceClient(await voice_connect(server.ws, token, origin=server.http))
