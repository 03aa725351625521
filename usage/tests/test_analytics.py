"""Admin analytics: the figures per day, end reasons, tools and top visitors; every aggregation on an index;
the page for staff, scoped to the operator's tenants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from config import mongo as mongo_module
from tests.support.factories import make_tenant
from transcripts import store as transcripts_store
from usage import ledger, services, store, users
from usage.analytics import analytics_build, date_range, percentile

pytestmark = pytest.mark.django_db

DAY1 = datetime(2026, 11, 10, 9, tzinfo=UTC)
ADA = "a" * 64


def session(tenant_id: int, session_id: str, started: datetime, minutes: float, reason: str | None, **kw: Any) -> None:
    store.session_start(
        tenant_id=tenant_id,
        channel="widget",
        session_id=session_id,
        agent_id=1,
        agent_name="A",
        model="gpt-realtime",
        key_id=1,
        simulator=True,
        **kw,
    )
    ended = started + timedelta(minutes=minutes)
    fields: dict[str, Any] = {"startedAt": started, "lastSeenAt": ended}
    if reason:
        fields.update({"status": "ended", "endedAt": ended, "endReason": reason})
    mongo_module.collection(store.SESSIONS).update_one({"_id": session_id}, {"$set": fields})


def usage(
    tenant_id: int, session_id: str, at: datetime, dollars: str, tokens: int, email_hash: str | None = None
) -> None:
    ledger.usage_record(
        tenant_id=tenant_id,
        channel="widget",
        session_id=session_id,
        model="gpt-realtime",
        response_id=f"r{at.timestamp()}",
        counts={"text_input": tokens, "total": tokens},
        dollars=Decimal(dollars),
        at=at,
        email_hash=email_hash,
    )


def tool_call(tenant_id: int, tool: str, status: str, latency: float, at: datetime) -> None:
    transcripts_store.tool_log_write(
        {
            "kind": "call",
            "tenantId": tenant_id,
            "sessionId": "vs_a",
            "tool": tool,
            "status": status,
            "latencyMs": latency,
            "createdAt": at,
        }
    )


@pytest.fixture
def shop(mongo: Any) -> Any:
    services.indexes_ensure()
    tenant = make_tenant(slug="shop", name="Shop")
    other = make_tenant(slug="other", name="Other")
    users.user_upsert(tenant_id=tenant.pk, email_hash=ADA, email="ada@example.com", channel="widget")
    session(tenant.pk, "vs_a", DAY1, 3.0, "client_closed", email_hash=ADA)
    session(tenant.pk, "vs_b", DAY1 + timedelta(hours=2), 1.5, "idle_timeout")
    session(tenant.pk, "vs_c", DAY1 + timedelta(days=1), 2.0, "client_closed")
    session(tenant.pk, "vs_live", DAY1 + timedelta(days=2), 0.5, None)
    usage(tenant.pk, "vs_a", DAY1 + timedelta(minutes=1), "0.40", 1000, ADA)
    usage(tenant.pk, "vs_b", DAY1 + timedelta(hours=2), "0.10", 200)
    usage(tenant.pk, "vs_c", DAY1 + timedelta(days=1), "0.25", 500)
    for number in range(19):
        tool_call(tenant.pk, "search_products", "ok", 100 + number, DAY1)
    tool_call(tenant.pk, "search_products", "timeout", 8000, DAY1)
    tool_call(tenant.pk, "place_order", "http_error", 300, DAY1)
    # Another tenant, and this tenant outside the range: never counted.
    session(other.pk, "vs_o", DAY1, 9.0, "max_duration")
    usage(other.pk, "vs_o", DAY1, "5.00", 9000)
    tool_call(other.pk, "search_products", "error", 1, DAY1)
    session(tenant.pk, "vs_old", DAY1 - timedelta(days=40), 1.0, "client_closed")
    usage(tenant.pk, "vs_old", DAY1 - timedelta(days=40), "9.99", 1)
    return {"tenant": tenant, "other": other}


def test_the_figures_per_day_reasons_tools_and_top_visitors(shop: Any) -> None:
    result = analytics_build(tenant_ids=[shop["tenant"].pk], first_day=date(2026, 11, 10), last_day=date(2026, 11, 12))

    by_day = {row.day: row for row in result.days}
    assert list(by_day) == ["2026-11-10", "2026-11-11", "2026-11-12"]
    assert (by_day["2026-11-10"].dollars, by_day["2026-11-10"].tokens, by_day["2026-11-10"].sessions) == (0.5, 1200, 2)
    assert by_day["2026-11-10"].minutes == 4.5 and by_day["2026-11-11"].minutes == 2.0
    assert by_day["2026-11-12"].sessions == 1 and by_day["2026-11-12"].dollars == 0
    assert result.totals.dollars == 0.75 and result.totals.sessions == 4
    assert dict(result.end_reasons) == {"client_closed": 2, "idle_timeout": 1, "still live": 1}
    tools = {row.tool: row for row in result.tools}
    assert tools["search_products"].calls == 20 and tools["search_products"].errors == 1
    assert tools["search_products"].error_rate == 0.05
    assert tools["search_products"].p95_ms == 118  # nearest rank: the 19th of 20 sorted latencies
    assert tools["place_order"].error_rate == 1.0
    assert [(u.label, u.dollars) for u in result.top_users] == [("ada@example.com", 0.4)]


def test_all_tenants_add_up(shop: Any) -> None:
    tenants = [shop["tenant"].pk, shop["other"].pk]
    result = analytics_build(tenant_ids=tenants, first_day=date(2026, 11, 10), last_day=date(2026, 11, 12))

    assert result.totals.dollars == 5.75 and result.totals.sessions == 5
    assert {row.tool: row.calls for row in result.tools} == {"search_products": 21, "place_order": 1}


def test_the_date_range_defaults_to_the_last_30_days_and_explains_a_bad_one() -> None:
    assert date_range(None, None, today=date(2026, 12, 1)) == (date(2026, 11, 2), date(2026, 12, 1))
    for first, last in (("2026-12-02", "2026-12-01"), ("yesterday", None), ("2020-01-01", "2026-01-01")):
        with pytest.raises(Exception) as refused:
            date_range(first, last)
        assert str(refused.value)
    assert percentile([], 0.95) is None and percentile([5.0], 0.95) == 5.0


def _winning_plan(collection: str, pipeline: list[dict[str, Any]]) -> dict[str, Any]:
    explained = mongo_module.database().command(
        "explain", {"aggregate": collection, "pipeline": pipeline, "cursor": {}}
    )
    stages = explained.get("stages") or [{"$cursor": explained}]
    return stages[0]["$cursor"]["queryPlanner"]["winningPlan"]


def _index_of(plan: dict[str, Any]) -> str | None:
    while plan:
        if plan.get("stage") == "IXSCAN":
            return str(plan["indexName"])
        plan = plan.get("inputStage") or {}
    return None


def test_every_analytics_aggregation_uses_an_index_on_the_wire_server(shop: Any) -> None:
    tenant_id = shop["tenant"].pk
    since, until = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    days = {"first_day": "2026-11-01", "last_day": "2026-11-30"}
    pipelines = {
        "usage_daily": (store.USAGE_DAILY, store.daily_totals_pipeline(tenant_id=tenant_id, **days), "one_row_per_day"),
        "sessions": (
            store.SESSIONS,
            store.sessions_daily_pipeline(tenant_id=tenant_id, since=since, until=until),
            "by_tenant_recent",
        ),
        "reasons": (
            store.SESSIONS,
            store.sessions_by_reason_pipeline(tenant_id=tenant_id, since=since, until=until),
            "by_tenant_recent",
        ),
        "users": (store.USAGE_EVENTS, store.usage_by_user_pipeline(tenant_id=tenant_id, **days), "by_tenant_day"),
        "tools": (
            transcripts_store.TOOL_LOGS,
            transcripts_store.tool_stats_pipeline(tenant_id=tenant_id, since=since, until=until),
            "calls_by_tenant",
        ),
    }
    for name, (collection, pipeline, index) in pipelines.items():
        plan = _winning_plan(collection, pipeline)
        assert plan.get("stage") != "COLLSCAN", (name, plan)
        assert _index_of(plan) == index, (name, plan)


# ---- the admin page ----------------------------------------------------------------------------------------

RANGE = {"from": "2026-11-10", "to": "2026-11-12"}


def test_an_operator_sees_their_tenants_analytics_with_charts_and_tables(client: Any, shop: Any, personas: Any) -> None:
    shop["tenant"].operators.add(personas.staff_a)
    client.force_login(personas.staff_a)

    response = client.get("/admin/analytics/", {"tenant": shop["tenant"].pk, **RANGE})

    assert response.status_code == 200
    content = response.content.decode()
    for canvas in ("chart-dollars", "chart-tokens", "chart-sessions", "chart-reasons", "chart-tools"):
        assert f'id="{canvas}"' in content
    assert 'id="analytics-data"' in content and "vendor/chartjs/chart.umd.min.js" in content
    assert "ada@example.com" in content and "search_products" in content and "$0.75" in content
    assert "All tenants" not in content  # only superusers get the all-tenants page


def test_an_operator_of_another_tenant_gets_404_and_no_all_tenants_page(client: Any, shop: Any, personas: Any) -> None:
    client.force_login(personas.staff_b)

    assert client.get("/admin/analytics/", {"tenant": shop["tenant"].pk}).status_code == 404
    assert client.get("/admin/analytics/", {"tenant": "all"}).status_code == 404
    own = client.get("/admin/analytics/", RANGE)
    assert own.status_code == 200 and "Beta Events" in own.content.decode()
    assert "ada@example.com" not in own.content.decode()


def test_a_superuser_sees_all_tenants_by_default(client: Any, shop: Any, personas: Any) -> None:
    client.force_login(personas.superuser)

    response = client.get("/admin/analytics/", RANGE)

    assert response.status_code == 200
    assert "All tenants, 2026-11-10 to 2026-11-12" in response.content.decode()
    assert "$5.75" in response.content.decode()


def test_a_bad_range_is_explained(client: Any, shop: Any, personas: Any) -> None:
    client.force_login(personas.superuser)

    response = client.get("/admin/analytics/", {"from": "2026-11-12", "to": "2026-11-10"})

    assert "The first day must not be after the last day." in response.content.decode()
