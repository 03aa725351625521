"""Usage to dollars, counted once per response id; reaper and janitor end stale sessions once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.support.factories import make_live_session
from usage import limits, pricing, services, store
from usage.models import ModelPrice

# A `response.done` usage object in the shape the GA Realtime API sends (the openai SDK's RealtimeResponseUsage).
USAGE = {
    "total_tokens": 320,
    "input_tokens": 132,
    "output_tokens": 188,
    "input_token_details": {
        "text_tokens": 59,
        "audio_tokens": 73,
        "image_tokens": 0,
        "cached_tokens": 64,
        "cached_tokens_details": {"text_tokens": 0, "audio_tokens": 64, "image_tokens": 0},
    },
    "output_token_details": {"text_tokens": 41, "audio_tokens": 147},
}


@pytest.mark.django_db
def test_the_published_example_costs_what_the_price_list_says() -> None:
    counts = pricing.token_counts(USAGE)
    assert counts["audio_input"] == 9 and counts["audio_cached"] == 64 and counts["total"] == 320
    assert pricing.cost_usd(counts, ModelPrice.objects.get(model="gpt-realtime")) == Decimal("0.0106136")
    assert round(pricing.cost_usd(counts, ModelPrice.objects.get(model="gpt-realtime-mini")), 6) == Decimal("0.003183")


def _meter(response_id: str, session_id: str = "vs_1", tenant_id: int = 4242) -> Decimal | None:
    return services.usage_meter(
        tenant_id=tenant_id,
        channel="widget",
        session_id=session_id,
        model="gpt-realtime",
        response_id=response_id,
        usage=USAGE,
        price=ModelPrice.objects.get(model="gpt-realtime"),
    )


@pytest.mark.django_db
def test_the_same_usage_events_twice_or_out_of_order_leave_totals_unchanged(mongo: Any, redis_conn: Any) -> None:
    store.session_start(
        tenant_id=4242,
        channel="widget",
        session_id="vs_1",
        agent_id=1,
        agent_name="A",
        model="gpt-realtime",
        key_id=1,
        simulator=True,
    )
    for response_id in ["resp_2", "resp_1", "resp_2", "resp_1", "resp_3"]:
        _meter(response_id)
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    [daily] = store.usage_daily_for(tenant_id=4242, day=day)
    assert daily["responses"] == 3 and daily["tokens"]["total"] == 960
    assert daily["dollars"] == pytest.approx(3 * 0.0106136)
    session = store.session_get(tenant_id=4242, session_id="vs_1")
    assert session["usage"]["responses"] == 3 and session["usage"]["dollars"] == pytest.approx(3 * 0.0106136)
    # The guard's counter (seeded from usage_daily, then added to) agrees to a micro-dollar per response.
    assert abs(limits.spend_get(tenant_id=4242, period=day) - 3 * 10613.6) <= 3


@pytest.mark.django_db
def test_usage_of_one_tenant_is_invisible_to_another(mongo: Any, redis_conn: Any) -> None:
    store.session_start(
        tenant_id=4242,
        channel="widget",
        session_id="vs_a",
        agent_id=1,
        agent_name="A",
        model="gpt-realtime",
        key_id=1,
        simulator=True,
    )
    _meter("resp_1", session_id="vs_a")
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    assert store.usage_daily_for(tenant_id=4243, day=day) == []
    assert store.session_get(tenant_id=4243, session_id="vs_a") is None
    with pytest.raises(ValueError):
        store.sessions_recent(tenant_id=None)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_the_budget_guard_counts_spend_and_fails_closed_without_redis(
    mongo: Any, redis_conn: Any, settings: Any
) -> None:
    _meter("resp_1")
    assert services.budget_remaining(tenant_id=4242, daily_budget_usd=Decimal("0.01")) < 0
    assert services.budget_remaining(tenant_id=4242, daily_budget_usd=Decimal("1")) > Decimal("0.98")
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    with pytest.raises(limits.LimitUnavailable):
        services.budget_remaining(tenant_id=1, daily_budget_usd=Decimal("1"))
    with pytest.raises(limits.LimitUnavailable):
        limits.lease_acquire(tenant_id=1, session_id="vs_x", limit=5)


REAPER_TENANT = 777  # no other test uses it, so lease counts are this test's own


def _stale_session(session_id: str, tenant_id: int = REAPER_TENANT) -> None:
    make_live_session(tenant_id=tenant_id, session_id=session_id, last_seen_seconds_ago=600)
    assert limits.lease_acquire(tenant_id=tenant_id, session_id=session_id, limit=100)


def test_the_reaper_ends_a_crashed_session_once_and_frees_its_lease(mongo: Any, redis_conn: Any) -> None:
    _stale_session("vs_crashed")
    make_live_session(tenant_id=REAPER_TENANT, session_id="vs_alive")
    assert services.sessions_reap() == 1
    assert services.sessions_reap() == 0
    crashed = store.session_get(tenant_id=REAPER_TENANT, session_id="vs_crashed")
    assert crashed["status"] == "ended" and crashed["endReason"] == "heartbeat_lost"
    assert store.session_get(tenant_id=REAPER_TENANT, session_id="vs_alive")["status"] == "live"
    assert limits.leases_active(tenant_id=REAPER_TENANT) == 0


def test_two_janitors_at_once_reap_each_stale_session_once(mongo: Any, redis_conn: Any) -> None:
    for index in range(20):
        _stale_session(f"vs_{index}")
    results: list[int] = []
    barrier = threading.Barrier(2)

    def janitor() -> None:
        barrier.wait()
        results.append(services.sessions_reap())

    threads = [threading.Thread(target=janitor) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 20


def test_n_plus_one_leases_against_a_cap_of_n_admit_exactly_n(redis_conn: Any) -> None:
    outcomes: list[bool] = []
    admitted: list[str] = []
    barrier = threading.Barrier(6)

    def take(index: int) -> None:
        barrier.wait()
        taken = limits.lease_acquire(tenant_id=9, session_id=f"vs_{index}", limit=5)
        outcomes.append(taken)
        if taken:
            admitted.append(f"vs_{index}")

    threads = [threading.Thread(target=take, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True, True, True, True, True]
    assert not limits.lease_acquire(tenant_id=9, session_id="vs_new", limit=5)
    limits.lease_release(tenant_id=9, session_id=admitted[0])
    assert limits.lease_acquire(tenant_id=9, session_id="vs_new", limit=5)


@pytest.mark.django_db
def test_the_janitor_command_ensures_indexes_and_reports(mongo: Any, redis_conn: Any) -> None:
    _stale_session("vs_old")
    out = StringIO()
    call_command("janitor", stdout=out)
    assert "stale sessions reaped: 1" in out.getvalue()
    names = {index["name"] for index in mongo["transcripts"].list_indexes()}
    assert {"utterance_once", "retention"} <= names
