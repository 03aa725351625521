"""What a session meters besides `response.done`: input transcriptions at their model's price, and a response
cut off before its `response.done`, estimated from what was streamed."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from openai.types.realtime import ConversationItemInputAudioTranscriptionCompletedEvent

from agents.plans import session_plan_build
from agents.recorder import recorder
from agents.session import AgentSession, SessionLimits
from agents.simulator.token_usage import transcription_usage
from config import mongo as mongo_connection
from tests.support.factories import make_agent, make_catalogue, make_tenant
from usage import services as usage_services
from usage import store as usage_store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

PREVIOUS_USAGE = {
    "total_tokens": 320,
    "input_tokens": 132,
    "output_tokens": 188,
    "input_token_details": {
        "text_tokens": 59,
        "audio_tokens": 73,
        "cached_tokens": 64,
        "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 64, "image_tokens": 0},
    },
    "output_token_details": {"text_tokens": 41, "audio_tokens": 147},
}


def _plan(transcription_model: str) -> Any:
    make_catalogue()
    agent = make_agent(make_tenant(), model="gpt-realtime-2.1", transcription_model=transcription_model)
    return session_plan_build(agent=agent, channel="widget")


async def make_session(transcription_model: str = "gpt-transcribe") -> AgentSession:
    plan = await sync_to_async(_plan)(transcription_model)

    async def nothing(*args: Any) -> None:
        return None

    session = AgentSession(
        plan=plan,
        session_id="vs_meter",
        key_id=None,
        limits=SessionLimits(max_duration_seconds=60, idle_timeout_seconds=60, heartbeat_seconds=45),
        retention_days=1,
        upstream_url="ws://127.0.0.1:9/unused",
        api_key="sk",
        price=await sync_to_async(usage_services.price_for)(plan.model),
        transcription_price=await sync_to_async(usage_services.price_for)(plan.transcription_model),
        send_client=nothing,
        close_client=nothing,
        still_allowed=nothing,
    )
    session.records.started(agent_id=plan.agent_id, agent_name="A", model=plan.model, key_id=None, simulator=True)
    return session


def audio_frame(response_id: str, pcm_bytes: int) -> str:
    """An audio delta as the upstream sends it (the relay forwards such frames without parsing them)."""
    delta = base64.b64encode(b"\x01\x02" * (pcm_bytes // 2)).decode()
    event = {"type": "response.output_audio.delta", "event_id": "event_9", "response_id": response_id}
    return json.dumps({**event, "item_id": "item_a", "output_index": 0, "content_index": 0, "delta": delta})


def done(response_id: str) -> dict[str, Any]:
    return {"type": "response.done", "response": {"id": response_id, "status": "completed", "usage": PREVIOUS_USAGE}}


def usage_event(event_id: str) -> dict[str, Any] | None:
    return mongo_connection.collection(usage_store.USAGE_EVENTS).find_one({"_id": event_id})


async def test_a_response_cut_off_before_its_done_is_estimated_from_what_was_streamed(
    mongo: Any, redis_conn: Any
) -> None:
    session = await make_session()
    await session._upstream_event({"type": "response.created", "response": {"id": "resp_1"}})
    await session._upstream_event(
        {"type": "response.done", "response": {"id": "resp_1", "status": "completed", "usage": PREVIOUS_USAGE}}
    )
    await session._upstream_event({"type": "response.created", "response": {"id": "resp_2"}})
    for _ in range(4):  # 4 x 14,400 bytes of 24 kHz PCM16: 1.2 s of speech, 24 output audio tokens
        session.meter.audio_delta(audio_frame("resp_2", 14_400))
    for piece in ("Our opening hours ", "are nine to five."):  # 35 characters: 9 text tokens
        await session._upstream_event(
            {"type": "response.output_audio_transcript.delta", "response_id": "resp_2", "delta": piece}
        )
    await session.end("upstream_closed")  # the socket dropped: resp_2's response.done never comes
    assert await recorder().drain()
    estimated = await sync_to_async(usage_event)("vs_meter:resp_2")
    assert estimated is not None and estimated["estimated"] is True
    assert estimated["counts"]["audio_output"] == 24 and estimated["counts"]["text_output"] == 9
    # Input as the previous response's: 59 text, 9 fresh audio, 64 cached audio at gpt-realtime-2.1's prices.
    assert estimated["counts"]["text_input"] == 59 and estimated["counts"]["audio_cached"] == 64
    assert estimated["dollars"] == pytest.approx((59 * 4 + 9 * 32 + 64 * 0.4 + 9 * 24 + 24 * 64) / 1e6)
    counted = await sync_to_async(usage_event)("vs_meter:resp_1")
    assert counted is not None and counted["estimated"] is False
    record = await sync_to_async(usage_store.session_get)(tenant_id=session.plan.tenant_id, session_id="vs_meter")
    assert record["usage"]["responses"] == 2 and record["usage"]["estimated"] == 1


async def test_a_finished_response_is_never_estimated_again(mongo: Any, redis_conn: Any) -> None:
    session = await make_session()
    await session._upstream_event({"type": "response.created", "response": {"id": "resp_1"}})
    session.meter.audio_delta(audio_frame("resp_1", 4800))
    await session._upstream_event(
        {"type": "response.done", "response": {"id": "resp_1", "status": "completed", "usage": PREVIOUS_USAGE}}
    )
    await session.end("client_closed")
    assert await recorder().drain()
    counted = await sync_to_async(usage_event)("vs_meter:resp_1")
    assert counted is not None and counted["estimated"] is False and counted["counts"]["audio_output"] == 147


@pytest.mark.parametrize(
    ("model", "dollars"),
    [
        ("gpt-transcribe", 2 * 0.0045 / 60),  # 20 audio tokens are 2 s at $0.0045 a minute
        ("gpt-4o-mini-transcribe", (20 * 1.25 + 5 * 5.00) / 1e6),  # 20 audio in, 5 text out, at the mini's prices
    ],
)
async def test_input_transcription_is_metered_at_the_transcription_models_price(
    mongo: Any, redis_conn: Any, model: str, dollars: float
) -> None:
    session = await make_session(transcription_model=model)
    event = {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": "event_5",
        "item_id": "item_u1",
        "content_index": 0,
        "transcript": "When do you open?",
        "usage": transcription_usage(2000, "When do you open?"),
    }
    ConversationItemInputAudioTranscriptionCompletedEvent.model_validate(event)  # the shape the real API sends
    await session._upstream_event(event)
    await session._upstream_event(event)  # a repeated event counts once
    assert await recorder().drain()
    document = await sync_to_async(usage_event)("vs_meter:transcription:item_u1")
    assert document is not None and document["model"] == model and document["kind"] == "transcription"
    assert document["dollars"] == pytest.approx(dollars)
    record = await sync_to_async(usage_store.session_get)(tenant_id=session.plan.tenant_id, session_id="vs_meter")
    assert record["usage"]["transcriptions"] == 1 and record["usage"]["dollars"] == pytest.approx(dollars)
    await session.end("client_closed")
