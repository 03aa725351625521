"""Each response is counted exactly once, in the daily total, the session's total and the budget, whatever
write a MongoDB outage or a crash cuts: the retry (or the janitor's repair) finishes the half-done write.

The cut is real: MongoDB's own `failCommand` fail point makes the SecantusDB server close the connection on
every write after the first `skip` ones, so the metering call fails exactly where a crash or an outage would
stop it, and writes resume when the fail point is switched off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pymongo.errors import PyMongoError

from config import mongo as mongo_module
from tests.support.factories import make_live_session
from usage import budgets, ledger, services, store
from usage.models import ModelPrice

pytestmark = pytest.mark.django_db

TENANT = 5150  # no other test uses it
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
DOLLARS = 0.0106136  # the example at gpt-realtime prices


def budget(responses: int) -> float:
    """The budget counter after that many responses, to 5 decimals: each add and a counter rebuilt from
    usage_daily round to the micro-dollar differently, never by a whole response."""
    return round(responses * DOLLARS, 5)


WRITES_PER_RESPONSE = 7  # event, daily total, session total, event flags, two marker pulls, event complete


@pytest.fixture
def cut_writes(mongo: Any) -> Iterator[Any]:
    """`cut_writes(skip)`: the MongoDB server lets `skip` more writes through, then drops the connection on each."""

    def cut(skip: int) -> None:
        mongo_module.client().admin.command(
            {
                "configureFailPoint": "failCommand",
                "mode": {"skip": skip} if skip else "alwaysOn",
                "data": {"failCommands": ["insert", "update", "findAndModify", "delete"], "closeConnection": True},
            }
        )

    yield cut
    restore()


def restore() -> None:
    mongo_module.client().admin.command({"configureFailPoint": "failCommand", "mode": "off"})


def meter(response_id: str = "resp_1") -> Decimal | None:
    return services.usage_meter(
        tenant_id=TENANT,
        channel="widget",
        session_id="vs_cut",
        model="gpt-realtime",
        response_id=response_id,
        usage=USAGE,
        price=ModelPrice.objects.get(model="gpt-realtime"),
        at=datetime.now(UTC),
    )


def totals() -> tuple[int, int, int]:
    """(responses in today's daily total, responses in the session's total, dollars in the budget)."""
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    daily = store.usage_daily_for(tenant_id=TENANT, day=day)
    session = store.session_get(tenant_id=TENANT, session_id="vs_cut")
    assert session is not None
    return (
        sum(row["responses"] for row in daily),
        session["usage"]["responses"],
        round(budgets.spent_micro(tenant_id=TENANT, period=day) / 1e6, 5),
    )


# A cut before the event itself is written leaves nothing to repair: the recorder's retry writes it.
CUTS = [("retry", skip) for skip in range(WRITES_PER_RESPONSE)] + [
    ("repair", skip) for skip in range(1, WRITES_PER_RESPONSE)
]


@pytest.mark.parametrize(("recovery", "skip"), CUTS, ids=[f"{recovery}-after-{skip}-writes" for recovery, skip in CUTS])
def test_a_write_cut_anywhere_is_finished_and_counted_once(
    cut_writes: Any, redis_conn: Any, skip: int, recovery: str
) -> None:
    make_live_session(tenant_id=TENANT, session_id="vs_cut")
    meter("resp_0")  # the day's row exists already: the usual case
    cut_writes(skip)

    with pytest.raises(PyMongoError):
        meter()
    restore()
    if recovery == "retry":
        meter()  # what the recorder does: the same record again
    else:
        ledger.usage_repair(older_than_seconds=0)  # what the janitor does

    assert totals() == (2, 2, budget(2))
    meter()
    ledger.usage_repair(older_than_seconds=0)
    assert totals() == (2, 2, budget(2))
    daily = store.usage_daily_for(tenant_id=TENANT, day=datetime.now(UTC).strftime("%Y-%m-%d"))
    assert daily[0]["tokens"]["total"] == 640 and "meteringEvents" not in daily[0]


def test_a_write_cut_on_the_days_first_response_is_counted_once(cut_writes: Any, redis_conn: Any) -> None:
    make_live_session(tenant_id=TENANT, session_id="vs_cut")
    for skip in range(1, 4):  # after the event, after the day's row is created, after its increment
        cut_writes(skip)
        with pytest.raises(PyMongoError):
            meter(f"resp_{skip}")
        restore()
        meter(f"resp_{skip}")

    assert totals() == (3, 3, budget(3))


def test_the_whole_write_counts_once_when_it_goes_through(cut_writes: Any, redis_conn: Any) -> None:
    """The count of writes above is right: with that many let through, nothing is cut."""
    make_live_session(tenant_id=TENANT, session_id="vs_cut")
    meter("resp_0")
    cut_writes(WRITES_PER_RESPONSE)

    assert meter() is not None
    restore()
    assert totals() == (2, 2, budget(2))


def test_a_response_metered_while_redis_was_down_counts_once_in_the_budget_when_it_returns(
    mongo: Any, redis_conn: Any, settings: Any
) -> None:
    make_live_session(tenant_id=TENANT, session_id="vs_cut")
    meter("resp_0")
    caches = settings.CACHES
    settings.CACHES = {"default": {**caches["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    assert meter() is not None  # the daily and session totals do not wait for Redis
    settings.CACHES = caches

    assert totals() == (2, 2, budget(2))
    meter()
    ledger.usage_repair(older_than_seconds=0)
    assert totals() == (2, 2, budget(2))
