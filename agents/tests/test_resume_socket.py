"""The voice socket continuing a conversation, and warning before its idle timeout, through the real ASGI
application and the realtime simulator as the upstream."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from agents import protocol
from config.asgi import application
from tenants.models import Tenant
from tenants.tokens import token_issue
from tests.support.factories import make_agent, make_key, make_prompt, make_tenant
from transcripts import store as transcripts
from usage import store as usage_store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = "http://127.0.0.1:8000"
HEADERS = [(b"origin", ORIGIN.encode()), (b"host", b"127.0.0.1:8000")]


@pytest.fixture
def shop(settings: Any, simulator_url: str, mongo: Any, redis_conn: Any) -> None:
    settings.REALTIME_URL = simulator_url
    settings.OPENAI_API_KEY = ""
    tenant = make_tenant(slug="shop", name="Shop", allowed_origins=ORIGIN)
    make_agent(tenant, greeting="", prompt=make_prompt(tenant))
    make_key(tenant)


def widget_token(origin: str = ORIGIN) -> str:
    tenant = Tenant.objects.get(slug="shop")
    token, _ = token_issue(
        tenant_id=tenant.pk,
        key_id=tenant.widget_keys.get().pk,
        channel="widget",
        origin=origin,
        agent_id=tenant.agents.get().pk,
    )
    return token


async def connect(resume_token: str | None = None) -> WebsocketCommunicator:
    token = await sync_to_async(widget_token)()
    offered = ["voice.v1", f"{protocol.TOKEN_PREFIX}{token}"]
    if resume_token:
        offered.append(f"{protocol.RESUME_PREFIX}{resume_token}")
    socket = WebsocketCommunicator(application, "/ws/voice/", headers=HEADERS, subprotocols=offered)
    connected, _ = await socket.connect(timeout=10)  # admission reads SQL and Redis: slow on a loaded machine
    assert connected
    return socket


async def until(socket: WebsocketCommunicator, predicate: Any, timeout: float = 15.0) -> dict[str, Any]:
    """Read events until one matches; a timeout names what did arrive."""
    seen: list[str] = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                event = await socket.receive_json_from(timeout=timeout)
                seen.append(f"{event.get('type')}:{event.get('code') or event.get('reason') or ''}")
                if predicate(event):
                    return event
    except TimeoutError:
        raise AssertionError(f"no matching event within {timeout} s; received {seen}") from None


def answer(event: dict[str, Any]) -> bool:
    return event.get("type") == "response.output_audio_transcript.done"


async def say(socket: WebsocketCommunicator, text: str) -> None:
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    await socket.send_json_to({"type": "conversation.item.create", "item": item})


async def stored(check: Any, timeout: float = 10.0) -> Any:
    """Poll a synchronous check: MongoDB is written off the relay's path, a moment later."""
    async with asyncio.timeout(timeout):
        while True:
            value = await sync_to_async(check)()
            if value:
                return value
            await asyncio.sleep(0.1)


def tenant_id() -> int:
    return int(Tenant.objects.get(slug="shop").pk)


async def test_a_continued_session_gives_the_simulator_the_previous_items_and_records_the_link(shop: None) -> None:
    first = await connect()
    hello = await until(first, lambda e: e["type"] == "platform.session")
    assert hello["resumeToken"] and hello["resumedFrom"] is None
    await say(first, "hello there, nice boots you have")
    await until(first, answer)
    await first.disconnect()  # the page changed: the socket closed, the conversation was not ended
    tid = await sync_to_async(tenant_id)()
    await stored(
        lambda: (
            (usage_store.session_get(tenant_id=tid, session_id=hello["sessionId"]) or {}).get("endReason")
            == "client_closed"
            and len(transcripts.transcript_for_session(tenant_id=tid, session_id=hello["sessionId"])) == 2
        )
    )

    second = await connect(hello["resumeToken"])
    again = await until(second, lambda e: e["type"] == "platform.session")
    assert again["resumedFrom"] == hello["sessionId"]
    welcome = await until(second, lambda e: e["type"] == "platform.notice")
    assert welcome["code"] == "resumed" and welcome["level"] == "info"
    # The simulator answers from its own conversation: the seeded items are in it, two messages before this one.
    await say(second, "what did I ask before?")
    recalled = await until(second, answer)
    assert recalled["transcript"] == (
        "Earlier you asked: “hello there, nice boots you have”. Our conversation has 2 messages before this one."
    )
    await second.disconnect()

    record = await stored(
        lambda: (
            (d := usage_store.session_get(tenant_id=tid, session_id=again["sessionId"]))
            and d["status"] == "ended"
            and d
        )
    )
    assert record["resumedFrom"] == hello["sessionId"]
    previous = await sync_to_async(usage_store.session_get)(tenant_id=tid, session_id=hello["sessionId"])
    assert previous and previous["resumedBy"] == again["sessionId"]
    # The new session's transcript holds its own lines only; the earlier ones stay in the earlier session.
    lines = await stored(
        lambda: (
            (t := transcripts.transcript_for_session(tenant_id=tid, session_id=again["sessionId"]))
            and len(t) == 2
            and t
        )
    )
    assert lines[0]["text"] == "what did I ask before?"


async def test_an_ended_conversation_starts_afresh_with_a_line_saying_so(shop: None) -> None:
    first = await connect()
    hello = await until(first, lambda e: e["type"] == "platform.session")
    await say(first, "hello")
    await until(first, answer)
    await first.send_json_to({"type": "platform.end"})  # the End button
    ended = await until(first, lambda e: e["type"] == "platform.ended")
    assert ended["reason"] == "visitor_ended"
    await first.disconnect()
    tid = await sync_to_async(tenant_id)()
    await stored(
        lambda: (usage_store.session_get(tenant_id=tid, session_id=hello["sessionId"]) or {}).get("status") == "ended"
    )

    second = await connect(hello["resumeToken"])
    again = await until(second, lambda e: e["type"] == "platform.session")
    assert again["resumedFrom"] is None
    refused = await until(second, lambda e: e["type"] == "platform.notice")
    assert refused["code"] == "resume_refused"
    assert refused["message"] == "Your earlier conversation could not be continued, so this is a new one."
    await say(second, "what did I ask before?")
    fresh = await until(second, answer)
    assert fresh["transcript"].startswith("This is the start of our conversation")
    await second.disconnect()


async def test_still_there_warns_before_the_idle_timeout_a_keepalive_resets_it_then_it_ends(
    shop: None, settings: Any
) -> None:
    # The tenant's 120 s idle timeout and the 30 s warning, scaled down: 3.6 s, warned 0.9 s before.
    settings.SESSION_TIME_SCALE = 0.03
    socket = await connect()
    await until(socket, lambda e: e["type"] == "platform.session")
    warning = await until(socket, lambda e: e["type"] == "platform.idle")
    assert warning["message"] == protocol.STILL_THERE and warning["secondsLeft"] >= 0
    await socket.send_json_to({"type": "platform.keepalive"})
    # The clock started again: a second warning comes (without the keepalive the session would end first).
    seen: list[str] = []
    await until(socket, lambda e: seen.append(e["type"]) or e["type"] in ("platform.idle", "platform.ended"))
    assert seen[-1] == "platform.idle", seen
    notice = await until(socket, lambda e: e["type"] == "platform.notice")
    assert notice["code"] == "idle_timeout_seconds" and notice["seconds"] == 4
    assert notice["message"] == "The conversation ended because it was quiet for 4 seconds."
    ended = await until(socket, lambda e: e["type"] == "platform.ended")
    assert ended["reason"] == "idle_timeout"
    await socket.disconnect()
