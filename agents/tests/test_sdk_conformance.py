"""Conformance: the `openai` SDK's own realtime client (`AsyncOpenAI().realtime.connect`) talks to the simulator
through its connection helpers, and every event it receives validates strictly against the SDK's types."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from openai import AsyncOpenAI

from agents.simulator import RealtimeSimulator
from tests.support.realtime_client import Event, silence, sine, validate_strictly

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


class Sdk:
    """An SDK connection plus a strict log of what it received."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.log: list[Event] = []

    async def until(self, kind: str) -> list[Event]:
        out: list[Event] = []
        while True:
            raw = await self.conn.recv_bytes()
            event = json.loads(raw)
            validate_strictly(event)
            assert self.conn.parse_event(raw).type == event["type"]  # the SDK's own parser agrees
            out.append(event)
            self.log.append(event)
            if event["type"] == kind:
                return out


@pytest_asyncio.fixture
async def sdk_factory() -> AsyncIterator[Any]:
    simulators: list[RealtimeSimulator] = []

    async def open_(factor: float = 0) -> AsyncIterator[Sdk]:
        simulator = RealtimeSimulator(audio_realtime_factor=factor, voice="tone")
        await simulator.start()
        simulators.append(simulator)
        client = AsyncOpenAI(api_key="sk-test", websocket_base_url=simulator.url.removesuffix("/realtime"))
        async with client.realtime.connect(model="gpt-realtime") as conn:
            sdk = Sdk(conn)
            assert (await sdk.until("session.created"))[-1]["session"]["model"] == "gpt-realtime"
            yield sdk

    yield open_
    for simulator in simulators:
        await simulator.stop()


async def test_session_update_and_a_text_turn(sdk_factory: Any) -> None:
    async for sdk in sdk_factory():
        await sdk.conn.session.update(
            session={"type": "realtime", "instructions": "Be brief.", "output_modalities": ["text"]},
            event_id="evt_update",
        )
        updated = (await sdk.until("session.updated"))[-1]["session"]
        assert updated["instructions"] == "Be brief." and updated["output_modalities"] == ["text"]
        await sdk.conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi there"}]}
        )
        await sdk.conn.response.create()
        done = (await sdk.until("response.done"))[-1]["response"]
        assert done["status"] == "completed" and "hi there" in done["output"][0]["content"][0]["text"]


async def test_a_seeded_conversation_as_a_continued_session_sends_it(sdk_factory: Any) -> None:
    """The relay seeds a continued session with earlier messages (agents/resume.py): the visitor's as input_text,
    the agent's as output_text, with ids of its own. The SDK's own types accept the echoes, and the answer comes
    from the seeded conversation."""
    async for sdk in sdk_factory():
        await sdk.conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        await sdk.until("session.updated")
        seed = [("user", "input_text", "do you sell tents"), ("assistant", "output_text", "Yes, six of them.")]
        for index, (role, kind, text) in enumerate(seed):
            item = {"id": f"seed_abcdef12_{index:03d}", "type": "message", "role": role}
            await sdk.conn.conversation.item.create(item={**item, "content": [{"type": kind, "text": text}]})
            done = (await sdk.until("conversation.item.done"))[-1]["item"]
            assert done["id"] == f"seed_abcdef12_{index:03d}" and done["content"] == [{"type": kind, "text": text}]
        await sdk.conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "what did I ask?"}]}
        )
        await sdk.conn.response.create()
        done = (await sdk.until("response.done"))[-1]["response"]
        assert done["output"][0]["content"][0]["text"] == (
            "Earlier you asked: “do you sell tents”. Our conversation has 2 messages before this one."
        )


async def test_an_audio_turn_with_server_vad(sdk_factory: Any) -> None:
    async for sdk in sdk_factory():
        await sdk.conn.session.update(
            session={"type": "realtime", "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}}
        )
        await sdk.until("session.updated")
        audio = silence(400) + sine(300) + silence(600)
        for start in range(0, len(audio), 1920):
            await sdk.conn.input_audio_buffer.append(audio=base64.b64encode(audio[start : start + 1920]).decode())
        events = await sdk.until("response.done")
        kinds = [e["type"] for e in events]
        assert kinds[:3] == [
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
            "input_audio_buffer.committed",
        ]
        assert "conversation.item.input_audio_transcription.completed" in kinds
        assert "response.output_audio.delta" in kinds and events[-1]["response"]["status"] == "completed"


async def test_a_tool_round_trip(sdk_factory: Any) -> None:
    async for sdk in sdk_factory():
        await sdk.conn.session.update(session={"type": "realtime", "tools": [WEATHER]})
        await sdk.until("session.updated")
        await sdk.conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "weather in Paris"}]}
        )
        await sdk.conn.response.create()
        call = (await sdk.until("response.done"))[-1]["response"]["output"][0]
        assert call["type"] == "function_call" and json.loads(call["arguments"]) == {"city": "paris"}
        await sdk.conn.conversation.item.create(
            item={"type": "function_call_output", "call_id": call["call_id"], "output": '{"temp_c": 21}'}
        )
        await sdk.until("conversation.item.done")
        await sdk.conn.response.create()
        answer = (await sdk.until("response.done"))[-1]["response"]
        assert answer["output"][0]["content"][0]["transcript"] == "Here is what I found: temp c 21."


async def test_cancel_then_an_immediate_create_is_refused_until_the_done(sdk_factory: Any) -> None:
    async for sdk in sdk_factory(factor=10):
        await sdk.conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "talk " * 60}]}
        )
        await sdk.conn.response.create()
        await sdk.until("response.output_audio.delta")
        await sdk.conn.response.cancel(event_id="evt_cancel")
        await sdk.conn.response.create(event_id="evt_create")
        events = await sdk.until("response.done")
        error = next(e for e in events if e["type"] == "error")["error"]
        assert error["code"] == "conversation_already_has_active_response" and error["event_id"] == "evt_create"
        assert events[-1]["response"]["status"] == "cancelled"
        await sdk.conn.response.create()  # after the done: accepted
        assert (await sdk.until("response.done"))[-1]["response"]["status"] == "completed"


async def test_truncate(sdk_factory: Any) -> None:
    async for sdk in sdk_factory():
        await sdk.conn.response.create()  # the greeting-style reply: audio
        item = (await sdk.until("response.done"))[-1]["response"]["output"][0]
        await sdk.conn.conversation.item.truncate(item_id=item["id"], content_index=0, audio_end_ms=200)
        truncated = (await sdk.until("conversation.item.truncated"))[-1]
        assert truncated["item_id"] == item["id"] and truncated["audio_end_ms"] == 200
        await sdk.conn.conversation.item.truncate(
            item_id=item["id"], content_index=0, audio_end_ms=10**6, event_id="evt_long"
        )
        assert (await sdk.until("error"))[-1]["error"]["event_id"] == "evt_long"
