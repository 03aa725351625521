"""Behaviour tests for the Realtime simulator, through real WebSocket clients (no Django, no mocks)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
from array import array
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from openai import AsyncOpenAI
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from agents.simulator import RealtimeSimulator, start_in_thread
from agents.simulator.speech import VoiceKind
from tests.support.realtime_client import Event, RealtimeTestClient, done, silence, sine, types

pytestmark = pytest.mark.slow  # a simulator server per test; no SQL, so it runs once, in the PostgreSQL pass


SEARCH_TOOL = {
    "type": "function",
    "name": "search_products",
    "description": "Search the product catalog",
    "parameters": {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "sort": {"type": "string", "enum": ["relevance", "cheapest", "priciest"]},
        },
        "additionalProperties": False,
    },
}
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


class Client(RealtimeTestClient):
    """The shared test client, plus the check that nothing arrives for a moment."""

    async def quiet(self, seconds: float = 0.2) -> None:
        """Assert nothing arrives for a moment."""
        with pytest.raises(TimeoutError):
            event = await self.recv(seconds)
            pytest.fail(f"unexpected event {event['type']}")


def check_usage(usage: Event) -> None:
    ind, outd = usage["input_token_details"], usage["output_token_details"]
    cached = ind["cached_tokens_details"]
    assert usage["input_tokens"] == ind["text_tokens"] + ind["audio_tokens"] + ind["image_tokens"]
    assert usage["output_tokens"] == outd["text_tokens"] + outd["audio_tokens"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert ind["cached_tokens"] == cached["text_tokens"] + cached["audio_tokens"] + cached["image_tokens"]
    for kind in ("text_tokens", "audio_tokens", "image_tokens"):
        assert 0 <= cached[kind] <= ind[kind]


@contextlib.asynccontextmanager
async def running(audio_realtime_factor: float, voice: VoiceKind = "tone") -> AsyncIterator[RealtimeSimulator]:
    # The tone: these tests are about the protocol, and eSpeak made them cost 60 % more CPU
    # (test_simulator_speech.py checks the speech).
    simulator = RealtimeSimulator(audio_realtime_factor=audio_realtime_factor, voice=voice)
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[RealtimeSimulator]:
    async with running(0) as simulator:  # audio as fast as it can be made
        yield simulator


@pytest_asyncio.fixture
async def paced() -> AsyncIterator[RealtimeSimulator]:
    async with running(10) as simulator:  # audio at 10x real time, so barge-in can land mid-reply
        yield simulator


async def open_client(simulator: RealtimeSimulator, key: str | None = "sk-test") -> Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    ws = await connect(f"{simulator.url}?model=gpt-realtime", additional_headers=headers, max_size=None)
    return Client(ws)


@pytest_asyncio.fixture
async def client(sim: RealtimeSimulator) -> AsyncIterator[Client]:
    c = await open_client(sim)
    created = await c.recv()
    assert created["type"] == "session.created"
    yield c
    await c.ws.close()


# --- session -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_session_created_is_the_full_ga_default(sim: RealtimeSimulator) -> None:
    c = await open_client(sim)
    session = (await c.recv())["session"]
    assert session["type"] == "realtime" and session["id"].startswith("sess_")
    assert session["model"] == "gpt-realtime" and session["output_modalities"] == ["audio"]
    assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert session["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert session["audio"]["output"]["voice"] == "alloy"
    assert session["tools"] == [] and session["tool_choice"] == "auto"
    assert session["expires_at"] > 0
    await c.ws.close()


@pytest.mark.asyncio
async def test_session_update_deep_merges_and_refuses(client: Client) -> None:
    await client.send(
        type="session.update",
        session={
            "type": "realtime",
            "instructions": "Be brief.",
            "tools": [WEATHER_TOOL],
            "audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 500}}},
        },
    )
    s = (await client.recv())["session"]
    td = s["audio"]["input"]["turn_detection"]
    assert s["instructions"] == "Be brief." and len(s["tools"]) == 1
    assert td["silence_duration_ms"] == 500 and td["threshold"] == 0.5 and td["create_response"] is True
    assert s["audio"]["output"]["voice"] == "alloy"  # untouched sibling survives

    await client.send(type="session.update", session={"type": "realtime", "audio": {"output": {"voice": "marin"}}})
    s = (await client.recv())["session"]
    assert s["audio"]["output"]["voice"] == "marin" and s["instructions"] == "Be brief."

    await client.send(
        type="session.update",
        session={
            "type": "realtime",
            "instructions": "",
            "tools": [],
            "audio": {"input": {"turn_detection": None}},
        },
    )
    s = (await client.recv())["session"]
    assert s["instructions"] == "" and s["tools"] == [] and s["audio"]["input"]["turn_detection"] is None

    await client.send(type="session.update", event_id="evt_model", session={"type": "realtime", "model": "gpt-x"})
    err = await client.recv()
    assert err["type"] == "error" and err["error"]["event_id"] == "evt_model"

    await client.say("hello", output_modalities=["audio"])
    await client.send(
        type="session.update",
        event_id="evt_voice",
        session={"type": "realtime", "audio": {"output": {"voice": "cedar"}}},
    )
    err = await client.recv()
    assert err["error"]["code"] == "cannot_update_voice" and err["error"]["event_id"] == "evt_voice"
    await client.send(type="session.update", session={"type": "realtime", "instructions": "still open"})
    assert (await client.recv())["session"]["instructions"] == "still open"


# --- text turns ----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_text_turn_text_modality_event_order(client: Client) -> None:
    events = await client.say("What are your opening hours?", output_modalities=["text"])
    assert types(events) == [
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
        "rate_limits.updated",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "conversation.item.done",
        "response.output_item.done",
        "response.done",
    ]
    assert events[0]["item"]["status"] == "completed" and events[0]["item"]["role"] == "user"
    created = events[2]["response"]
    assert created["status"] == "in_progress" and created["output"] == [] and created["usage"] is None
    assert events[3]["rate_limits"][0]["name"] == "tokens"
    assert events[4]["item"]["status"] == "in_progress" and events[4]["item"]["content"] == []
    assert events[6]["part"] == {"type": "text", "text": ""}
    deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    assert len(deltas) > 3 and all("obfuscation" in e for e in deltas)
    text = "".join(e["delta"] for e in deltas)
    assert text == next(e for e in events if e["type"] == "response.output_text.done")["text"]
    assert text.startswith("I'm the offline demo without an AI service") and "What are your opening hours" in text
    resp = done(events)
    assert resp["status"] == "completed" and resp["id"] == created["id"]
    assert resp["output"][0]["content"] == [{"type": "output_text", "text": text}]
    assert resp["usage"]["output_token_details"] == {
        "text_tokens": math.ceil(len(text) / 4),
        "audio_tokens": 0,
    }
    check_usage(resp["usage"])


@pytest.mark.asyncio
async def test_text_turn_audio_modality_event_order_and_audio(client: Client) -> None:
    events = await client.say("Tell me a joke")
    assert types(events)[:7] == [
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
        "rate_limits.updated",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
    ]
    assert types(events)[-6:] == [
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "conversation.item.done",
        "response.output_item.done",
        "response.done",
    ]
    middle = {e["type"] for e in events[7:-6]}
    assert middle == {"response.output_audio.delta", "response.output_audio_transcript.delta"}
    assert events[6]["part"] == {"type": "audio", "transcript": ""}
    pcm = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
    samples = array("h", pcm)
    assert max(abs(s) for s in samples) > 1000  # a real tone, not silence
    transcript = "".join(e["delta"] for e in events if e["type"] == "response.output_audio_transcript.delta")
    resp = done(events)
    assert resp["output"][0]["content"] == [{"type": "output_audio", "transcript": transcript}]
    usage = resp["usage"]
    assert usage["output_token_details"]["audio_tokens"] == len(pcm) // 48 // 50
    assert len(pcm) // 48 == min(60 * len(transcript), 20000) + (-min(60 * len(transcript), 20000)) % 50
    check_usage(usage)


# --- audio turns ---------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_audio_turn_with_server_vad(client: Client) -> None:
    await client.send(
        type="session.update",
        session={
            "type": "realtime",
            "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}},
        },
    )
    await client.recv()
    await client.append(silence(500) + sine(800) + silence(800))
    events = await client.until("response.done")
    assert types(events)[:5] == [
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    started, stopped, committed, added = events[0], events[1], events[2], events[3]
    assert started["audio_start_ms"] == 500 - 300  # prefix padding
    assert stopped["audio_end_ms"] == 1300 + 200  # silence_duration_ms
    assert started["item_id"] == stopped["item_id"] == committed["item_id"] == added["item"]["id"]
    assert added["item"]["content"] == [{"type": "input_audio", "transcript": None}]
    assert "response.created" in types(events)
    # 1.3 s of speech: its transcription is slower than the reply and arrives after the response.done.
    assert not any(e["type"].startswith("conversation.item.input_audio_transcription") for e in events)
    late = await client.until("conversation.item.input_audio_transcription.completed")
    completed = late[-1]
    assert completed["item_id"] == added["item"]["id"]
    assert completed["transcript"] == "(voice message, 1.3 s)" and completed["usage"]["type"] == "tokens"
    assert types(late) == [
        "conversation.item.input_audio_transcription.delta",
        "conversation.item.input_audio_transcription.completed",
    ]
    pcm = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
    resp = done(events)
    usage = resp["usage"]
    assert len(pcm) == usage["output_token_details"]["audio_tokens"] * 50 * 48
    assert usage["input_token_details"]["audio_tokens"] == 13  # 1300 ms of user audio
    assert "offline demo and can't understand speech" in resp["output"][0]["content"][0]["transcript"]
    check_usage(usage)


@pytest.mark.asyncio
async def test_manual_commit_with_vad_off(client: Client) -> None:
    await client.send(type="session.update", session={"type": "realtime", "audio": {"input": {"turn_detection": None}}})
    await client.recv()
    await client.append(sine(60))
    await client.send(type="input_audio_buffer.commit", event_id="evt_c1")
    err = await client.recv()
    assert err["error"]["code"] == "input_audio_buffer_commit_empty" and err["error"]["event_id"] == "evt_c1"
    await client.append(sine(400))  # loud, but VAD is off: nothing happens by itself
    await client.quiet()
    await client.send(type="input_audio_buffer.commit")
    events = [await client.recv() for _ in range(3)]
    assert types(events) == [
        "input_audio_buffer.committed",
        "conversation.item.added",
        "conversation.item.done",
    ]
    await client.quiet()  # no automatic response
    await client.append(sine(200))
    await client.send(type="input_audio_buffer.clear")
    assert (await client.recv())["type"] == "input_audio_buffer.cleared"
    await client.send(type="input_audio_buffer.commit")
    assert (await client.recv())["error"]["code"] == "input_audio_buffer_commit_empty"
    await client.send(type="response.create")
    resp = done(await client.until("response.done"))
    assert resp["usage"]["input_token_details"]["audio_tokens"] == 5  # 460 ms committed earlier


# --- function calls ------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_function_call_turn_and_follow_up(client: Client) -> None:
    await client.send(type="session.update", session={"type": "realtime", "tools": [SEARCH_TOOL, WEATHER_TOOL]})
    await client.recv()
    events = await client.say("what is your cheapest product")
    assert types(events) == [
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
        "rate_limits.updated",
        "response.output_item.added",
        "conversation.item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "conversation.item.done",
        "response.output_item.done",
        "response.done",
    ]
    added = events[4]["item"]
    assert added["type"] == "function_call" and added["arguments"] == "" and added["status"] == "in_progress"
    assert added["call_id"].startswith("call_") and added["id"].startswith("item_")
    deltas = [e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"]
    assert len(deltas) >= 2
    args_done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert args_done["name"] == "search_products" and "".join(deltas) == args_done["arguments"]
    args = json.loads(args_done["arguments"])
    assert args["sort"] == "cheapest" and set(args) <= {"query", "sort"}
    resp = done(events)
    assert resp["output"][0]["type"] == "function_call" and resp["output"][0]["status"] == "completed"

    await client.send(
        type="conversation.item.create",
        event_id="evt_bad_call",
        item={"type": "function_call_output", "call_id": "call_nope", "output": "{}"},
    )
    err = await client.recv()
    assert err["type"] == "error" and err["error"]["event_id"] == "evt_bad_call"

    output = json.dumps({"products": [{"name": "Basic mug", "price": 4.5}]})
    await client.send(
        type="conversation.item.create",
        item={"type": "function_call_output", "call_id": args_done["call_id"], "output": output},
    )
    assert types([await client.recv(), await client.recv()]) == [
        "conversation.item.added",
        "conversation.item.done",
    ]
    await client.send(type="response.create")
    follow = done(await client.until("response.done"))
    transcript = follow["output"][0]["content"][0]["transcript"]
    assert transcript == "The cheapest is Basic mug at 4.50."


@pytest.mark.asyncio
async def test_tool_choice_none_required_and_named(client: Client) -> None:
    tools = [SEARCH_TOOL, WEATHER_TOOL]
    plain = done(await client.say("what is your cheapest product", tools=tools, tool_choice="none"))
    assert plain["output"][0]["type"] == "message"
    unrelated = done(await client.say("hello there", tools=tools))
    assert unrelated["output"][0]["type"] == "message"
    required = done(await client.say("hello there", tools=tools, tool_choice="required"))
    assert required["output"][0]["name"] == "search_products"
    named = done(
        await client.say("in Paris please", tools=tools, tool_choice={"type": "function", "name": "get_weather"})
    )
    assert named["output"][0]["name"] == "get_weather"
    assert json.loads(named["output"][0]["arguments"]) == {"city": "paris"}


@pytest.mark.asyncio
async def test_scripted_greeting_items_and_g711_output(client: Client) -> None:
    pcmu = {"type": "audio/pcmu"}
    await client.send(type="session.update", session={"type": "realtime", "audio": {"output": {"format": pcmu}}})
    session = (await client.recv())["session"]
    assert session["audio"]["output"]["format"] == pcmu  # replaced, not merged
    await client.send(type="response.create", response={"instructions": "Greet the visitor with exactly: Welcome!"})
    events = await client.until("response.done")
    resp = done(events)
    assert resp["output"][0]["content"][0]["transcript"] == "Welcome!"
    audio = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
    assert len(audio) == resp["usage"]["output_token_details"]["audio_tokens"] * 50 * 8  # 8 kHz, 1 byte/sample
    item_id = resp["output"][0]["id"]
    await client.send(type="conversation.item.retrieve", item_id=item_id)
    retrieved = await client.recv()
    assert retrieved["type"] == "conversation.item.retrieved" and retrieved["item"]["content"][0]["audio"]
    await client.send(type="conversation.item.delete", item_id=item_id)
    assert (await client.recv())["item_id"] == item_id
    await client.send(type="conversation.item.delete", item_id=item_id, event_id="evt_gone")
    assert (await client.recv())["error"]["event_id"] == "evt_gone"


# --- interruption, cancel, truncate --------------------------------------------------------------


@pytest.mark.asyncio
async def test_barge_in_cancels_with_turn_detected(paced: RealtimeSimulator) -> None:
    c = await open_client(paced)
    await c.recv()
    await c.ask("tell me a story " * 20)
    await c.until("response.output_audio.delta")
    await c.append(sine(200))
    events = await c.until("response.done")
    assert "input_audio_buffer.speech_started" in types(events)
    assert types(events).index("input_audio_buffer.speech_started") < types(events).index("response.done")
    assert "response.output_audio.done" in types(events) and "response.output_item.done" in types(events)
    resp = done(events)
    assert resp["status"] == "cancelled"
    assert resp["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
    assert resp["output"][0]["status"] == "incomplete"
    assert 0 < resp["usage"]["output_token_details"]["audio_tokens"] < 400  # 20 s would be 400
    check_usage(resp["usage"])
    await c.ws.close()


@pytest.mark.asyncio
async def test_response_cancel_active_and_idle(paced: RealtimeSimulator) -> None:
    c = await open_client(paced)
    await c.recv()
    await c.send(type="response.cancel", event_id="evt_cancel0")
    err = await c.recv()
    assert err["error"]["code"] == "response_cancel_not_active" and err["error"]["event_id"] == "evt_cancel0"
    await c.ask("a long answer " * 20)
    await c.until("response.output_audio.delta")
    await c.send(type="response.cancel")
    resp = done(await c.until("response.done"))
    assert resp["status"] == "cancelled" and resp["status_details"]["reason"] == "client_cancelled"
    check_usage(resp["usage"])
    await c.ws.close()


@pytest.mark.asyncio
async def test_truncate_ok_too_long_and_wrong_item(client: Client) -> None:
    events = await client.say("hi")
    user_id = events[0]["item"]["id"]
    item = done(events)["output"][0]
    audio_ms = done(events)["usage"]["output_token_details"]["audio_tokens"] * 50
    await client.send(type="conversation.item.truncate", item_id=item["id"], content_index=0, audio_end_ms=300)
    ev = await client.recv()
    assert ev["type"] == "conversation.item.truncated" and ev["audio_end_ms"] == 300 and ev["item_id"] == item["id"]
    await client.send(
        type="conversation.item.truncate",
        event_id="evt_t2",
        item_id=item["id"],
        content_index=0,
        audio_end_ms=audio_ms + 1000,
    )
    err = await client.recv()
    assert err["type"] == "error" and err["error"]["event_id"] == "evt_t2"
    await client.send(
        type="conversation.item.truncate", event_id="evt_t3", item_id=user_id, content_index=0, audio_end_ms=0
    )
    assert (await client.recv())["error"]["event_id"] == "evt_t3"


@pytest.mark.asyncio
async def test_second_response_create_while_active(paced: RealtimeSimulator) -> None:
    c = await open_client(paced)
    await c.recv()
    await c.send(type="response.create")
    created = await c.recv()
    assert created["type"] == "response.created"
    await c.send(type="response.create", event_id="evt_dup")
    events = await c.until("error")
    err = events[-1]["error"]
    assert err["code"] == "conversation_already_has_active_response" and err["event_id"] == "evt_dup"
    assert created["response"]["id"] in err["message"]
    assert done(await c.until("response.done"))["status"] == "completed"
    await c.ws.close()


# --- client errors, faults, usage ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_bad_json_unknown_type_and_missing_field(client: Client) -> None:
    await client.ws.send('{"type": "response.create", "event_id": "evt_json", ')
    err = await client.recv()
    assert err["type"] == "error" and err["error"]["event_id"] == "evt_json"
    await client.send(type="response.explode", event_id="evt_type")
    err = await client.recv()
    assert err["error"]["event_id"] == "evt_type" and err["error"]["param"] == "type"
    await client.send(type="conversation.item.create", event_id="evt_missing")
    err = await client.recv()
    assert err["error"]["code"] == "missing_required_parameter" and err["error"]["event_id"] == "evt_missing"
    assert done(await client.say("still here?"))["status"] == "completed"


@pytest.mark.asyncio
async def test_sim_drop_closes_with_1011(client: Client) -> None:
    await client.ask("hello #sim:drop")
    seen: list[str] = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            seen.append((await client.recv())["type"])
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    assert "response.created" in seen and "response.done" not in seen
    assert any(t.endswith(".delta") for t in seen)


@pytest.mark.asyncio
async def test_sim_fail_incomplete_and_expire(client: Client) -> None:
    failed = done(await client.say("please #sim:fail"))
    assert failed["status"] == "failed" and failed["status_details"]["error"]["code"]
    check_usage(failed["usage"])
    incomplete = done(await client.say("please #sim:incomplete", output_modalities=["text"]))
    assert incomplete["status"] == "incomplete"
    assert incomplete["status_details"]["reason"] == "max_output_tokens"
    assert incomplete["output"][0]["status"] == "incomplete"
    await client.ask("#sim:expire")
    events = await client.until("error")
    assert events[-1]["error"]["code"] == "session_expired"
    with pytest.raises(ConnectionClosed):
        await client.recv()


@pytest.mark.asyncio
async def test_session_limit_expires(sim: RealtimeSimulator) -> None:
    short = RealtimeSimulator(audio_realtime_factor=0, session_limit_seconds=0.3, voice="tone")
    await short.start()
    try:
        c = await open_client(short)
        await c.recv()
        err = await c.recv(wait=3)
        assert err["error"]["code"] == "session_expired"
        with pytest.raises(ConnectionClosed):
            await c.recv()
    finally:
        await short.stop()


async def _conversation_usage(simulator: RealtimeSimulator) -> list[Event]:
    c = await open_client(simulator)
    await c.recv()
    usages = [done(await c.say("Hello, who are you?"))["usage"]]
    await c.append(silence(300) + sine(600) + silence(400))
    usages.append(done(await c.until("response.done"))["usage"])
    usages.append(done(await c.say("thanks", output_modalities=["text"]))["usage"])
    await c.ws.close()
    return usages


@pytest.mark.asyncio
async def test_usage_invariants_and_determinism(sim: RealtimeSimulator) -> None:
    first = await _conversation_usage(sim)
    second = await _conversation_usage(sim)
    assert first == second
    for usage in first:
        check_usage(usage)
    assert first[0]["input_token_details"]["cached_tokens"] == 0
    assert first[1]["input_token_details"]["cached_tokens"] > 0  # earlier turn is a cached prefix
    assert first[1]["input_token_details"]["audio_tokens"] > first[0]["input_token_details"]["audio_tokens"]
    assert first[2]["input_tokens"] > first[1]["input_tokens"]


@pytest.mark.asyncio
async def test_concurrent_connections_are_independent(paced: RealtimeSimulator) -> None:
    a, b = await open_client(paced), await open_client(paced)
    await a.recv()
    await b.recv()
    await a.send(type="response.create")
    assert (await a.recv())["type"] == "response.created"
    await b.send(type="response.create")
    assert (await b.recv())["type"] == "response.created"  # a's active response does not block b
    assert done(await b.until("response.done"))["status"] == "completed"
    assert done(await a.until("response.done"))["status"] == "completed"
    await a.ws.close()
    await b.ws.close()


# --- transport -----------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_api_key_checks() -> None:
    strict = RealtimeSimulator(api_key="sk-right", audio_realtime_factor=0, voice="tone")
    await strict.start()
    try:
        for key in ("sk-wrong", None):
            c = await open_client(strict, key)
            err = await c.recv()
            assert err["error"]["type"] == "invalid_request_error" and err["error"]["code"] == "invalid_api_key"
            with pytest.raises(ConnectionClosed):
                await c.recv()
        ok = await open_client(strict, "sk-right")
        assert (await ok.recv())["type"] == "session.created"
        await ok.ws.close()
    finally:
        await strict.stop()


@pytest.mark.asyncio
async def test_other_paths_are_404(sim: RealtimeSimulator) -> None:
    with pytest.raises(InvalidStatus) as exc:
        await connect(sim.url.replace("/v1/realtime", "/v1/other"), additional_headers={"Authorization": "Bearer k"})
    assert exc.value.response.status_code == 404


@pytest.mark.asyncio
async def test_openai_sdk_client(sim: RealtimeSimulator) -> None:
    openai_client = AsyncOpenAI(api_key="sk-test", websocket_base_url=sim.url.removesuffix("/realtime"))
    async with openai_client.realtime.connect(model="gpt-realtime") as conn:
        first = await conn.recv()
        assert first.type == "session.created"
        await conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
        )
        await conn.response.create(response={"output_modalities": ["text"]})
        async for event in conn:
            if event.type == "response.done":
                assert event.response.status == "completed"
                assert event.response.usage is not None and event.response.usage.total_tokens
                break


def test_start_in_thread_serves_and_stops() -> None:
    url, stop = start_in_thread(audio_realtime_factor=0, voice="tone")
    assert url.startswith("ws://127.0.0.1:") and url.endswith("/v1/realtime")

    async def talk() -> str:
        async with connect(url, additional_headers={"Authorization": "Bearer k"}) as ws:
            return str(json.loads(await ws.recv())["type"])

    try:
        assert asyncio.run(talk()) == "session.created"
    finally:
        stop()
