"""A test client for the realtime simulator, and the strict check of every server event against the installed
`openai` SDK's own types. Needs neither Django nor pytest-django: the simulator's tests run without them."""

from __future__ import annotations

import asyncio
import base64
import json
import math
from array import array
from typing import Any

from openai.types.realtime import RealtimeServerEvent
from pydantic import BaseModel, TypeAdapter
from websockets.asyncio.client import ClientConnection

Event = dict[str, Any]
ADAPTER: TypeAdapter[Any] = TypeAdapter(RealtimeServerEvent)
RATE = 24000
# Fields the real GA service sends that the SDK's models do not declare (REALTIME.md §3 and §5, from a real
# wire log): random padding on delta events, and the session object's own id, kind and expiry.
UNDECLARED_OK = frozenset({"obfuscation", "session.object", "session.id", "session.expires_at"})


def _undeclared(model: Any, path: str) -> list[str]:
    """Paths of fields the SDK's models do not declare (the SDK's models accept extras silently)."""
    found: list[str] = []
    if isinstance(model, BaseModel):
        for key in model.model_extra or {}:
            if key not in UNDECLARED_OK and f"{path.rsplit('.', 1)[-1]}.{key}" not in UNDECLARED_OK:
                found.append(f"{path}.{key}")
        for name in type(model).model_fields:
            found += _undeclared(getattr(model, name), f"{path}.{name}")
    elif isinstance(model, list):
        for index, value in enumerate(model):
            found += _undeclared(value, f"{path}[{index}]")
    return found


def validate_strictly(event: Event) -> BaseModel:
    """The event parses as the union member its own `type` names, with an `event_…` id and no undeclared field."""
    assert isinstance(event.get("event_id"), str) and event["event_id"].startswith("event_"), event
    model = ADAPTER.validate_python(event)
    assert model.type == event["type"], (model.type, event["type"])
    extra = _undeclared(model, event["type"])
    assert not extra, f"fields the SDK does not declare: {extra}"
    return model  # type: ignore[no-any-return]


class RealtimeTestClient:
    """Sends dicts, receives strictly validated events, keeps a log of everything received."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.log: list[Event] = []

    async def send(self, **event: Any) -> None:
        await self.ws.send(json.dumps(event))

    async def recv(self, wait: float = 5.0) -> Event:
        event: Event = json.loads(await asyncio.wait_for(self.ws.recv(), wait))
        validate_strictly(event)
        self.log.append(event)
        return event

    async def until(self, type_: str, wait: float = 10.0) -> list[Event]:
        """Events up to and including the first of `type_`."""
        out: list[Event] = []
        while True:
            event = await self.recv(wait)
            out.append(event)
            if event["type"] == type_:
                return out

    async def ask(self, text: str, **response: Any) -> None:
        """Start a text turn: user item + response.create."""
        await self.send(
            type="conversation.item.create",
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
        )
        await self.send(type="response.create", **({"response": response} if response else {}))

    async def say(self, text: str, **response: Any) -> list[Event]:
        """A text turn; returns its events through response.done."""
        await self.ask(text, **response)
        return await self.until("response.done")

    async def append(self, pcm: bytes, chunk_ms: int = 40) -> None:
        step = chunk_ms * 48
        for i in range(0, len(pcm), step):
            await self.send(type="input_audio_buffer.append", audio=base64.b64encode(pcm[i : i + step]).decode())


def sine(ms: int, freq: float = 300.0, amplitude: int = 8000) -> bytes:
    n = ms * RATE // 1000
    return array("h", (int(amplitude * math.sin(2 * math.pi * freq * i / RATE)) for i in range(n))).tobytes()


def silence(ms: int) -> bytes:
    return b"\0\0" * (ms * RATE // 1000)


def types(events: list[Event]) -> list[str]:
    """Event types with runs of the same delta type collapsed (order check without counting deltas)."""
    out: list[str] = []
    for event in events:
        if not (out and out[-1] == event["type"] and event["type"].endswith(".delta")):
            out.append(event["type"])
    return out


def done(events: list[Event]) -> Event:
    return next(e for e in events if e["type"] == "response.done")["response"]
