"""Cards that act and a panel that fits, in Chromium on the demo shop with the simulator answering: "Order this"
sends a structured action that ends in a placed order through the agent's confirmation step (and is relayed to the
host page), prices follow the tenant's locale and currency, the panel is as tall as its content up to its maximum,
a phone on its side gets a full-screen sheet, and focus rings show for the keyboard only. Screenshots go to
build/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from demo import data as demo_data
from tenants.models import Tenant
from tests.support.browser import ANSWERS, STATE_IS, ask, new_page, open_widget, settle, wait_widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PANEL_MAX = 600  # the loader's cap on a desktop window taller than 712 px


def panel_height(frame: Any) -> float:
    box = frame.frame_element().bounding_box()
    assert box is not None
    return float(box["height"])


def panel_fits_its_content(frame: Any) -> None:
    """Wait until the panel has taken the height its content reported (it eases for a moment)."""
    frame.wait_for_function("() => window.innerHeight >= document.getElementById('va-app').scrollHeight - 1")


def outline(frame: Any, selector: str) -> str:
    return str(
        frame.locator(selector).evaluate(
            "(node) => { const s = getComputedStyle(node); return s.outlineStyle + ' ' + s.outlineWidth; }"
        )
    )


@pytest.fixture
def productco_in_german(demo_live: Any) -> Any:
    """The demo shop with its prices in German: 19,90 € (the demo seeds en-IE, €19.90)."""
    Tenant.objects.filter(slug="productco").update(currency="EUR", locale="de-DE")
    return demo_live


def test_order_this_places_an_order_through_the_confirmation_step_in_a_panel_that_fits(
    productco_in_german: Any, chromium_browser: Any, screenshots: Path
) -> None:
    demo_live = productco_in_german
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 900})
    frame = open_widget(page, demo_live)
    # The host page's VoiceAgent API hears of a card's button as its card-action event.
    page.evaluate("() => { window.cardActions = []; VoiceAgent.on('card-action', (a) => window.cardActions.push(a)); }")

    # The shop's product pictures keep their 4:3 shape in a grid cell, so their painted names are not cut off.
    shapes = page.locator(".card img").evaluate_all("(imgs) => imgs.map((img) => img.clientHeight / img.clientWidth)")
    assert shapes and all(shape == pytest.approx(0.75, abs=0.01) for shape in shapes), shapes

    # Opened with the mouse: the button the widget focuses shows no ring; opened from the keyboard it does.
    assert frame.evaluate("() => document.activeElement.id") == "va-start-voice"
    assert outline(frame, "#va-start-voice").startswith("none"), outline(frame, "#va-start-voice")
    frame.locator("#va-start-voice").press("Escape")  # closes the panel; the launcher has focus again
    frame.frame_element().wait_for_element_state("hidden")
    page.keyboard.press("Enter")
    frame.locator("#va-welcome").wait_for(state="visible")
    frame.wait_for_function("() => document.documentElement.hasAttribute('data-keyboard')")
    assert frame.evaluate("() => document.activeElement.id") == "va-start-voice"
    assert outline(frame, "#va-start-voice") == "solid 3px"

    # A mouse click shows no focus ring, not even on the text field the widget then focuses; Tab does.
    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    assert frame.evaluate("() => document.activeElement.id") == "va-input"
    assert outline(frame, "#va-input").startswith("none"), outline(frame, "#va-input")
    frame.locator("#va-input").press("Tab")
    assert frame.evaluate("() => document.activeElement.textContent.trim()") == "Send"
    assert outline(frame, "#va-form button") == "solid 3px"
    frame.locator("#va-form button").press("Shift+Tab")
    assert outline(frame, "#va-input") == "solid 3px"
    frame.locator("#va-input").click()
    assert outline(frame, "#va-input").startswith("none")

    # A short conversation: the panel is as tall as the greeting needs, well under its maximum.
    settle(frame, 0)
    panel_fits_its_content(frame)
    short = panel_height(frame)
    assert short < PANEL_MAX - 150, short
    assert frame.evaluate(
        "() => { const t = document.getElementById('va-transcript'); return t.scrollHeight <= t.clientHeight + 1; }"
    )
    page.screenshot(path=screenshots / "24-panel-short-conversation.png")

    # The cheapest product, priced the German way in euros.
    cheapest = min(demo_data.products(""), key=lambda p: p["price"])
    ask(frame, "what is your cheapest product")
    card = frame.locator(".va-visual[data-tool=search_products]").last
    first = card.locator(".va-product").first
    assert first.locator(".va-product-name").inner_text().strip() == cheapest["name"]
    price = first.locator(".va-product-price").inner_text().replace("\xa0", " ").strip()
    assert price == f"{cheapest['price']:.2f}".replace(".", ",") + " €", price
    frame.wait_for_timeout(200)  # the panel eases to its new height
    long = panel_height(frame)
    assert long == pytest.approx(PANEL_MAX, abs=1), long  # a long conversation: the maximum, then it scrolls
    assert long > short

    # "Order this": the visitor's line names the button, the host page hears of it, the agent asks for the rest.
    before = frame.locator(ANSWERS).count()
    first.locator("button", has_text="Order this").click()
    assert outline(frame, ".va-visual .va-product button >> nth=0").startswith("none")  # clicked: no ring
    said = settle(frame, before)
    assert said.startswith("To place the order, I still need"), said
    page.screenshot(path=screenshots / "25-order-this-pressed.png")
    mine = frame.locator("#va-transcript .va-line.va-user").last.inner_text()
    assert f"Order this: {cheapest['name']}" in mine and "[card action]" not in mine
    relayed = page.evaluate("() => window.cardActions")
    assert [(a["action"], a["arguments"], a["text"]) for a in relayed] == [
        ("order", {"product_id": cheapest["_id"]}, f"Order this: {cheapest['name']}")
    ]
    assert "[card action]" not in frame.locator("#va-transcript").inner_text()

    said = ask(frame, f"{cheapest['options'][0]}, my name is Ann Example, ann@example.com")
    assert said.endswith("?") and cheapest["name"] in said, said  # the read-back, asking for a yes
    assert frame.locator(".va-visual[data-tool=place_order]").count() == 0  # nothing placed before the yes
    ask(frame, "Yes")
    order = frame.locator(".va-visual[data-tool=place_order]").last
    order.wait_for(state="visible")
    assert "Order placed" in order.inner_text()
    assert "€" in order.inner_text()
    order.evaluate("(node) => node.scrollIntoView({block: 'end'})")
    page.screenshot(path=screenshots / "26-order-placed-from-card-de.png")
    assert not page.js_errors, page.js_errors
    page.context.close()

    # A phone on its side gets a full-screen sheet without the launcher over it; upright too.
    for width, height, name in ((844, 390, "27-landscape-phone-sheet.png"), (390, 844, "28-portrait-phone-sheet.png")):
        page = new_page(chromium_browser, viewport={"width": width, "height": height}, is_mobile=True, has_touch=True)
        frame = open_widget(page, demo_live)
        box = frame.frame_element().bounding_box()
        assert box == {"x": 0, "y": 0, "width": width, "height": height}, box
        # The welcome screen opens at its top: its title under the header, not scrolled away to the buttons.
        welcome = frame.locator("#va-welcome")
        assert welcome.evaluate("(node) => node.scrollTop") == 0
        title, header = frame.locator("#va-welcome-title").bounding_box(), frame.locator(".va-header").bounding_box()
        assert title and header and title["y"] >= header["y"] + header["height"], (title, header)
        if width > height:
            page.screenshot(path=screenshots / "31-landscape-welcome.png")
        frame.locator("#va-start-text").click()
        wait_widget(frame, STATE_IS, "live")
        settle(frame, 0)
        ask(frame, "what is your cheapest product")
        send = frame.locator("#va-form button").bounding_box()
        assert send is not None and send["y"] + send["height"] <= height, send
        hit = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).tagName",
            [send["x"] + send["width"] / 2, send["y"] + send["height"] / 2],
        )
        assert hit == "IFRAME" or hit == "VOICE-AGENT-WIDGET", hit  # the launcher does not cover Send
        assert frame.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        if width < 500:  # the shop's "Try asking" hints are one column on an upright phone, not two that touch
            lefts = page.locator("#try-asking li").evaluate_all(
                "(items) => new Set(items.map((li) => Math.round(li.getBoundingClientRect().left))).size"
            )
            assert lefts == 1, lefts
        page.screenshot(path=screenshots / name)
        assert not page.js_errors, page.js_errors
        page.context.close()


def test_the_conference_schedule_fits_the_panel(chromium_browser: Any, demo_live: Any, screenshots: Path) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 900})
    frame = open_widget(page, demo_live, site="eventco")
    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    settle(frame, 0)
    ask(frame, "sessions on day 2")
    table = frame.locator(".va-visual[data-tool=list_sessions]").last
    table.wait_for(state="visible")
    assert table.evaluate("(node) => node.scrollWidth <= node.clientWidth + 1")  # no sideways scrolling
    first_row = table.locator("tbody tr").first
    # Each session is a compact entry: its title on a line of its own, then labelled short values.
    title = first_row.locator("td").first
    assert title.evaluate("(td) => getComputedStyle(td).display") in ("block", "flow-root")
    start = first_row.locator("td[data-label=Start]")
    assert start.evaluate("(td) => getComputedStyle(td).display") == "inline-block"
    assert "Start" in start.evaluate("(td) => getComputedStyle(td, '::before').content")
    row_height = first_row.evaluate("(tr) => tr.getBoundingClientRect().height")
    assert row_height < 140, row_height  # not a column of one-word lines
    table.evaluate("(node) => node.scrollIntoView({block: 'start'})")
    page.screenshot(path=screenshots / "29-schedule-in-panel.png")
    assert not page.js_errors, page.js_errors
    page.context.close()
