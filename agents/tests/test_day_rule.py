"""The day rule: a response counts on the UTC day its `response.done` arrives, whenever it is written. A
session across midnight splits by response, and a record held back by a MongoDB outage past midnight still
lands on the day of its response (the clock is faked; MongoDB's outage is the real server's fail point)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from asgiref.sync import sync_to_async

from agents.plans import session_plan_build
from agents.recorder import recorder
from agents.session import AgentSession, SessionLimits
from config import mongo as mongo_module
from tests.support.factories import make_agent, make_live_session, make_tenant
from usage import budgets, store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.slow]

USAGE = {
    "total_tokens": 320,
    "input_tokens": 132,
    "output_tokens": 188,
    "input_token_details": {
        "text_tokens": 59,
        "audio_tokens": 73,
        "cached_tokens": 64,
        "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 64},
    },
    "output_token_details": {"text_tokens": 41, "audio_tokens": 147},
}
LAST_MINUTE = datetime(2026, 3, 9, 23, 59, 50, tzinfo=UTC)


@pytest.fixture
def mongodb_outage(mongo: Any) -> Iterator[Any]:
    """`mongodb_outage(True)`: the server drops the connection on every write, until `mongodb_outage(False)`."""

    def switch(down: bool) -> None:
        mongo_module.client().admin.command(
            {
                "configureFailPoint": "failCommand",
                "mode": "alwaysOn" if down else "off",
                "data": {"failCommands": ["insert", "update", "findAndModify", "delete"], "closeConnection": True},
            }
        )

    yield switch
    switch(False)


async def make_session() -> AgentSession:
    def plan() -> Any:
        return session_plan_build(agent=make_agent(make_tenant()), channel="widget")

    async def nothing(*args: Any) -> None:
        return None

    session = AgentSession(
        plan=await sync_to_async(plan)(),
        session_id="vs_midnight",
        key_id=None,
        limits=SessionLimits(max_duration_seconds=60, idle_timeout_seconds=60, heartbeat_seconds=45),
        retention_days=1,
        upstream_url="ws://127.0.0.1:9/unused",
        api_key="sk",
        price=None,
        send_client=nothing,
        close_client=nothing,
        still_allowed=nothing,
    )
    await sync_to_async(make_live_session)(tenant_id=session.plan.tenant_id, session_id="vs_midnight")
    return session


async def response_done(session: AgentSession, response_id: str) -> None:
    """The upstream's `response.done`, handled as the relay handles it."""
    await session._upstream_event(
        {"type": "response.done", "response": {"id": response_id, "status": "completed", "usage": USAGE}}
    )


def counted(tenant_id: int, day: datetime) -> tuple[int, bool]:
    """(responses in that UTC day's usage_daily, whether that day's budget counter holds their dollars)."""
    name = day.strftime("%Y-%m-%d")
    rows = store.usage_daily_for(tenant_id=tenant_id, day=name)
    dollars = sum(row["dollars"] for row in rows)
    spent = budgets.spent_micro(tenant_id=tenant_id, period=name) / 1e6
    return sum(row["responses"] for row in rows), round(spent, 5) == round(dollars, 5)


async def test_a_session_across_midnight_counts_each_response_on_its_own_day(mongo: Any, redis_conn: Any) -> None:
    with time_machine.travel(LAST_MINUTE, tick=True) as clock:
        session = await make_session()
        await response_done(session, "resp_before")
        await recorder().drain(within=10)
        clock.move_to(LAST_MINUTE + timedelta(seconds=20))
        await response_done(session, "resp_after")
        assert await recorder().drain(within=10)

    tenant = session.plan.tenant_id
    assert await sync_to_async(counted)(tenant, LAST_MINUTE) == (1, True)
    assert await sync_to_async(counted)(tenant, LAST_MINUTE + timedelta(days=1)) == (1, True)


async def test_a_record_held_back_by_an_outage_past_midnight_lands_on_the_day_of_its_response(
    mongodb_outage: Any, redis_conn: Any
) -> None:
    with time_machine.travel(LAST_MINUTE, tick=True) as clock:
        session = await make_session()
        await sync_to_async(mongodb_outage)(True)
        await response_done(session, "resp_late")
        assert not await recorder().drain(within=1)  # held back, retrying
        clock.move_to(LAST_MINUTE + timedelta(minutes=2))  # the outage lasts past midnight
        await sync_to_async(mongodb_outage)(False)
        assert await recorder().drain(within=20)

    tenant = session.plan.tenant_id
    assert await sync_to_async(counted)(tenant, LAST_MINUTE) == (1, True)
    assert await sync_to_async(counted)(tenant, LAST_MINUTE + timedelta(days=1)) == (0, True)
