"""A live session steps down as the budget runs out: shorter answers, a goodbye in the agent's language, the end.

Driven against the realtime simulator, whose usage is deterministic, with the real MongoDB and Redis.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from agents import budget_steps, protocol
from agents.plans import session_plan_build
from agents.session import AgentSession, SessionLimits
from config import mongo as mongo_module
from tests.support.factories import make_agent, make_tenant
from usage import store as usage_store
from usage.services import price_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.slow]

BUDGET = Decimal("0.15")


def _plan(language: str, **tenant_fields: Any) -> Any:
    tenant = make_tenant(daily_budget_usd=BUDGET, **tenant_fields)
    agent = make_agent(tenant, greeting="", language=language)
    return session_plan_build(agent=agent, channel="console")


async def open_session(simulator_url: str, language: str = "en", **tenant_fields: Any) -> tuple[AgentSession, list]:
    plan = await sync_to_async(_plan)(language, **tenant_fields)
    emitted: list[dict[str, Any]] = []

    async def emit(text: str) -> None:
        emitted.append(json.loads(text))

    async def nothing(*args: Any) -> None:
        return None

    session = AgentSession(
        plan=plan,
        session_id=f"vs_budget_{language}",
        key_id=None,
        limits=SessionLimits(max_duration_seconds=600, idle_timeout_seconds=600, heartbeat_seconds=600),
        retention_days=1,
        upstream_url=simulator_url,
        api_key="sk-simulator",
        price=await sync_to_async(price_for)(plan.model),
        send_client=emit,
        close_client=nothing,
        still_allowed=nothing,
        debug=True,  # every upstream event reaches `emitted`, session.updated included
    )
    await session.open()
    return session, emitted


def _metered(session_id: str) -> list[dict[str, Any]]:
    return list(mongo_module.collection(usage_store.USAGE_EVENTS).find({"sessionId": session_id}))


async def talk_until_the_end(session: AgentSession, emitted: list[dict[str, Any]], turns: int = 40) -> None:
    """A visitor who keeps asking, one turn after the other's answer is metered, until the session ends."""
    for _ in range(turns):
        if session.ended_reason is not None:
            return
        done_before = sum(1 for e in emitted if e.get("type") == "response.done")
        text = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Tell me more."}]}
        await session.from_client(json.dumps({"type": "conversation.item.create", "item": text}))
        for _ in range(300):  # the answer, then its metering (the recorder's thread), as a visitor's pace allows
            await asyncio.sleep(0.05)
            done = sum(1 for e in emitted if e.get("type") == "response.done")
            if session.ended_reason is not None:
                return
            if done > done_before and len(await sync_to_async(_metered)(session.session_id)) >= done:
                break
        await asyncio.sleep(0.1)  # the step decided after metering reaches the loop
    raise AssertionError("the session never ended for its budget")


async def test_near_the_cap_it_answers_shorter_says_goodbye_and_ends_within_one_answer_of_the_budget(
    simulator_url: str, mongo: Any, redis_conn: Any
) -> None:
    session, emitted = await open_session(simulator_url)
    await talk_until_the_end(session, emitted)
    await asyncio.sleep(0.5)  # the last answer's metering

    assert session.ended_reason == "budget"
    updated = [e for e in emitted if e.get("type") == "session.updated"]
    assert updated[-1]["session"]["max_output_tokens"] == budget_steps.REDUCED_MAX_OUTPUT_TOKENS
    answers = [e for e in emitted if e.get("type") == "response.output_audio_transcript.done"]
    assert answers[-1]["transcript"] == budget_steps.GOODBYES["en"]
    assert len(answers) >= 3 and answers[-2]["transcript"] != answers[-1]["transcript"]  # one goodbye, last
    assert emitted.index(updated[-1]) < emitted.index(answers[-1])  # shorter answers first, then the goodbye
    notice = next(e for e in emitted if e.get("type") == "platform.notice")
    assert (notice["code"], notice["message"]) == ("budget", protocol.NOTICES["budget"])
    platform = [e for e in emitted if e["type"].startswith("platform.") and e["type"] != "platform.debug"]
    assert platform[-2] == notice and (platform[-1]["type"], platform[-1]["reason"]) == ("platform.ended", "budget")

    costs = [Decimal(str(event["dollars"])) for event in await sync_to_async(_metered)(session.session_id)]
    assert sum(costs) > BUDGET * Decimal("0.9")  # it really got near the cap
    assert sum(costs) <= BUDGET + max(costs)  # and passed it by one answer at most
    record = await sync_to_async(usage_store.session_get)(tenant_id=session.plan.tenant_id, session_id="vs_budget_en")
    assert record["endReason"] == "budget"


async def test_the_goodbye_is_in_the_agents_language_and_the_visitor_is_not_relayed_after_it(
    simulator_url: str, mongo: Any, redis_conn: Any
) -> None:
    session, emitted = await open_session(simulator_url, language="es", budget_step_down_percent=50)
    await talk_until_the_end(session, emitted)
    goodbye = [e for e in emitted if e.get("type") == "response.output_audio_transcript.done"][-1]
    assert goodbye["transcript"] == budget_steps.GOODBYES["es"]
    assert session.budget.closing and session.ended_reason == "budget"


async def test_an_unknown_language_gets_the_english_line_to_translate() -> None:
    assert "'sw'" in budget_steps.goodbye_instructions("sw")
    assert budget_steps.GOODBYES["en"] in budget_steps.goodbye_instructions("sw")
