"""The relay survives the real API's timing (REALTIME.md, "Timing the real API keeps"), through a real Daphne
server as the widget connects, against the simulator (which keeps that timing by default)."""

from __future__ import annotations

import asyncio
import base64
import math
import struct
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from agents.models import Agent
from tenants.models import Tenant
from tests.support.live import widget_token
from tests.support.servers import LiveServer
from tests.support.voice import VoiceClient, open_voice
from transcripts import store as transcripts
from usage import store as usage_store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.slow]

# No tool's words (the demo would search its catalog for "running shoes"): a long spoken reply.
LONG = "please tell me a very long story about the history of the marathon " * 3


def pcm(ms: int, *, loud: bool) -> list[str]:
    """Base64 PCM16 24 kHz mono in 40 ms chunks: a 300 Hz tone when loud, else silence."""
    chunks = []
    for index in range(ms // 40):
        start = index * 960
        values = [int(12000 * math.sin(2 * math.pi * 300 * (start + i) / 24000)) if loud else 0 for i in range(960)]
        chunks.append(base64.b64encode(struct.pack(f"<{len(values)}h", *values)).decode())
    return chunks


async def speak(client: VoiceClient, chunks: list[str]) -> None:
    for chunk in chunks:
        await client.ws.send('{"type":"input_audio_buffer.append","audio":"' + chunk + '"}')


def completed(event: dict[str, Any]) -> bool:
    return event.get("type") == "response.done" and event["response"]["status"] == "completed"


def said(text: str) -> Any:
    return lambda e: e.get("type") == "response.output_audio_transcript.done" and text in e.get("transcript", "")


async def wait_for(predicate: Any, timeout: float = 10.0) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            value = await sync_to_async(predicate)()
            if value:
                return value
            await asyncio.sleep(0.1)


async def start(server: LiveServer) -> tuple[VoiceClient, str, int]:
    client = await open_voice(server, await sync_to_async(widget_token)("productco"))
    hello = await client.until_type("platform.session")
    tenant_id = await sync_to_async(lambda: Tenant.objects.get(slug="productco").pk)()
    return client, hello["sessionId"], tenant_id


def ended(tenant_id: int, session_id: str) -> dict[str, Any] | None:
    doc = usage_store.session_get(tenant_id=tenant_id, session_id=session_id)
    return doc if doc and doc["status"] == "ended" else None


async def test_typing_while_the_agent_speaks_gets_an_answer(demo_live: LiveServer) -> None:
    client, _, _ = await start(demo_live)
    await client.until(completed)  # the greeting
    await client.say(LONG)
    await client.until_type("response.output_audio.delta")
    await client.say("what are your opening hours")  # cancel returns at once; the answer waits for its done
    await client.until(said("opening hours"))
    await client.until(completed)
    statuses = [e["response"]["status"] for e in client.events if e.get("type") == "response.done"]
    assert statuses == ["completed", "cancelled", "completed"]
    assert not any(e.get("type") == "error" for e in client.events)
    await client.ws.close()


async def test_an_interruption_after_a_tool_call_gets_an_answer(demo_live: LiveServer) -> None:
    client, _, _ = await start(demo_live)
    await client.until(completed)
    await client.say("what is your cheapest product")
    await client.until(said("The cheapest is"))  # the tool's follow-up answer
    await client.until(completed)
    await client.say(LONG)
    await client.until_type("response.output_audio.delta")
    await client.say("and your opening hours")
    await client.until(said("opening hours"))
    assert not any(e.get("type") == "error" for e in client.events)
    await client.ws.close()


async def test_a_transcript_after_the_answer_is_still_recorded_above_it(demo_live: LiveServer) -> None:
    client, session_id, tenant_id = await start(demo_live)
    await client.until(completed)
    await speak(client, pcm(400, loud=False) + pcm(1200, loud=True) + pcm(800, loud=False))
    committed = await client.until_type("input_audio_buffer.committed")
    await client.until(said("can't understand speech"))
    late = await client.until_type("conversation.item.input_audio_transcription.completed")
    answer = next(e for e in client.events if e.get("type") == "response.output_audio_transcript.done")
    assert client.events.index(answer) < client.events.index(late)  # the transcript came after the answer
    assert late["item_id"] == committed["item_id"]  # the widget placed the line at committed, before the answer
    await client.ws.close()
    await wait_for(lambda: ended(tenant_id, session_id))
    lines = await wait_for(
        lambda: (
            (found := transcripts.transcript_for_session(tenant_id=tenant_id, session_id=session_id))
            and len(found) == 3
            and found
        )
    )
    assert [line["role"] for line in lines] == ["assistant", "user", "assistant"]
    assert lines[1]["itemId"] == committed["item_id"] and lines[1]["text"].startswith("(voice message,")
    assert "can't understand speech" in lines[2]["text"]
    assert await sync_to_async(transcripts.transcript_verify_chain)(tenant_id=tenant_id, session_id=session_id)


async def test_a_cut_off_call_runs_nothing(demo_live: LiveServer) -> None:
    client, session_id, tenant_id = await start(demo_live)
    await client.until(completed)
    await client.say("what is your cheapest product #sim:incomplete")  # arguments cut halfway
    done = await client.until_type("response.done")
    assert done["response"]["status"] == "incomplete"
    await client.say("hello again")
    await client.until(completed)
    assert not any(e.get("type") == "platform.tool" for e in client.events)
    await client.ws.close()
    await wait_for(lambda: ended(tenant_id, session_id))
    logs = await sync_to_async(transcripts.tool_logs_for_session)(tenant_id=tenant_id, session_id=session_id)
    assert [log for log in logs if log.get("tool")] == []


async def test_a_refused_session_config_ends_the_session_with_a_clear_reason(demo_live: LiveServer) -> None:
    # A 3-letter code passes the agent's own check but is not ISO-639-1: the API refuses the session.update.
    await sync_to_async(Agent.objects.filter(tenant__slug="productco").update)(language="eng")
    client, session_id, tenant_id = await start(demo_live)
    notice = await client.until_type("platform.notice")
    assert notice["code"] == "config_rejected" and notice["retryable"] is False
    assert (await client.until_type("platform.ended"))["reason"] == "config_rejected"
    assert not any(e.get("type", "").startswith("response.") for e in client.events)  # no greeting on defaults
    assert "ISO-639-1" not in str(client.events)  # the upstream text is for staff only
    session = await wait_for(lambda: ended(tenant_id, session_id))
    assert session["endReason"] == "config_rejected"
    logs = await sync_to_async(transcripts.tool_logs_for_session)(tenant_id=tenant_id, session_id=session_id)
    rejected = next(log for log in logs if log.get("kind") == "config_rejected")
    assert "ISO-639-1" in rejected["error"]["message"]
    assert rejected["error"]["param"] == "session.audio.input.transcription.language"


async def test_a_failed_response_and_a_failed_transcription_reach_the_visitor(demo_live: LiveServer) -> None:
    client, session_id, tenant_id = await start(demo_live)
    await client.until(completed)
    await client.say("tell me #sim:fail")
    notice = await client.until_type("platform.notice")
    assert notice["code"] == "response_failed" and notice["retryable"] is True
    await client.say("hello #sim:mishear")  # arms a failure of the next transcription
    await client.until(said("hello"))
    await client.until(completed)
    # 0.9 s committed (padding and the 500 ms of silence that ends a turn included): transcribed before the answer
    await speak(client, pcm(300, loud=False) + pcm(120, loud=True) + pcm(800, loud=False))
    failed = await client.until_type("conversation.item.input_audio_transcription.failed")
    assert set(failed["error"]) == {"code"}  # the code only, no upstream message
    notice = await client.until(lambda e: e.get("type") == "platform.notice" and e["code"] == "transcription_failed")
    assert "type" in notice["message"]
    await client.until(completed)  # the session goes on: the spoken turn is answered
    await client.ws.close()
    await wait_for(lambda: ended(tenant_id, session_id))
    logs = await sync_to_async(transcripts.tool_logs_for_session)(tenant_id=tenant_id, session_id=session_id)
    kinds = {log.get("kind"): log for log in logs}
    assert kinds["response_failed"]["status"] == "simulated_failure"
    assert kinds["transcription_failed"]["itemId"] == failed["item_id"]


async def test_the_upstream_socket_ignores_proxy_variables(demo_server: Any) -> None:
    dead = "http://127.0.0.1:9"  # nothing listens there: a session through it could not start
    server = await sync_to_async(demo_server)(HTTPS_PROXY=dead, HTTP_PROXY=dead, ALL_PROXY=dead, NO_PROXY="")
    client, _, _ = await start(server)
    await client.say("hello there")
    await client.until(said("hello there"))
    await client.ws.close()
