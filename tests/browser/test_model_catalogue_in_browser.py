"""In a real browser: the model catalogue in admin, and an agent whose model shuts down soon warns on its page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agents.models import Agent
from tests.support.browser import console_open, new_page
from tests.support.factories import PASSWORD, make_user
from usage import catalogue
from usage.models import ModelPrice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def retiring_agent(demo_live: Any) -> int:
    """ProductCo's agent on gpt-realtime, whose shutdown is 12 days away; a superuser to look (before the browser)."""
    agent = Agent.objects.get(tenant__slug="productco")
    Agent.objects.filter(pk=agent.pk).update(model="gpt-realtime")
    ModelPrice.objects.filter(model="gpt-realtime").update(shutdown_on=catalogue.today() + timedelta(days=12))
    make_user(superuser=True, username="catalogue")
    return agent.pk


def test_the_catalogue_and_a_retiring_agents_warning_read_clearly(
    retiring_agent: int, chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = chromium_browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(demo_live.http + "/admin/login/?next=/admin/usage/modelprice/")
    page.fill("#id_username", "catalogue")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/usage/modelprice/"))
    table = page.locator("#result_list").inner_text()
    assert "gpt-realtime-2.1-mini" in table and "shuts down 2027-01-20" in table and "current" in table
    page.screenshot(path=screenshots / "admin-model-catalogue.png", full_page=True)

    page.goto(demo_live.http + "/admin/agents/agent/")
    assert "Model gpt-realtime shuts down in 12 days" in page.locator("#result_list").inner_text()
    page.goto(demo_live.http + f"/admin/agents/agent/{retiring_agent}/change/")
    warning = page.locator("ul.messagelist li.warning")
    assert warning.count() == 1
    assert warning.inner_text().startswith("Model gpt-realtime shuts down in 12 days")
    page.locator("#id_model").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "admin-agent-model-warning.png", full_page=True)


def test_the_console_names_the_retiring_model_beside_the_chosen_agent(
    retiring_agent: int, chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1400, "height": 900})
    console_open(page, demo_live, tenant="ProductCo")
    notice = page.locator("#model-notice")
    notice.wait_for(state="visible")
    assert notice.inner_text().startswith("Model gpt-realtime shuts down in 12 days")
    page.locator("#tenant").select_option(label="EventCo")  # its agent's models are current
    notice.wait_for(state="hidden")
    page.locator("#tenant").select_option(label="ProductCo")
    notice.wait_for(state="visible")
    page.screenshot(path=screenshots / "console-model-warning.png")
