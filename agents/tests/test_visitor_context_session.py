"""Page context in a live session: the token's context is in the instructions the model gets from the start, a
`platform.context` frame mid-session re-sends them with the new context, and bad input gets a clear error frame
while the session goes on. Driven against the realtime simulator, whose `session.updated` shows what it holds."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from agents.services import session_admit
from agents.session import AgentSession, SessionLimits
from agents.visitor_context import MAX_UPDATES_PER_SESSION
from config.asgi import application
from tenants.tokens import token_issue, token_verify
from tests.support.factories import make_agent, make_key, make_prompt, make_tenant
from usage.services import price_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = "http://127.0.0.1:8000"
RULES = "Only talk about ProductCo's outdoor gear."


def _token(context: dict[str, Any] | None) -> str:
    tenant = make_tenant(allowed_origins=ORIGIN)
    agent = make_agent(tenant, greeting="", prompt=make_prompt(tenant, identity=RULES))
    key = make_key(tenant)
    token, _ = token_issue(
        tenant_id=tenant.pk, key_id=key.pk, channel="widget", origin=ORIGIN, agent_id=agent.pk, context=context
    )
    return token


async def open_session(simulator_url: str, context: dict[str, Any]) -> tuple[AgentSession, list[dict[str, Any]]]:
    """A widget session admitted from a token carrying `context`, its console-style debug stream on, so every
    upstream `session.updated` (the simulator's whole session config) reaches `emitted`."""
    token = await sync_to_async(_token)(context)
    claims = token_verify(token)
    admission = await sync_to_async(session_admit)(claims=claims, user=None, session_id="vs_context_1")
    emitted: list[dict[str, Any]] = []

    async def emit(text: str) -> None:
        emitted.append(json.loads(text))

    async def nothing(*args: Any) -> None:
        return None

    session = AgentSession(
        plan=admission.plan,
        session_id=admission.session_id,
        key_id=admission.key_id,
        limits=SessionLimits(max_duration_seconds=600, idle_timeout_seconds=600, heartbeat_seconds=600),
        retention_days=1,
        upstream_url=simulator_url,
        api_key="sk-simulator",
        price=await sync_to_async(price_for)(admission.plan.model),
        send_client=emit,
        close_client=nothing,
        still_allowed=nothing,
        debug=True,
    )
    await session.open()
    return session, emitted


async def next_of(emitted: list[dict[str, Any]], kind: str, after: int) -> dict[str, Any]:
    for _ in range(200):
        found = [e for e in emitted[after:] if e.get("type") == kind]
        if found:
            return found[0]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {kind} after event {after}: {[e.get('type') for e in emitted]}")


async def test_the_context_reaches_the_model_from_the_start_and_an_update_replaces_it(
    simulator_url: str, mongo: Any, redis_conn: Any
) -> None:
    session, emitted = await open_session(simulator_url, {"productId": "p-041", "productName": "Trail Runner"})
    first = (await next_of(emitted, "session.updated", 0))["session"]["instructions"]
    assert RULES in first and first.index(RULES) < first.index("# Visitor context")
    assert '"productId": "p-041"' in first and "not instructions" in first

    mark = len(emitted)
    await session.from_client(json.dumps({"type": "platform.context", "context": {"productId": "p-007", "step": 2}}))
    updated = (await next_of(emitted, "session.updated", mark))["session"]["instructions"]
    assert '"productId": "p-007"' in updated and '"step": 2' in updated
    assert "p-041" not in updated and "Trail Runner" not in updated
    assert updated.startswith(first[: first.index("# Visitor context")])  # the tenant's part is unchanged
    await session.end("client_closed")


async def test_bad_context_gets_an_error_frame_and_changes_nothing_and_updates_are_capped(
    simulator_url: str, mongo: Any, redis_conn: Any
) -> None:
    session, emitted = await open_session(simulator_url, {})
    await next_of(emitted, "session.updated", 0)
    mark = len(emitted)
    await session.from_client(json.dumps({"type": "platform.context", "context": {"product": {"id": "p-1"}}}))
    error = await next_of(emitted, "error", mark)
    assert error["error"]["code"] == "invalid_context"
    assert error["error"]["message"] == "Context value 'product' is a dict; only strings and numbers are allowed."
    await asyncio.sleep(0.2)
    assert not [e for e in emitted[mark:] if e.get("type") == "session.updated"]

    for number in range(MAX_UPDATES_PER_SESSION):
        await session.from_client(json.dumps({"type": "platform.context", "context": {"n": number}}))
    mark = len(emitted)
    await session.from_client(json.dumps({"type": "platform.context", "context": {"n": -1}}))
    assert (await next_of(emitted, "error", mark))["error"]["code"] == "context_limit"
    assert session.ended_reason is None
    await session.end("client_closed")


async def test_on_the_visitor_socket_bad_context_is_an_error_frame_not_a_traceback(
    settings: Any, simulator_url: str, mongo: Any, redis_conn: Any
) -> None:
    settings.REALTIME_URL = simulator_url
    settings.OPENAI_API_KEY = ""
    token = await sync_to_async(_token)({"productId": "p-041"})
    socket = WebsocketCommunicator(
        application,
        "/ws/voice/",
        headers=[(b"origin", ORIGIN.encode()), (b"host", b"127.0.0.1:8000")],
        subprotocols=["voice.v1", f"token.{token}"],
    )
    connected, _ = await socket.connect(timeout=10)
    assert connected
    assert (await socket.receive_json_from(timeout=5))["type"] == "platform.session"
    for bad, message in (
        ("not an object", "The context must be an object of keys and values."),
        ({f"k{i}": i for i in range(21)}, "The context has 21 keys; at most 20 are allowed."),
        ({"ok": True}, "Context value 'ok' is a bool; only strings and numbers are allowed."),
    ):
        await socket.send_json_to({"type": "platform.context", "context": bad})
        error = await socket.receive_json_from(timeout=5)
        assert (error["type"], error["error"]["code"], error["error"]["message"]) == (
            "error",
            "invalid_context",
            message,
        )
    await socket.send_json_to({"type": "platform.context", "context": {"productId": "p-007"}})
    assert await socket.receive_nothing(timeout=0.3)  # accepted: nothing for the visitor to see
    # And the session goes on: a text turn is answered.
    await socket.send_json_to(
        {
            "type": "conversation.item.create",
            "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello"}]},
        }
    )
    while (await socket.receive_json_from(timeout=10))["type"] != "response.done":
        pass
    await socket.disconnect()
