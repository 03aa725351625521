"""The load clients: one WebSocket session per `Client` on a `Target` path, and the closed and open loops they run."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.relay.constants import BATCH, CLEAR, ORIGIN, PROBE_EVERY, SILENCE
from tests.support.voice import voice_connect


@dataclass
class Target:
    """How to open one session on one path: `platform` (Daphne), `bare` or `direct` (the simulator itself)."""

    name: str
    url: str
    tokens: list[str] = field(default_factory=list)
    session_update: dict[str, Any] | None = None
    greeting: str = ""


def _kind(raw: str) -> str:
    head = raw[:64]
    start = head.find('"type"')
    if start < 0:
        return ""
    first = head.find('"', head.find(":", start) + 1)
    return head[first + 1 : head.find('"', first + 1)]


class Client:
    def __init__(self, ws: Any, target: Target) -> None:
        self.ws, self.target = ws, target
        self.cleared = asyncio.Event()
        self.done = asyncio.Event()
        self.clears_in_flight = 0
        self.probe_sent: list[float] = []
        self.rtts: list[float] = []
        self.measuring = False
        self.turns = 0
        self.appends = 0
        self.clears = 0
        self.deltas: list[float] = []
        self.record_deltas = False
        self.tool_events: list[tuple[str, float]] = []
        self.tool_finished = asyncio.Event()
        self.reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def open(cls, target: Target, token: str | None = None) -> Client:
        if target.name == "platform":
            assert token is not None
            ws = await voice_connect(target.url, token, origin=ORIGIN, compression=None)
        else:
            ws = await connect(
                f"{target.url}?model=gpt-realtime",
                additional_headers={"Authorization": "Bearer sk-bench"},
                max_size=None,
                compression=None,
            )
        client = cls(ws, target)
        if target.name != "platform":  # do upstream what the platform does on open
            await ws.send(json.dumps({"type": "session.update", "session": target.session_update}))
            if target.greeting:
                await ws.send(
                    json.dumps(
                        {
                            "type": "response.create",
                            "response": {"instructions": f"Greet the visitor with exactly: {target.greeting}"},
                        }
                    )
                )
        return client

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                kind = _kind(raw)
                if kind == "response.output_audio.delta":
                    if self.record_deltas:
                        self.deltas.append(time.perf_counter())
                elif kind == "input_audio_buffer.cleared":
                    now = time.perf_counter()
                    self.clears_in_flight -= 1
                    if self.probe_sent:
                        sent = self.probe_sent.pop(0)
                        if self.measuring and sent:
                            self.rtts.append(now - sent)
                    self.cleared.set()
                elif kind == "response.done":
                    self.turns += 1
                    self.done.set()
                elif kind == "platform.tool":
                    status = json.loads(raw)["status"]
                    self.tool_events.append((status, time.perf_counter()))
                    if status in ("ok", "error"):
                        self.tool_finished.set()
                elif kind == "platform.ended":
                    print(f"  session ended: {raw[:120]}", file=sys.stderr)
        except ConnectionClosed:
            pass

    async def say(self, text: str) -> None:
        self.done.clear()
        await self.ws.send(
            json.dumps(
                {
                    "type": "conversation.item.create",
                    "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
                }
            )
        )
        if self.target.name != "platform":
            await self.ws.send(json.dumps({"type": "response.create"}))

    async def append(self) -> None:
        self.appends += 1
        await self.ws.send(SILENCE)

    async def clear(self, probe: bool) -> None:
        self.clears += 1
        self.clears_in_flight += 1
        self.probe_sent.append(time.perf_counter() if probe else 0.0)
        await self.ws.send(CLEAR)

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def open_all(target: Target, count: int) -> list[Client]:
    clients = []
    for _ in range(count):  # one at a time: admission is not what is measured
        clients.append(await Client.open(target, target.tokens.pop() if target.tokens else None))
    await asyncio.wait_for(asyncio.gather(*(c.done.wait() for c in clients)), 20)  # greetings done
    return clients


async def close_all(clients: list[Client]) -> None:
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    await asyncio.sleep(0.5)


async def saturate(client: Client, stop: asyncio.Event) -> None:
    async def up() -> None:
        while not stop.is_set():
            for _ in range(BATCH):
                await client.append()
            client.cleared.clear()
            await client.clear(probe=False)
            while client.clears_in_flight > 1 and not stop.is_set():
                await client.cleared.wait()
                client.cleared.clear()

    async def down() -> None:
        while not stop.is_set():
            await client.say("hello")
            await client.done.wait()

    await asyncio.gather(up(), down())


async def open_loop(client: Client, stop: asyncio.Event, appends_per_s: float, turns_per_s: float) -> None:
    async def every(period: float, action: Any) -> None:
        await asyncio.sleep(period * (0.1 + 0.9 * (hash(client) % 97) / 97))  # spread the sessions
        due = time.perf_counter()
        while not stop.is_set():
            await action()
            due += period
            await asyncio.sleep(max(0.0, due - time.perf_counter()))

    async def turn() -> None:
        if client.done.is_set():  # one response at a time, as a visitor would
            await client.say("hello")

    client.done.set()
    jobs = [every(PROBE_EVERY, lambda: client.clear(probe=True))]
    if appends_per_s > 0:
        jobs.append(every(1 / appends_per_s, client.append))
    if turns_per_s > 0:
        jobs.append(every(1 / turns_per_s, turn))
    await asyncio.gather(*jobs)
