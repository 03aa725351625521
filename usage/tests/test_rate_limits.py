"""The moving-window rate limiter against this run's real Redis, with a fake clock."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import limits.storage.redis as limits_redis_storage
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usage import rate_limits
from usage.limits import LimitUnavailable
from usage.rate_limits import RateLimit, rate_limits_hit
from usage.refusals import refusal_counts

WINDOW = 60.0
START = 1_800_000_000.0


class FakeClock:
    """Stands in for the `time` module where the limiter reads the time."""

    def __init__(self) -> None:
        self.now = START

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, redis_conn: Any) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(limits_redis_storage, "time", fake)
    monkeypatch.setattr(rate_limits, "time", fake)
    return fake


def _hit(key: str, per_minute: int) -> bool:
    limit = RateLimit("ip", key, per_minute)
    return rate_limits_hit(tenant_id=1, reason_prefix="test", limits=[limit], fail_open=False).allowed


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    per_minute=st.integers(min_value=1, max_value=8),
    gaps=st.lists(
        st.one_of(st.just(0.0), st.floats(min_value=0, max_value=WINDOW * 1.5, allow_nan=False)),
        min_size=1,
        max_size=60,
    ),
)
def test_over_any_request_times_it_never_admits_more_than_burst_plus_rate_times_elapsed(
    clock: FakeClock, per_minute: int, gaps: list[float]
) -> None:
    key = f"prop:{uuid.uuid4().hex}"
    admitted: list[float] = []
    clock.now = START
    for gap in gaps:
        clock.now += gap
        now = clock.now
        if _hit(key, per_minute):
            admitted.append(now)
        else:
            # Exact, not merely safe: it refuses only when the last minute already holds `per_minute` admissions.
            assert sum(1 for t in admitted if t >= now - WINDOW) >= per_minute
    rate = per_minute / WINDOW
    for i, first in enumerate(admitted):
        for j in range(i, len(admitted)):
            assert j - i + 1 <= per_minute + rate * (admitted[j] - first)


def test_a_refusal_says_when_to_retry_and_the_window_moves_rather_than_resets(clock: FakeClock) -> None:
    key = f"retry:{uuid.uuid4().hex}"
    assert _hit(key, 2)
    clock.now += 40
    assert _hit(key, 2)
    clock.now += 10
    limit = [RateLimit("ip", key, 2)]
    refused = rate_limits_hit(tenant_id=1, reason_prefix="test", limits=limit, fail_open=False)
    assert not refused.allowed and refused.retry_after == 11  # the first admission leaves the window after 60 s
    clock.now += 10
    assert not _hit(key, 2)  # at exactly 60 s it is still inside
    clock.now += 1
    assert _hit(key, 2)  # one slot freed, no more: the second admission is still inside the window
    assert not _hit(key, 2)


def test_the_first_limit_that_refuses_is_counted_for_the_tenant_and_later_ones_are_not_spent(
    clock: FakeClock,
) -> None:
    suffix = uuid.uuid4().hex
    tight, loose = RateLimit("key", f"k:{suffix}", 1), RateLimit("tenant", f"t:{suffix}", 5)
    before = refusal_counts().get((77, "open_key"), 0)
    assert rate_limits_hit(tenant_id=77, reason_prefix="open", limits=[tight, loose], fail_open=False).allowed
    refused = rate_limits_hit(tenant_id=77, reason_prefix="open", limits=[tight, loose], fail_open=False)
    assert (refused.allowed, refused.scope) == (False, "key")
    assert refusal_counts()[(77, "open_key")] == before + 1
    for _ in range(4):  # the refused request took nothing from the tenant's allowance
        assert _hit(f"t:{suffix}", 5)


def test_simultaneous_hits_from_many_threads_admit_exactly_the_limit(redis_conn: Any) -> None:
    key = f"race:{uuid.uuid4().hex}"
    barrier = threading.Barrier(12)
    outcomes: list[bool] = []

    def hit() -> None:
        barrier.wait()
        outcomes.append(_hit(key, 7))

    threads = [threading.Thread(target=hit) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(True) == 7


def test_it_fails_closed_or_open_as_asked_when_redis_is_unreachable(settings: Any) -> None:
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}

    limit = [RateLimit("ip", f"down:{uuid.uuid4().hex}", 1)]
    with pytest.raises(LimitUnavailable):
        rate_limits_hit(tenant_id=1, reason_prefix="open", limits=limit, fail_open=False)
    before = rate_limits.fallback_count()
    assert rate_limits_hit(tenant_id=1, reason_prefix="bootstrap", limits=limit, fail_open=True).allowed
    assert not rate_limits_hit(tenant_id=1, reason_prefix="bootstrap", limits=limit, fail_open=True).allowed
    assert rate_limits.fallback_count() == before + 2
