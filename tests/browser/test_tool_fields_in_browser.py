"""The HTTP tool form without hand-written JSON, in a real browser: the parameters, constants and response
mapping are small tables; the raw JSON stays in sync both ways, and what is saved is what the tables say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from demo import DEMO_LOGIN
from httptools.models import HttpTool

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tool_id(demo_live: Any) -> int:
    """A demo tool to edit, looked up before the browser starts."""
    return HttpTool.objects.get(name="search_products").pk


def test_a_tool_is_edited_in_tables_and_the_raw_json_follows(
    tool_id: int, chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{demo_live.http}/admin/httptools/httptool/{tool_id}/change/")
    page.locator("#id_username").fill(DEMO_LOGIN.username)
    page.locator("#id_password").fill(DEMO_LOGIN.password)
    page.locator("#id_password").press("Enter")

    editor = page.locator('.va-json-editor[data-field="arguments_schema"]')
    editor.wait_for()
    names = editor.locator('input[data-column="name"]')
    before = names.count()
    assert before >= 1

    # A new parameter in the table shows up in the raw JSON.
    editor.locator("button", has_text="Add a parameter").click()
    names.nth(before).fill("min_rating")
    editor.locator('select[data-column="type"]').nth(before).select_option("number")
    editor.locator('input[data-column="description"]').nth(before).fill("The lowest rating the visitor accepts")
    raw = json.loads(page.locator("#id_arguments_schema").input_value())
    assert raw["properties"]["min_rating"] == {"type": "number", "description": "The lowest rating the visitor accepts"}
    assert raw["additionalProperties"] is False

    # Two rows of one name are pointed out.
    names.nth(before).fill("query")
    assert "Two rows are named query" in editor.locator(".va-json-note").inner_text()
    names.nth(before).fill("min_rating")
    assert editor.locator(".va-json-note").inner_text() == ""

    # Editing the raw JSON rebuilds the table.
    constants = page.locator('.va-json-editor[data-field="constants"]')
    page.locator('textarea[name="constants"]').evaluate("(t) => { t.closest('details').open = true; }")
    page.locator('textarea[name="constants"]').fill('{"currency": "EUR", "limit": 5}')
    assert constants.locator('input[data-column="name"]').evaluate_all("(i) => i.map((x) => x.value)") == [
        "currency",
        "limit",
    ]
    assert constants.locator('input[data-column="value"]').nth(1).input_value() == "5"

    # The mapping's fields as a comma-separated list.
    mapping = page.locator('.va-json-editor[data-field="response_mapping"]')
    mapping.locator('input[data-column="fields"]').fill("name, price, currency")
    assert json.loads(page.locator("#id_response_mapping").input_value())["fields"] == ["name", "price", "currency"]

    # Invalid raw JSON hides the table and says so, instead of guessing.
    page.locator('textarea[name="constants"]').fill('{"currency": ')
    assert "not valid" in constants.locator(".va-json-note").inner_text()
    page.locator('textarea[name="constants"]').fill('{"currency": "EUR"}')
    page.screenshot(path=screenshots / "admin-07-tool-fields.png", full_page=True)

    page.locator("input[name=_continue]").click()
    page.locator(".messagelist .success").wait_for()
    saved = json.loads(page.locator("#id_arguments_schema").input_value())
    assert saved["properties"]["min_rating"]["type"] == "number"
    assert json.loads(page.locator("#id_constants").input_value()) == {"currency": "EUR"}
    assert not errors, errors
    context.close()
