"""Budgets as people read them: a session's running usage and the tenant's spend against its budget."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tenants.models import Tenant
from usage import limits, store

MICRO = Decimal(1_000_000)


def tenant_spend_today(*, tenant_id: int) -> dict[str, Any]:
    """Today's spend (UTC day) against the daily budget, in dollars; `spentUsd` is None when Redis is down."""
    budget = Tenant.objects.filter(pk=tenant_id).values_list("daily_budget_usd", flat=True).first() or Decimal(0)
    try:
        spent: float | None = float(Decimal(limits.spend_today(tenant_id=tenant_id, day=_utc_day())) / MICRO)
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


def _utc_day() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")
