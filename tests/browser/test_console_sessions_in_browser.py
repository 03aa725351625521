"""The console's sessions browser in a real browser: filters and word search narrow the list, a session's
detail shows how it went and that its transcript is intact, its permalink opens it again, and it exports as
Markdown and JSON. Screenshots in build/screenshots/."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config import mongo as mongo_module
from tenants.models import Tenant
from tests.support.browser import console_open, new_page
from transcripts import store as transcripts_store
from usage import store as usage_store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def store_session(
    tenant: Tenant, session_id: str, lines: list[tuple[str, str]], *, channel: str, minutes_ago: int
) -> None:
    agent = tenant.agents.order_by("pk").first()
    usage_store.session_start(
        tenant_id=tenant.pk,
        channel=channel,
        session_id=session_id,
        agent_id=agent.pk,
        agent_name=agent.name,
        model="gpt-realtime",
        key_id=None,
        simulator=True,
    )
    started = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    usage_store.session_end(session_id=session_id, reason="client_closed")
    mongo_module.collection(usage_store.SESSIONS).update_one(
        {"_id": session_id}, {"$set": {"startedAt": started, "endedAt": started + timedelta(seconds=72)}}
    )
    previous = transcripts_store.GENESIS
    for seq, (role, text) in enumerate(lines):
        previous = transcripts_store.transcript_write(
            tenant_id=tenant.pk,
            channel=channel,
            session_id=session_id,
            item_id=f"{session_id}-{seq}",
            role=role,
            text=text,
            seq=seq,
            previous_hash=previous,
            retention_days=30,
        )


def rows(page: Any) -> list[str]:
    return page.locator("#sessions tbody tr[data-session]").evaluate_all("(rows) => rows.map((r) => r.dataset.session)")


@pytest.fixture
def stored_sessions(demo_live: Any) -> list[str]:
    """Three finished ProductCo sessions, written before the browser starts (Django refuses the database
    while Playwright's loop runs)."""
    productco = Tenant.objects.get(slug="productco")
    tents = [("user", "Do you sell tents?"), ("assistant", "Yes, three.")]
    store_session(productco, "sess-tents", tents, channel="widget", minutes_ago=30)
    store_session(productco, "sess-boots", [("user", "Any boots in size 44?")], channel="widget", minutes_ago=20)
    store_session(productco, "sess-staff", [("user", "Testing the prices")], channel="console", minutes_ago=10)
    return ["sess-staff", "sess-boots", "sess-tents"]


def test_an_operator_filters_searches_opens_links_and_exports_sessions(
    stored_sessions: list[str], chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    console_open(page, demo_live, tenant="ProductCo")
    page.wait_for_function("() => document.querySelectorAll('#sessions tbody tr[data-session]').length === 3")
    assert rows(page) == stored_sessions
    page.screenshot(path=screenshots / "console-01-layout.png", full_page=True)

    # Words said, then a channel: each narrows the list.
    page.locator("#filter-text").fill("tents")
    page.locator("#sessions-filters button[type=submit]").click()
    page.wait_for_function("() => document.querySelectorAll('#sessions tbody tr[data-session]').length === 1")
    assert rows(page) == ["sess-tents"]
    page.locator("#sessions-filters button[type=reset]").click()
    page.locator("#filter-channel").select_option(label="Staff console")
    page.locator("#sessions-filters button[type=submit]").click()
    page.wait_for_function("() => document.querySelectorAll('#sessions tbody tr[data-session]').length === 1")
    assert rows(page) == ["sess-staff"]
    page.locator("#sessions-filters button[type=reset]").click()
    page.wait_for_function("() => document.querySelectorAll('#sessions tbody tr[data-session]').length === 3")

    # The detail: how it went, and the transcript's chain.
    page.locator('#sessions tbody tr[data-session="sess-tents"]').click()
    detail = page.locator("#session-detail")
    detail.locator("text=Transcript intact").wait_for()
    text = detail.inner_text()
    assert "The visitor left or closed the page" in text and "1 min 12 s" in text and "Do you sell tents?" in text
    page.locator("section.sessions").screenshot(path=screenshots / "console-02-session-detail.png")

    # Export as Markdown and JSON.
    with page.expect_download() as markdown:
        page.locator("#export-md").click()
    exported = Path(markdown.value.path()).read_text()
    assert exported.startswith("# Session sess-tents") and "**Visitor:** Do you sell tents?" in exported
    with page.expect_download() as as_json:
        page.locator("#export-json").click()
    data = json.loads(Path(as_json.value.path()).read_text())
    assert data["session"]["sessionId"] == "sess-tents" and data["chain"]["intact"] is True

    # The permalink opens the same session in a new tab.
    link = page.locator("#session-permalink").get_attribute("href")
    assert "session=sess-tents" in link
    other = page.context.new_page()
    other.goto(link)
    other.locator("#session-detail", has_text="Session sess-tents").wait_for()
    assert "Do you sell tents?" in other.locator("#session-detail").inner_text()
    assert not page.js_errors, page.js_errors
    page.context.close()


def test_the_event_log_groups_a_conversation_by_turn_and_shows_the_instructions_as_text(
    chromium_browser: Any, demo_live: Any, screenshots: Path, phrase: str
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1440, "height": 1000})
    console_open(page, demo_live, tenant="ProductCo")
    page.locator("#start-text").click()
    page.wait_for_function("() => window.__observed.state === 'live'")
    page.locator("#text-input").fill(phrase)
    page.locator("#text-input").press("Enter")
    page.locator("#transcript .va-assistant", has_text="The cheapest is").first.wait_for(state="visible")

    turns = page.locator("#log > li.turn")
    assert turns.first.locator(".turn-title").inner_text() == "Session start"
    typed = page.locator("#log > li.turn", has_text="Turn 1 · typed")
    typed.wait_for()
    page.wait_for_function(
        "() => /first answer \\d+ ms after the visitor stopped/.test(document.getElementById('log').textContent)"
    )
    # The tool's status in the log reads as in the tool table.
    status = page.locator("#tools tbody tr", has_text="search_products").locator("td").nth(1).inner_text()
    assert page.locator(f".turn-events summary:has-text('platform.tool · {status}')").count() >= 1

    # Opening the config event shows its instructions as text, with real line breaks.
    turns.first.locator("summary").first.click()  # unfold the first group, folded when the turn began
    config_event = page.locator(".turn-events li summary", has_text="platform.debug · config").first
    config_event.click()
    instructions = config_event.locator("xpath=..").locator("pre.instructions")
    instructions.wait_for()
    text = instructions.inner_text()
    assert "# Identity" in text and "\\n" not in text and "# Safety" in text
    config = page.locator("#config").inner_text()
    assert config.startswith("# Identity") and "\\n" not in config.split("— the rest of the config —")[0]
    page.locator("section.log").screenshot(path=screenshots / "console-03-event-log.png")
    page.locator("#end").click()
    assert not page.js_errors, page.js_errors
    page.context.close()


def test_the_console_reopens_on_the_tenant_used_last_with_its_agent(chromium_browser: Any, demo_live: Any) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 900})
    console_open(page, demo_live, tenant="EventCo")
    eventco_agent = page.locator("#agent").input_value()
    page.locator("#tenant").select_option(label="ProductCo")
    page.locator("#agent option").first.wait_for(state="attached")
    productco_agent = page.locator("#agent").input_value()
    assert productco_agent != eventco_agent

    page.reload()  # opens on the tenant used last, with its agent
    page.locator("#tenant option", has_text="ProductCo").first.wait_for(state="attached")
    page.wait_for_function("(id) => document.getElementById('agent').value === id", arg=productco_agent)
    assert page.locator("#tenant option:checked").inner_text().startswith("ProductCo")
    page.locator("#tenant").select_option(label="EventCo")
    assert page.locator("#agent").input_value() == eventco_agent
    assert not page.js_errors, page.js_errors
    page.context.close()
