"""Tool calls inside a response: writes wait for the response to complete, and a barge-in cancels them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from agents.plans import greeting_instructions, session_plan_build
from agents.session import AgentSession, PendingCall, SessionLimits
from httptools.models import Effect, Method
from tests.support.factories import make_agent, make_tenant, make_tool

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _shop_plan() -> Any:
    """A shop agent with one read tool and one write tool, on a backend that is never reached."""
    tenant = make_tenant()
    agent = make_agent(tenant)
    make_tool(tenant, agent=agent, name="search_products", effect=Effect.READ)
    make_tool(tenant, agent=agent, name="place_order", method=Method.POST, effect=Effect.WRITE)
    return session_plan_build(agent=agent, channel="widget")


async def make_session() -> tuple[AgentSession, list[dict[str, Any]]]:
    plan = await sync_to_async(_shop_plan)()
    emitted: list[dict[str, Any]] = []

    async def emit(text: str) -> None:
        emitted.append(json.loads(text))

    async def nothing(*args: Any) -> None:
        return None

    session = AgentSession(
        plan=plan,
        session_id="vs_unit",
        key_id=None,
        limits=SessionLimits(max_duration_seconds=60, idle_timeout_seconds=60, heartbeat_seconds=45),
        retention_days=1,
        upstream_url="ws://127.0.0.1:9/unused",
        api_key="sk",
        price=None,
        send_client=emit,
        close_client=nothing,
        still_allowed=nothing,
    )
    return session, emitted


def call_done(name: str, call_id: str, response_id: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The finished function call item, as `response.output_item.done` carries it."""
    return {
        "type": "response.output_item.done",
        "response_id": response_id,
        "output_index": 0,
        "item": {
            "id": "item_1",
            "type": "function_call",
            "status": "completed",
            "call_id": call_id,
            "name": name,
            "arguments": json.dumps(arguments),
        },
    }


async def test_a_write_call_from_a_cancelled_response_never_runs(mongo: Any, redis_conn: Any) -> None:
    session, emitted = await make_session()
    order = {
        "product_id": "p-001",
        "option": "42",
        "quantity": 1,
        "customer_name": "Ana",
        "customer_email": "ana@example.com",
        "confirmed": True,
    }
    await session._upstream_event(call_done("place_order", "call_w", "resp_1", order))
    assert session._calls["call_w"].task is None  # a write waits for its response to complete
    await session._upstream_event(
        {
            "type": "response.done",
            "response": {
                "id": "resp_1",
                "status": "cancelled",
                "status_details": {"type": "cancelled", "reason": "turn_detected"},
                "output": [],
                "usage": None,
            },
        }
    )
    await asyncio.sleep(0.2)
    assert session._calls == {} and session._tool_queue.empty()
    assert not any(e["type"] == "platform.tool" for e in emitted)
    assert mongo["tool_logs"].count_documents({}) == 0


async def test_a_read_call_starts_at_once_and_is_stopped_by_a_cancel(mongo: Any, redis_conn: Any) -> None:
    session, _ = await make_session()
    await session._upstream_event(call_done("search_products", "call_r", "resp_2", {"sort": "cheapest"}))
    task = session._calls["call_r"].task
    assert task is not None
    await session._upstream_event({"type": "response.done", "response": {"id": "resp_2", "status": "cancelled"}})
    await asyncio.sleep(0)
    assert task.cancelled() or task.done()
    assert session._tool_queue.empty()


async def test_a_completed_response_hands_its_calls_to_the_tool_worker(mongo: Any, redis_conn: Any) -> None:
    session, _ = await make_session()
    await session._upstream_event(call_done("place_order", "call_w2", "resp_3", {"confirmed": False}))
    await session._upstream_event({"type": "response.done", "response": {"id": "resp_3", "status": "completed"}})
    response_id, calls = session._tool_queue.get_nowait()
    assert response_id == "resp_3" and [c.call_id for c in calls] == ["call_w2"]


