"""In a real browser, the admin analytics page draws its charts (Chart.js, vendored) over a month of usage."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from config import mongo
from tenants.models import Tenant
from tests.support.factories import PASSWORD, make_user
from transcripts import store as transcripts_store
from usage import ledger, store, users

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("chart-dollars", "chart-tokens", "chart-sessions", "chart-reasons", "chart-tools")


@pytest.fixture
def month_of_usage(demo_live: Any) -> int:
    """Two weeks of ProductCo sessions, usage, tool calls and an identified visitor, before the browser starts."""
    tenant = Tenant.objects.get(slug="productco")
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    users.user_upsert(tenant_id=tenant.pk, email_hash="c" * 64, email="carol@example.com", channel="widget")
    for day in range(14):
        for number in range(1 + day % 4):
            started = today - timedelta(days=day, hours=number)
            session_id = f"vs_chart_{day}_{number}"
            store.session_start(
                tenant_id=tenant.pk,
                channel="widget",
                session_id=session_id,
                agent_id=1,
                agent_name="A",
                model="gpt-realtime",
                key_id=None,
                simulator=True,
                email_hash="c" * 64 if number == 0 else None,
            )
            reason = ("client_closed", "idle_timeout", "max_duration", "client_closed")[number]
            mongo.collection(store.SESSIONS).update_one(
                {"_id": session_id},
                {
                    "$set": {
                        "startedAt": started,
                        "endedAt": started + timedelta(minutes=2 + number),
                        "status": "ended",
                        "endReason": reason,
                    }
                },
            )
            ledger.usage_record(
                tenant_id=tenant.pk,
                channel="widget",
                session_id=session_id,
                model="gpt-realtime",
                response_id="r1",
                counts={"audio_output": 900 * (number + 1), "total": 900 * (number + 1)},
                dollars=Decimal("0.06") * (number + 1),
                at=started,
                email_hash="c" * 64 if number == 0 else None,
            )
            transcripts_store.tool_log_write(
                {
                    "kind": "call",
                    "tenantId": tenant.pk,
                    "sessionId": session_id,
                    "createdAt": started,
                    "tool": ("search_products", "catalog_stats", "place_order")[number % 3],
                    "status": "ok" if number < 3 else "timeout",
                    "latencyMs": 120.0 + 40 * number,
                }
            )
    make_user(superuser=True, username="analyst")
    return tenant.pk


def test_the_analytics_page_draws_its_charts(
    month_of_usage: int, chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 1000})
    page.on("console", lambda message: print(f"console.{message.type}: {message.text}"))  # shown on failure
    page.goto(demo_live.http + f"/admin/login/?next=/admin/analytics/%3Ftenant%3D{month_of_usage}")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/analytics/"))

    for canvas in CHARTS:
        page.wait_for_function(f"window.Chart && Chart.getChart(document.getElementById('{canvas}'))")
    drawn = page.evaluate(
        """(ids) => ids.map((id) => {
            const canvas = document.getElementById(id);
            const chart = Chart.getChart(canvas);
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
            return {id, points: chart.data.datasets.reduce((n, d) => n + d.data.filter((v) => v > 0).length, 0),
                    painted, width: canvas.width};
        })""",
        list(CHARTS),
    )
    for chart in drawn:
        assert chart["points"] > 0 and chart["width"] > 100, chart
        assert chart["painted"] > 2000, chart  # bars, lines and arcs on the canvas, not an empty frame
    assert "carol@example.com" in page.locator("#analytics-users").inner_text()
    assert page.locator("#analytics-days tbody tr").count() == 30  # the default range: the last 30 days
    page.screenshot(path=screenshots / "admin-analytics.png", full_page=True)

    page.goto(demo_live.http + f"/admin/invoices/?tenant={month_of_usage}")
    assert "Total: $" in page.locator("#content-main").inner_text()
    page.screenshot(path=screenshots / "admin-invoice.png", full_page=True)

    page.goto(demo_live.http + "/admin/")
    page.screenshot(path=screenshots / "admin-index-business.png", full_page=True)
    page.locator("#business-links a", has_text="Analytics").click()
    page.wait_for_url(re.compile(r"/admin/analytics/$"))
    assert "All tenants" in page.locator("#analytics-totals").inner_text()  # a superuser's default

    page.goto(demo_live.http + f"/admin/tenants/tenant/{month_of_usage}/identity/")
    page.locator("input[type=submit]").click()
    secret = page.locator("#identity-secret-value").input_value()
    assert secret.startswith("va_id_") and secret in page.locator("#identity-example-node").inner_text()
    page.screenshot(path=screenshots / "admin-identity-secret.png", full_page=True)
