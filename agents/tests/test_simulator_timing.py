"""The simulator keeps the real API's timing (REALTIME.md, "Timing the real API keeps"): asynchronous cancel,
transcription beside the response, cut-off calls, several output items, rate limits at the start, refused
session updates, the item chain and the scripted faults. Every event is checked strictly against the SDK."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect

from agents.simulator import RealtimeSimulator
from tests.support.realtime_client import Event, RealtimeTestClient, done, silence, sine, types

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

SEARCH_TOOL = {
    "type": "function",
    "name": "search_products",
    "description": "Search the product catalog",
    "parameters": {
        "type": "object",
        "properties": {"query": {"type": "string"}, "sort": {"type": "string", "enum": ["cheapest", "priciest"]}},
    },
}
TRANSCRIBED = {"type": "realtime", "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}}


async def _open(simulator: RealtimeSimulator) -> RealtimeTestClient:
    ws = await connect(f"{simulator.url}?model=gpt-realtime", additional_headers={"Authorization": "Bearer k"})
    client = RealtimeTestClient(ws)
    assert (await client.recv())["type"] == "session.created"
    return client


@pytest_asyncio.fixture
async def fast() -> AsyncIterator[RealtimeTestClient]:
    simulator = RealtimeSimulator(audio_realtime_factor=0, voice="tone")
    await simulator.start()
    client = await _open(simulator)
    yield client
    await client.ws.close()
    await simulator.stop()


@pytest_asyncio.fixture
async def paced() -> AsyncIterator[RealtimeTestClient]:
    simulator = RealtimeSimulator(audio_realtime_factor=10, voice="tone")
    await simulator.start()
    client = await _open(simulator)
    yield client
    await client.ws.close()
    await simulator.stop()


async def test_cancel_returns_at_once_and_a_create_before_its_done_is_refused(paced: RealtimeTestClient) -> None:
    await paced.ask("tell me a long story " * 10)
    created = (await paced.until("response.created"))[-1]["response"]
    await paced.until("response.output_audio.delta")
    await paced.send(type="response.cancel", event_id="evt_cancel")
    await paced.send(type="response.create", event_id="evt_too_soon")
    events = await paced.until("response.done")
    errors = [e["error"] for e in events if e["type"] == "error"]
    assert [e["code"] for e in errors] == ["conversation_already_has_active_response"]
    assert errors[0]["event_id"] == "evt_too_soon" and created["id"] in errors[0]["message"]
    # The refusal came before the cancelled response's last events: cancel does not wait.
    assert types(events).index("error") < types(events).index("response.output_item.done")
    resp = done(events)
    assert resp["id"] == created["id"] and resp["status"] == "cancelled"
    assert resp["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}
    await paced.send(type="response.create", event_id="evt_in_time")  # after the done, it is accepted
    assert done(await paced.until("response.done"))["status"] == "completed"


async def test_short_speech_is_transcribed_before_the_response_long_speech_after(fast: RealtimeTestClient) -> None:
    await fast.send(type="session.update", session=TRANSCRIBED)
    await fast.until("session.updated")
    await fast.append(silence(400) + sine(300) + silence(600))  # 0.8 s committed (padding and silence included)
    events = await fast.until("response.done")
    order = types(events)
    assert order.index("conversation.item.input_audio_transcription.completed") < order.index("response.created")

    await fast.append(silence(400) + sine(1000) + silence(600))  # 1.5 s committed
    events = await fast.until("response.done")
    assert "conversation.item.input_audio_transcription.completed" not in types(events)
    user_item = next(e for e in events if e["type"] == "conversation.item.added")["item"]["id"]
    late = (await fast.until("conversation.item.input_audio_transcription.completed"))[-1]
    assert late["item_id"] == user_item and late["transcript"] == "(voice message, 1.5 s)"


async def test_a_cut_off_call_still_gets_its_arguments_done_and_an_incomplete_item(fast: RealtimeTestClient) -> None:
    await fast.send(type="session.update", session={"type": "realtime", "tools": [SEARCH_TOOL]})
    await fast.until("session.updated")
    events = await fast.say("what is your cheapest product #sim:incomplete")
    arguments = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    item_done = next(e for e in events if e["type"] == "response.output_item.done")["item"]
    assert item_done["type"] == "function_call" and item_done["status"] == "incomplete"
    assert arguments["call_id"] == item_done["call_id"] and arguments["arguments"] == item_done["arguments"]
    with pytest.raises(ValueError):
        json.loads(arguments["arguments"])  # cut off halfway: not a call anyone may run
    assert done(events)["status"] == "incomplete"


async def test_a_cancelled_call_gets_its_arguments_done_too(paced: RealtimeTestClient) -> None:
    long_query = {**SEARCH_TOOL, "parameters": {**SEARCH_TOOL["parameters"], "required": ["query"]}}
    await paced.send(type="session.update", session={"type": "realtime", "tools": [long_query]})
    await paced.until("session.updated")
    await paced.ask("search the product catalog for " + "very long running shoes " * 30)
    await paced.until("response.function_call_arguments.delta")
    await paced.send(type="response.cancel")
    events = await paced.until("response.done")
    assert "response.function_call_arguments.done" in types(events)
    assert next(e for e in events if e["type"] == "response.output_item.done")["item"]["status"] == "incomplete"
    assert done(events)["status_details"]["reason"] == "client_cancelled"


async def test_a_response_can_say_something_and_call_a_tool(fast: RealtimeTestClient) -> None:
    await fast.send(type="session.update", session={"type": "realtime", "tools": [SEARCH_TOOL]})
    await fast.until("session.updated")
    events = await fast.say("what is your cheapest product #sim:preamble")
    resp = done(events)
    assert [o["type"] for o in resp["output"]] == ["message", "function_call"]
    assert resp["output"][0]["content"][0]["transcript"] == "Let me look that up for you."
    added = [e["output_index"] for e in events if e["type"] == "response.output_item.added"]
    assert added == [0, 1]
    spoken = resp["usage"]["output_token_details"]["audio_tokens"]
    assert spoken > 0 and resp["usage"]["output_token_details"]["text_tokens"] > 10  # both items counted


async def test_a_response_can_carry_two_messages(fast: RealtimeTestClient) -> None:
    resp = done(await fast.say("hello #sim:twice", output_modalities=["text"]))
    assert [o["type"] for o in resp["output"]] == ["message", "message"]
    texts = [o["content"][0]["text"] for o in resp["output"]]
    assert texts[0].startswith("I'm the offline demo") and "hello" in texts[0]
    assert texts[1] == "Is there anything else I can help you with?"
    assert resp["usage"]["output_token_details"]["text_tokens"] == sum(-(-len(t) // 4) for t in texts)


async def test_rate_limits_come_at_the_start_of_a_response(fast: RealtimeTestClient) -> None:
    events = await fast.say("hi")
    order = types(events)
    assert order.index("rate_limits.updated") == order.index("response.created") + 1
    assert order.count("rate_limits.updated") == 1


@pytest.mark.parametrize(
    ("patch", "param"),
    [
        ({"audio": {"output": {"voice": "robot"}}}, "session.audio.output.voice"),
        (
            {"tools": [{"type": "function", "name": "t", "parameters": {"type": "object", "properties": 3}}]},
            "session.tools[0].parameters",
        ),
        (
            {"tools": [{"type": "function", "name": "t", "parameters": {"type": "string"}}]},
            "session.tools[0].parameters",
        ),
        ({"audio": {"input": {"transcription": {"model": "m", "language": "eng"}}}}, None),
    ],
)
async def test_a_refused_session_update_names_its_event_and_keeps_the_previous_config(
    fast: RealtimeTestClient, patch: dict[str, Any], param: str | None
) -> None:
    await fast.send(type="session.update", session={"type": "realtime", "instructions": "Be brief."})
    before = (await fast.until("session.updated"))[-1]["session"]
    refused = {"type": "realtime", "instructions": "X", **patch}
    await fast.send(type="session.update", event_id="evt_bad", session=refused)
    error = (await fast.recv())["error"]
    assert error["event_id"] == "evt_bad" and error["type"] == "invalid_request_error"
    assert error["param"] == (param or "session.audio.input.transcription.language")
    await fast.send(type="session.update", session={"type": "realtime"})
    assert (await fast.until("session.updated"))[-1]["session"] == before  # nothing of the refused one applied


async def test_every_item_is_added_and_done_after_the_item_before_it(fast: RealtimeTestClient) -> None:
    await fast.send(type="session.update", session={**TRANSCRIBED, "tools": [SEARCH_TOOL]})
    await fast.until("session.updated")
    await fast.say("hello")
    calls = await fast.say("what is your cheapest product #sim:preamble")
    call = next(o for o in done(calls)["output"] if o["type"] == "function_call")
    await fast.send(
        type="conversation.item.create",
        item={"type": "function_call_output", "call_id": call["call_id"], "output": '{"price": 4}'},
    )
    await fast.send(type="response.create")
    await fast.until("response.done")
    await fast.append(silence(300) + sine(400) + silence(600))
    await fast.until("response.done")
    added = [e for e in fast.log if e["type"] == "conversation.item.added"]
    finished = {e["item"]["id"]: e for e in fast.log if e["type"] == "conversation.item.done"}
    assert len(added) == 9  # user, reply, user, preamble, call, output, reply, spoken user, reply
    previous = None
    for event in added:
        assert event["previous_item_id"] == previous
        assert finished[event["item"]["id"]]["previous_item_id"] == previous
        previous = event["item"]["id"]


async def test_scripted_transcription_failure_and_failed_response(fast: RealtimeTestClient) -> None:
    await fast.send(type="session.update", session=TRANSCRIBED)
    await fast.until("session.updated")
    await fast.say("arm it #sim:mishear")
    await fast.append(silence(300) + sine(400) + silence(600))
    events = await fast.until("response.done")
    failed = next(e for e in events if e["type"] == "conversation.item.input_audio_transcription.failed")
    assert failed["error"]["code"] and failed["item_id"] == events[2]["item_id"]
    assert "conversation.item.input_audio_transcription.completed" not in types(events)
    resp = done(await fast.say("now #sim:fail"))
    assert resp["status"] == "failed" and resp["status_details"]["error"]["type"] == "server_error"


async def _scenarios(fast: RealtimeTestClient, paced: RealtimeTestClient) -> list[Event]:
    for client in (fast, paced):
        await client.send(type="session.update", session={**TRANSCRIBED, "tools": [SEARCH_TOOL]})
        await client.until("session.updated")
    await fast.say("hello", output_modalities=["text"])
    await fast.say("hello #sim:twice")
    await fast.say("what is your cheapest product #sim:preamble")
    await fast.say("what is your cheapest product #sim:incomplete")
    await fast.say("#sim:mishear #sim:fail")
    await fast.append(silence(300) + sine(1200) + silence(600))
    await fast.until("conversation.item.input_audio_transcription.failed")
    await fast.append(silence(300) + sine(400) + silence(600))
    await fast.until("response.done")
    await fast.send(type="input_audio_buffer.append", audio="AAAA")
    await fast.send(type="input_audio_buffer.clear")
    await fast.until("input_audio_buffer.cleared")
    item = done(await fast.say("hi"))["output"][0]["id"]
    await fast.send(type="conversation.item.truncate", item_id=item, content_index=0, audio_end_ms=50)
    await fast.until("conversation.item.truncated")
    await fast.send(type="conversation.item.retrieve", item_id=item)
    await fast.until("conversation.item.retrieved")
    await fast.send(type="conversation.item.delete", item_id=item)
    await fast.until("conversation.item.deleted")
    await fast.send(type="response.cancel")
    await fast.until("error")
    await paced.ask("a long answer please " * 10)
    await paced.until("response.output_audio.delta")
    await paced.append(sine(300) + silence(600))  # barge-in, then a spoken turn
    await paced.until("response.done")
    await paced.until("response.done")
    await paced.ask("#sim:expire")
    await paced.until("error")
    return fast.log + paced.log


async def test_every_scenario_validates_strictly_against_the_sdk(
    fast: RealtimeTestClient, paced: RealtimeTestClient
) -> None:
    seen = {event["type"] for event in await _scenarios(fast, paced)}  # each was validated on receipt
    assert seen >= {
        "session.created",
        "session.updated",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.truncated",
        "conversation.item.retrieved",
        "conversation.item.deleted",
        "conversation.item.input_audio_transcription.delta",
        "conversation.item.input_audio_transcription.completed",
        "conversation.item.input_audio_transcription.failed",
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "input_audio_buffer.cleared",
        "rate_limits.updated",
        "response.created",
        "response.output_item.added",
        "response.output_item.done",
        "response.content_part.added",
        "response.content_part.done",
        "response.output_text.delta",
        "response.output_text.done",
        "response.output_audio.delta",
        "response.output_audio.done",
        "response.output_audio_transcript.delta",
        "response.output_audio_transcript.done",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.done",
        "error",
    }
