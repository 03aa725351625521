"""In a real browser: a tenant past 80 % of its daily budget is named on the admin's pages and in the console."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tenants.models import Tenant
from tests.support.browser import console_open, new_page
from tests.support.factories import PASSWORD, make_user
from usage import budgets, limits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINE = "ProductCo has used $8.50 of today's $10.00 budget (85 %)"


@pytest.fixture
def productco_at_85_percent(demo_live: Any) -> Tenant:
    tenant = Tenant.objects.get(slug="productco")
    day, _month = budgets.periods_of()
    limits.spend_seed(tenant_id=tenant.pk, period=day, micro_dollars=8_500_000, overwrite=True)
    make_user(superuser=True, username="budgets")
    return tenant


def test_the_budget_banner_shows_in_admin_and_the_console(
    productco_at_85_percent: Tenant, chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = chromium_browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(demo_live.http + f"/admin/login/?next=/admin/tenants/tenant/{productco_at_85_percent.pk}/change/")
    page.fill("#id_username", "budgets")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/tenants/tenant/\d+/change/"))
    banner = page.locator("#budget-banner li")
    assert banner.count() == 1 and LINE in banner.inner_text()  # EventCo and Cypress have spent nothing
    page.locator("#id_monthly_budget_usd").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "admin-budget-banner.png", full_page=True)

    console = new_page(chromium_browser, viewport={"width": 1280, "height": 900})
    console_open(console, demo_live, tenant="ProductCo")
    notice = console.locator("#budget-notice")
    notice.wait_for(state="visible")
    assert LINE in notice.inner_text()
    console.screenshot(path=screenshots / "console-budget-banner.png")
    console.locator("#tenant").select_option(label="EventCo")
    assert console.locator("#budget-notice").is_hidden()
