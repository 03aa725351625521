"""The heartbeat, the stale threshold and the lease lifetime move together, and SESSION_TIME_SCALE scales all."""

from __future__ import annotations

import time
from typing import Any

from tests.support.factories import make_live_session
from usage import limits, services, store, timers

TENANT = 778  # this module's own, so lease counts are its own


def test_stale_and_lease_lifetimes_are_three_heartbeats_scaled(settings: Any) -> None:
    settings.SESSION_HEARTBEAT_SECONDS = 45.0
    settings.SESSION_TIME_SCALE = 1.0
    assert (timers.heartbeat_seconds(), timers.stale_after_seconds(), timers.lease_ttl_seconds()) == (45, 135, 135)

    settings.SESSION_TIME_SCALE = 0.01
    assert round(timers.heartbeat_seconds(), 3) == 0.45
    assert round(timers.stale_after_seconds(), 3) == round(timers.lease_ttl_seconds(), 3) == 1.35


def test_a_drill_at_a_small_scale_reaps_a_crashed_session_in_seconds(
    settings: Any, mongo: Any, redis_conn: Any
) -> None:
    settings.SESSION_TIME_SCALE = 0.01  # stale after 1.35 s
    make_live_session(tenant_id=TENANT, session_id="vs_drill_crashed", last_seen_seconds_ago=3)
    make_live_session(tenant_id=TENANT, session_id="vs_drill_alive")

    assert services.sessions_reap() == 1
    assert store.session_get(tenant_id=TENANT, session_id="vs_drill_crashed")["endReason"] == "heartbeat_lost"
    assert store.session_get(tenant_id=TENANT, session_id="vs_drill_alive")["status"] == "live"


def test_an_unrenewed_lease_frees_its_slot_after_three_scaled_heartbeats(settings: Any, redis_conn: Any) -> None:
    settings.SESSION_TIME_SCALE = 0.01  # leases live 1.35 s unless renewed
    assert limits.lease_acquire(tenant_id=TENANT, session_id="vs_lease_a", limit=1)
    assert not limits.lease_acquire(tenant_id=TENANT, session_id="vs_lease_b", limit=1)

    time.sleep(timers.lease_ttl_seconds() + 0.3)

    assert limits.lease_acquire(tenant_id=TENANT, session_id="vs_lease_b", limit=1)
    limits.lease_release(tenant_id=TENANT, session_id="vs_lease_b")
