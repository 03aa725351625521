"""The offline demo's main questions, typed in the widget as a visitor would, with the simulator answering: each
gets the right card and a sensible sentence, and an order is completed from a product card's "Order this"
through the missing details, the read-back and a yes. Screenshots go to build/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from demo import data as demo_data
from tests.support.browser import ANSWERS, STATE_IS, ask, new_page, open_widget, settle, wait_widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def start_typing(frame: Any) -> None:
    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    settle(frame, 0)  # the greeting


def last_card(frame: Any, tool: str) -> Any:
    card = frame.locator(f".va-visual[data-tool={tool}]").last
    card.wait_for(state="visible")
    return card


def test_productco_questions_get_cards_and_sentences_and_an_order_completes(
    chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 900})
    frame = open_widget(page, demo_live)
    start_typing(frame)
    badge = frame.locator("#va-simulator")
    assert badge.count() == 1 and badge.is_visible()  # the simulator answers: said once, in the header
    catalog = demo_data.products("")

    cheapest = min(catalog, key=lambda p: p["price"])
    said = ask(frame, "what is your cheapest product")
    assert said.startswith(f"The cheapest is {cheapest['name']} at {cheapest['price']:.2f} EUR."), said
    card = last_card(frame, "search_products")
    assert card.locator(".va-product-name").first.inner_text().strip() == cheapest["name"]

    said = ask(frame, "headphones under 100")
    wanted = [p for p in catalog if "headphones" in p["name"].lower() and p["price"] <= 100]
    assert wanted, "the demo catalog has headphones under 100"
    assert said.startswith(f"I found {len(wanted)} product"), said
    assert wanted[0]["name"] in said and "(simulator)" not in said
    names = last_card(frame, "search_products").locator(".va-product-name").all_inner_texts()
    assert [n.strip() for n in names] == [p["name"] for p in wanted]
    page.screenshot(path=screenshots / "10-demo-headphones.png")

    said = ask(frame, "catalog stats")
    assert re.match(rf"There are {len(catalog)} products, \d+ options and prices from ", said), said
    last_card(frame, "catalog_stats")

    # "Order this" on the headphones card: the agent asks for what it lacks, reads the order back, then places it.
    product = wanted[0]
    before = frame.locator(ANSWERS).count()
    frame.locator(".va-visual[data-tool=search_products]").nth(1).locator("button", has_text="Order this").first.click()
    said = settle(frame, before)
    options = " or ".join(product["options"])
    assert said == f"To place the order, I still need the option ({options}), your name and your email address.", said
    said = ask(frame, f"{product['options'][0]}, my name is Ann Example, ann@example.com")
    assert said.endswith("Shall I place the order now?") and product["name"] in said, said
    said = ask(frame, "Yes")
    assert re.match(r"Done: your order ord_\w+ is received\. The total is \d+\.\d\d EUR\.", said), said
    order = last_card(frame, "place_order")
    assert "Order placed" in order.inner_text()
    order.evaluate("(card) => card.scrollIntoView({block: 'end'})")
    page.screenshot(path=screenshots / "11-demo-order-placed.png")
    assert not [t for t in frame.locator(ANSWERS).all_inner_texts() if "(simulator)" in t]  # never after a reply
    assert not page.js_errors, page.js_errors
    page.context.close()


def test_eventco_questions_get_speakers_and_the_day_2_schedule(
    chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 900})
    frame = open_widget(page, demo_live, site="eventco")
    start_typing(frame)

    said = ask(frame, "who are the speakers")
    speakers = last_card(frame, "list_speakers").locator(".va-speaker")
    assert speakers.count() >= 3
    assert re.match(r"I found \d+ speakers: ", said), said

    said = ask(frame, "sessions on day 2")
    table = last_card(frame, "list_sessions")
    assert re.match(r"I found \d+ sessions: ", said), said
    text = table.inner_text()
    assert demo_data.DAYS[2] in text or "2" in text
    assert frame.locator("#va-transcript").evaluate("(node) => node.scrollWidth <= node.clientWidth + 1")
    page.screenshot(path=screenshots / "12-demo-day-2.png")
    assert not page.js_errors, page.js_errors
    page.context.close()
