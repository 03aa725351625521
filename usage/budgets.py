"""Budgets: the tenant's spend per UTC day and month, kept in Redis counters that MongoDB can rebuild, and
what people read about it (the console's usage panel).

`usage_daily` in MongoDB is the record; the Redis counters are the fast guard every open and every response
reads. A counter that is missing (first spend of the period, or Redis restarted without its data) is seeded
from `usage_daily`, and one that missed an add while Redis was down is rebuilt from it once Redis answers, so
an outage never resets a tenant's spend to zero.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tenants.models import Tenant
from usage import limits, store

MICRO = Decimal(1_000_000)

# (tenant, period) counters that missed an add in this process while Redis was down: rebuilt on next read.
_stale_periods: set[tuple[int, str]] = set()
_lock = threading.Lock()


def periods_of(moment: datetime | None = None) -> tuple[str, str]:
    """The UTC day and month a response counts in."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%d"), moment.strftime("%Y-%m")


def _recorded_micro(tenant_id: int, period: str) -> int:
    return round(Decimal(str(store.usage_dollars(tenant_id=tenant_id, period=period))) * MICRO)


def spend_record(*, tenant_id: int, micro_dollars: int, moment: datetime | None = None) -> None:
    """Add one response's spend to its day's and month's counters (after `usage_daily` has it)."""
    periods = list(periods_of(moment))
    totals = limits.spend_add(tenant_id=tenant_id, periods=periods, micro_dollars=micro_dollars)
    with _lock:
        if totals is None:
            _stale_periods.update((tenant_id, period) for period in periods)
            return
    for period, total in zip(periods, totals, strict=True):
        if total is None:  # usage_daily already holds this response, so the seed includes it
            limits.spend_seed(
                tenant_id=tenant_id,
                period=period,
                micro_dollars=_recorded_micro(tenant_id, period),
                overwrite=False,
            )


def spent_micro(*, tenant_id: int, period: str) -> int:
    """The period's spend in micro-dollars; raises limits.LimitUnavailable when Redis is down (fail closed)."""
    with _lock:
        stale = (tenant_id, period) in _stale_periods
    value = None if stale else limits.spend_get(tenant_id=tenant_id, period=period)
    if value is None:
        value = limits.spend_seed(
            tenant_id=tenant_id, period=period, micro_dollars=_recorded_micro(tenant_id, period), overwrite=stale
        )
        with _lock:
            _stale_periods.discard((tenant_id, period))
    return value


def spent_usd(*, tenant_id: int, period: str) -> Decimal:
    return Decimal(spent_micro(tenant_id=tenant_id, period=period)) / MICRO


def tenant_spend_today(*, tenant_id: int) -> dict[str, Any]:
    """Today's spend (UTC day) against the daily budget, in dollars; `spentUsd` is None when Redis is down."""
    budget = Tenant.objects.filter(pk=tenant_id).values_list("daily_budget_usd", flat=True).first() or Decimal(0)
    try:
        spent: float | None = float(spent_usd(tenant_id=tenant_id, period=periods_of()[0]))
    except limits.LimitUnavailable:
        spent = None
    return {"spentUsd": spent, "budgetUsd": float(budget)}


def session_usage_summary(*, tenant_id: int, session_id: str) -> dict[str, Any]:
    """The console's usage panel: the session's running total by token kind (every response counted so far,
    not the last one) and the tenant's spend today against its budget."""
    doc = store.session_get(tenant_id=tenant_id, session_id=session_id) or {}
    usage = doc.get("usage") or {}
    return {
        "session": {
            "dollars": float(usage.get("dollars") or 0),
            "responses": int(usage.get("responses") or 0),
            "tokens": {kind: int(usage.get(kind) or 0) for kind in store.TOKEN_KINDS},
        },
        "today": tenant_spend_today(tenant_id=tenant_id),
    }
