"""Budgets: the tenant's spend per UTC day and month, kept in Redis counters that MongoDB can rebuild, and
what people read about it (the console's usage panel).

`usage_daily` in MongoDB is the record; the Redis counters are the fast guard every open and every response
reads. A counter that is missing (first spend of the period, or Redis restarted without its data) is seeded
from `usage_daily`, and one that missed an add while Redis was down is rebuilt from it once Redis answers, so
an outage never resets a tenant's spend to zero.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
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


def spend_record(
    *, tenant_id: int, micro_dollars: int, moment: datetime | None = None, event_id: str | None = None
) -> None:
    """Add one response's spend to its day's and month's counters (after `usage_daily` has it); once per
    `event_id` (the usage ledger's retries). Raises limits.LimitUnavailable when a seed cannot be written."""
    periods = list(periods_of(moment))
    totals = limits.spend_add(tenant_id=tenant_id, periods=periods, micro_dollars=micro_dollars, event_id=event_id)
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


ALERT_RATIO = Decimal("0.8")


@dataclass(frozen=True)
class BudgetState:
    """A tenant's spend against its budgets now (dollars); `month_budget` None means no monthly cap."""

    day_spent: Decimal
    day_budget: Decimal
    month_spent: Decimal
    month_budget: Decimal | None
    step_down_ratio: Decimal

    @staticmethod
    def _ratio(spent: Decimal, budget: Decimal) -> Decimal:
        return spent / budget if budget > 0 else Decimal(1)  # a zero budget admits nothing: used up

    @property
    def day_ratio(self) -> Decimal:
        return self._ratio(self.day_spent, self.day_budget)

    @property
    def month_ratio(self) -> Decimal | None:
        return None if self.month_budget is None else self._ratio(self.month_spent, self.month_budget)

    @property
    def ratio(self) -> Decimal:
        """The share used of the tighter budget."""
        return max(self.day_ratio, self.month_ratio or Decimal(0))

    @property
    def remaining(self) -> Decimal:
        """Dollars left before the tighter budget is used up (negative when over)."""
        left = self.day_budget - self.day_spent
        if self.month_budget is not None:
            left = min(left, self.month_budget - self.month_spent)
        return left

    @property
    def alert(self) -> bool:
        return self.ratio >= ALERT_RATIO


def budget_state(*, tenant: Tenant) -> BudgetState:
    """Spend today and this month against the tenant's budgets; raises limits.LimitUnavailable (fail closed)."""
    day, month = periods_of()
    return BudgetState(
        day_spent=spent_usd(tenant_id=tenant.pk, period=day),
        day_budget=tenant.daily_budget_usd,
        month_spent=spent_usd(tenant_id=tenant.pk, period=month),
        month_budget=tenant.monthly_budget_usd,
        step_down_ratio=Decimal(tenant.budget_step_down_percent) / 100,
    )


def budget_use(*, tenants: list[Tenant]) -> dict[int, dict[str, float | None]]:
    """For /metrics and banners: each tenant's used share of its daily and monthly budget (None: no monthly
    cap); raises limits.LimitUnavailable."""
    states = {tenant.pk: budget_state(tenant=tenant) for tenant in tenants}
    return {
        pk: {"day": float(state.day_ratio), "month": None if state.month_ratio is None else float(state.month_ratio)}
        for pk, state in states.items()
    }


def budget_alert(*, tenant: Tenant) -> str:
    """The warning line for a tenant past 80 % of its daily or monthly budget; "" below it or when Redis is
    down (a warning must never break the page that shows it)."""
    try:
        state = budget_state(tenant=tenant)
    except limits.LimitUnavailable:
        return ""
    return f"{tenant.name} has used {budget_summary(state)}." if state.alert else ""


def budget_alerts(*, tenants: list[Tenant]) -> list[str]:
    """One line per tenant past 80 % of its daily or monthly budget."""
    return [line for line in (budget_alert(tenant=tenant) for tenant in tenants) if line]


def budget_summary(state: BudgetState) -> str:
    """'$8.10 of today's $10.00 budget (81 %) and $120.00 of this month's $500.00 budget (24 %)'."""
    parts = [f"${state.day_spent:.2f} of today's ${state.day_budget:.2f} budget ({_percent(state.day_ratio)})"]
    if state.month_budget is not None and state.month_ratio is not None:
        month = f"${state.month_spent:.2f} of this month's ${state.month_budget:.2f} budget"
        parts.append(f"{month} ({_percent(state.month_ratio)})")
    return " and ".join(parts)


def _percent(ratio: Decimal) -> str:
    return f"{int(ratio * 100)} %"


def tenant_spend_today(*, tenant_id: int) -> dict[str, Any]:
    """The tenant's spend today and this month against its budgets, in dollars, and the 80 % warning (None
    below it); the spend figures are None when Redis is down."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return {"spentUsd": None, "budgetUsd": 0.0, "monthSpentUsd": None, "monthBudgetUsd": None, "alert": None}
    month_budget = None if tenant.monthly_budget_usd is None else float(tenant.monthly_budget_usd)
    try:
        state = budget_state(tenant=tenant)
    except limits.LimitUnavailable:
        return {
            "spentUsd": None,
            "budgetUsd": float(tenant.daily_budget_usd),
            "monthSpentUsd": None,
            "monthBudgetUsd": month_budget,
            "alert": None,
        }
    return {
        "spentUsd": float(state.day_spent),
        "budgetUsd": float(state.day_budget),
        "monthSpentUsd": float(state.month_spent),
        "monthBudgetUsd": month_budget,
        "alert": f"{tenant.name} has used {budget_summary(state)}." if state.alert else None,
    }


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
