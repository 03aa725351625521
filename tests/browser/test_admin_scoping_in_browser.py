"""In a real browser, the agent form's prompt and tool pickers offer only the tenant chosen on the form, each
choice named with its tenant, and choosing another tenant clears what was picked for the previous one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from tenants.models import Tenant
from tests.support.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def operator_of_two(demo_live: Any) -> str:
    """A staff operator of ProductCo and EventCo (not Cypress), created before the browser starts."""
    user = make_user(staff=True, username="two-tenants")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["agents", "httptools"]))
    for tenant in Tenant.objects.filter(slug__in=["productco", "eventco"]):
        tenant.operators.add(user)
    return user.username


def offered(page: Any, field: str) -> list[str]:
    """Open the autocomplete of `field` and return the texts it offers."""
    page.locator(f"#{field} + .select2, select[name='{field}'] + .select2").first.click()
    options = page.locator(".select2-results__option:not(.loading-results)")
    options.first.wait_for()
    page.wait_for_function("!document.querySelector('.select2-results__option.loading-results')")
    texts = [text.strip() for text in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


def test_the_agent_form_pickers_follow_the_chosen_tenant(
    operator_of_two: str, chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("console", lambda message: print(f"console.{message.type}: {message.text}"))  # shown on failure
    page.goto(demo_live.http + "/admin/login/?next=/admin/agents/agent/add/")
    page.fill("#id_username", operator_of_two)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/agents/agent/add/$"))

    tenants = page.locator("#id_tenant option").all_inner_texts()
    assert "Cypress" not in tenants
    page.select_option("#id_tenant", label="EventCo")
    prompts = offered(page, "prompt")
    assert prompts and all(text.endswith("(EventCo)") for text in prompts), prompts

    page.locator("#id_prompt + .select2").click()
    page.locator(".select2-results__option", has_text="EventCo").first.click()
    page.click(".add-row a")
    tools = offered(page, "agent_tools-0-tool")
    assert tools and all(text.endswith("(EventCo)") for text in tools), tools
    page.screenshot(path=screenshots / "admin-agent-pickers.png", full_page=True)

    page.select_option("#id_tenant", label="ProductCo")
    assert page.locator("#id_prompt").input_value() == ""
    prompts = offered(page, "prompt")
    assert prompts and all(text.endswith("(ProductCo)") for text in prompts), prompts