async def test_a_tool_the_agent_does_not_allow_runs_nothing(mongo: Any, redis_conn: Any) -> None:
    session, emitted = await make_session()
    session.upstream = None
    call = PendingCall(call_id="c", name="list_speakers", arguments="{}", response_id="r")
    output = await session._execute(call)
    assert "no tool named" in output
    assert {k: v for k, v in emitted[-1].items() if k != "event_id"} == {
        "type": "platform.tool",
        "callId": "c",
        "tool": "list_speakers",
        "status": "error",
    }
    assert mongo["tool_logs"].count_documents({}) == 0


async def test_a_read_call_cut_off_by_a_cancel_never_starts(mongo: Any, redis_conn: Any) -> None:
    # The real API sends function_call_arguments.done for a cancelled call too, and the cancelled
    # response.done only a little later: only the item's own status may start a call.
    session, emitted = await make_session()
    cut = call_done("search_products", "call_cut", "resp_4", {"sort": "cheapest"})
    arguments_done = {
        "type": "response.function_call_arguments.done",
        "response_id": "resp_4",
        "item_id": "item_1",
        "output_index": 0,
        "call_id": "call_cut",
        "name": "search_products",
        "arguments": cut["item"]["arguments"],
    }
    await session._upstream_event(arguments_done)
    await session._upstream_event({**cut, "item": {**cut["item"], "status": "incomplete"}})
    await asyncio.sleep(0.2)  # the cancel's lag before its response.done
    await session._upstream_event({"type": "response.done", "response": {"id": "resp_4", "status": "cancelled"}})
    await asyncio.sleep(0.1)
    assert session._calls == {} and session._tool_queue.empty()
    assert not any(e["type"] == "platform.tool" for e in emitted)
    assert mongo["tool_logs"].count_documents({}) == 0


async def test_audio_deltas_reach_the_visitor_whatever_the_key_order(mongo: Any, redis_conn: Any) -> None:
    session, emitted = await make_session()
    frame = '{"event_id": "event_1", "type": "response.output_audio.delta", "response_id": "r", "delta": "AAAA"}'
    await session._upstream_frame(frame)
    assert emitted == [json.loads(frame)]


async def test_the_greeting_keeps_the_session_instructions() -> None:
    plan = await sync_to_async(_shop_plan)()
    plan.greeting = "Welcome to the shop!"
    instructions = greeting_instructions(plan)
    # A response's instructions replace the session's: persona, tools, safety and language must all stay.
    assert instructions.startswith(plan.realtime_config["instructions"])
    assert "# Safety" in instructions and "# Language" in instructions
    assert instructions.endswith("Greet the visitor with exactly: Welcome to the shop!")


async def test_a_refused_create_waits_for_the_active_response(mongo: Any, redis_conn: Any) -> None:
    session, emitted = await make_session()
    await session._request_response()  # in flight (no upstream here: nothing is really sent)
    in_flight = session._gate.in_flight
    assert in_flight is not None
    await session._upstream_event({"type": "response.created", "response": {"id": "resp_vad"}})
    error = {"code": "conversation_already_has_active_response", "message": "busy", "event_id": None}
    await session._upstream_event({"type": "error", "error": error})  # even without its event_id
    assert session._gate.waiting is not None and session._gate.waiting["event_id"] == in_flight
    assert not any(e["type"] == "error" for e in emitted)  # not the visitor's problem
    await session._upstream_event({"type": "response.done", "response": {"id": "resp_vad", "status": "completed"}})
    assert session._gate.in_flight == in_flight and session._gate.waiting is None  # asked again


async def test_the_second_failed_tool_call_gives_the_visitor_the_agents_contact_once(
    mongo: Any, redis_conn: Any
) -> None:
    session, emitted = await make_session()
    session.plan.escalation_contact = "support@shop.example"
    session.upstream = None

    def escalations() -> list[dict[str, Any]]:
        return [e for e in emitted if e.get("type") == "platform.notice" and e.get("code") == "escalation"]

    for index in range(3):  # the tenant's backend cannot be reached: every call fails
        await session._execute(
            PendingCall(call_id=f"c{index}", name="search_products", arguments="{}", response_id="r")
        )
        assert len(escalations()) == (0 if index == 0 else 1)
    notice = escalations()[0]
    assert (
        notice["message"] == "Sorry, I can't get that done right now. You can reach a person at support@shop.example."
    )
    assert "Fix them" not in json.dumps(emitted) and "call the tool again" not in json.dumps(emitted)
