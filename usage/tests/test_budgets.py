"""What people read about spend: the console's running session total and the tenant's day against its budget."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.support.factories import make_live_session, make_tenant
from usage import budgets, pricing, services

pytestmark = pytest.mark.django_db

SHORT = {"total_tokens": 30, "input_tokens": 10, "output_tokens": 20, "output_token_details": {"audio_tokens": 20}}
LONG = {"total_tokens": 300, "input_tokens": 100, "output_tokens": 200, "output_token_details": {"audio_tokens": 200}}


def _meter(tenant_id: int, session_id: str, response_id: str, usage: dict[str, Any]) -> Decimal:
    dollars = services.usage_meter(
        tenant_id=tenant_id,
        channel="console",
        session_id=session_id,
        model="gpt-realtime",
        response_id=response_id,
        usage=usage,
        price=None,
    )
    assert dollars is not None
    return dollars


def test_the_console_summary_is_the_sessions_running_total_and_the_tenants_day(mongo: Any, redis_conn: Any) -> None:
    tenant = make_tenant(slug="shop", daily_budget_usd=Decimal("2.00"))
    make_live_session(tenant_id=tenant.pk, session_id="vs_console")
    make_live_session(tenant_id=tenant.pk, session_id="vs_other")
    first = _meter(tenant.pk, "vs_console", "resp_1", LONG)
    second = _meter(tenant.pk, "vs_console", "resp_2", SHORT)
    elsewhere = _meter(tenant.pk, "vs_other", "resp_1", LONG)

    summary = budgets.session_usage_summary(tenant_id=tenant.pk, session_id="vs_console")

    assert summary["session"]["responses"] == 2
    assert summary["session"]["dollars"] == pytest.approx(float(first + second))  # not the last response's
    assert summary["session"]["tokens"]["total"] == 330
    assert summary["session"]["tokens"]["audio_output"] == 220
    assert set(summary["session"]["tokens"]) == {*pricing.PRICED_KINDS, "total"}
    assert summary["today"] == {
        "spentUsd": pytest.approx(float(first + second + elsewhere)),
        "budgetUsd": 2.0,
        "monthSpentUsd": pytest.approx(float(first + second + elsewhere)),
        "monthBudgetUsd": None,
        "alert": None,
    }


def test_the_days_spend_is_unknown_rather_than_zero_when_redis_is_down(mongo: Any, settings: Any) -> None:
    tenant = make_tenant(slug="shop")
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    today = budgets.tenant_spend_today(tenant_id=tenant.pk)
    assert (today["spentUsd"], today["budgetUsd"], today["alert"]) == (None, 10.0, None)


def test_past_80_percent_of_either_budget_the_tenant_is_warned(mongo: Any, redis_conn: Any) -> None:
    tenant = make_tenant(slug="shop", name="ShopCo", daily_budget_usd=Decimal("100.00"))
    make_live_session(tenant_id=tenant.pk, session_id="vs_a")
    cost = _meter(tenant.pk, "vs_a", "resp_1", LONG)
    assert budgets.budget_alerts(tenants=[tenant]) == []

    tenant.monthly_budget_usd = cost * Decimal("1.2")  # this one answer is 83 % of the month
    state = budgets.budget_state(tenant=tenant)
    assert state.alert and state.ratio == cost / tenant.monthly_budget_usd and state.remaining > 0
    [line] = budgets.budget_alerts(tenants=[tenant])
    assert line.startswith("ShopCo has used $0.") and "of this month's" in line and "(83 %)" in line
    assert budgets.budget_use(tenants=[tenant])[tenant.pk]["month"] == pytest.approx(1 / 1.2, rel=1e-3)

    tenant.daily_budget_usd = cost  # the day's budget used up: nothing remains, whatever the month says
    assert budgets.budget_state(tenant=tenant).remaining <= 0
