"""A conversation that survives a page change, in Chromium against the live server and the simulator: the shop
page is opened under localhost while the platform (and so the widget's iframe) is 127.0.0.1, another site, as a
customer's site embeds it. That iframe is denied storage of its own (a third party where third-party cookies are
blocked), so the loader keeps the conversation in the shop page's sessionStorage and hands it to the widget on
the shop's next page, where the server continues it with the agent remembering. End asks first and ends for
good; the console links the continued session to the one it continues; a call continues as text, and the visitor
turns the microphone back on."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import (
    STATE_IS,
    TIMEOUT_MS,
    console_open,
    floating_button,
    new_page,
    wait_widget,
    widget_frame,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "what is your cheapest product"
FINAL_ANSWERS = "() => !document.querySelector('#va-transcript .va-typing, #va-transcript .va-partial')"
STORED = "voice-agent:pk_demo_productco"  # the host page's sessionStorage, kept by the loader


def open_panel(page: Any) -> Any:
    button = floating_button(page)
    page.mouse.click(button["x"], button["y"])
    return widget_frame(page)


def lines(frame: Any) -> list[tuple[str, str]]:
    return frame.evaluate("""() => [...document.querySelectorAll('#va-transcript .va-line')].map((row) =>
        [row.classList.contains('va-user') ? 'user' : 'assistant', row.querySelector('.va-text').textContent])""")


SHOWN = """() => [...document.querySelectorAll('#va-transcript > .va-line, #va-transcript > .va-visual')].map(
    (node) => node.classList.contains('va-visual') ? 'card:' + node.dataset.tool
        : node.classList.contains('va-user') ? 'user' : 'assistant')"""


def shown(frame: Any) -> list[str]:
    """The conversation's lines and cards in their order on screen: the role, or the card's tool."""
    return frame.evaluate(SHOWN)


def test_a_conversation_continues_on_the_next_page_and_ends_only_on_end(
    chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    site = demo_live.http.replace("127.0.0.1", "localhost")  # another site than the platform's
    page.goto(f"{site}/demo/productco/")
    frame = open_panel(page)
    frame.locator("#va-welcome").wait_for(state="visible")
    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    # The agent's greeting first, to its end (typing now would cut it short).
    wait_widget(frame, "() => document.querySelector('#va-transcript .va-line.va-assistant')")
    wait_widget(frame, FINAL_ANSWERS)
    frame.locator("#va-input").fill(QUESTION)
    frame.locator("#va-input").press("Enter")
    frame.locator(".va-visual .va-product").first.wait_for(state="visible", timeout=TIMEOUT_MS)
    wait_widget(frame, "() => document.querySelectorAll('#va-transcript .va-line.va-assistant').length >= 2")
    wait_widget(frame, FINAL_ANSWERS)
    before = lines(frame)
    assert [role for role, _ in before] == ["assistant", "user", "assistant"], before
    order = shown(frame)
    assert "card:search_products" in order, order
    card_text = frame.locator(".va-visual .va-card").first.inner_text()
    # The host page's scripts can change what is kept: a card's markup comes back only as card markup.
    page.evaluate(f"""() => {{
        const kept = JSON.parse(sessionStorage.getItem('{STORED}'));
        kept.cards[0].html += '<a class="va-tampered" href="javascript:alert(1)" onclick="alert(2)">more</a>'
            + '<script>alert(3)</script><iframe src="https://example.org/"></iframe>';
        sessionStorage.setItem('{STORED}', JSON.stringify(kept));
    }}""")
    assert before[1][1] == QUESTION
    first_session = page.evaluate(f"() => JSON.parse(sessionStorage.getItem('{STORED}')).sessionId")

    # Another page of the same site, in the same tab: a real navigation (the socket closes with the page).
    page.locator("a", has_text="Delivery and returns").click()
    page.wait_for_url(re.compile(r"/demo/productco/delivery/$"))
    frame = open_panel(page)
    # No welcome screen again: the earlier lines are back, and the server says it continues the conversation.
    frame.locator("#va-chat").wait_for(state="visible")
    wait_widget(frame, STATE_IS, "live")
    frame.locator(".va-notice", has_text="Welcome back: your conversation continues.").wait_for(state="visible")
    assert frame.locator("#va-welcome").is_hidden()
    assert lines(frame)[: len(before)] == before
    # The card is back too, where it was among the lines, its buttons shown but no longer pressable: the server
    # takes a press only on a card of the session that offered it.
    assert shown(frame)[: len(order)] == order
    restored = frame.locator(".va-visual.va-restored").first
    assert restored.locator(".va-card").first.inner_text() == card_text
    tampered = restored.locator("a.va-tampered")
    assert tampered.get_attribute("href") is None and tampered.get_attribute("onclick") is None
    assert not restored.locator("script, iframe").count()
    tampered.evaluate("(node) => node.remove()")  # the screenshot shows the card as the server sent it
    restored.evaluate("(node) => node.scrollIntoView({block: 'start'})")
    buttons = restored.locator("button[data-action]")
    assert buttons.count() and all(buttons.nth(i).is_disabled() for i in range(buttons.count()))
    assert buttons.first.get_attribute("title") == "From earlier in the conversation"
    page.screenshot(path=screenshots / "32-cards-restored.png", clip={"x": 870, "y": 100, "width": 400, "height": 612})
    assert frame.locator("#va-status").inner_text() == ""  # no "Connected. Type your message." above "Welcome back"

    # The agent remembers: the simulator answers from its own conversation, which holds the seeded messages.
    frame.locator("#va-input").fill("what did I ask before?")
    frame.locator("#va-input").press("Enter")
    recalled = frame.locator(".va-line.va-assistant", has_text="Earlier you asked")
    recalled.wait_for(state="visible")
    wait_widget(frame, FINAL_ANSWERS)
    assert recalled.locator(".va-text").inner_text() == (
        f"Earlier you asked: “{QUESTION}”. Our conversation has {len(before)} messages before this one."
    )
    page.screenshot(path=screenshots / "20-conversation-resumed.png")

    # End asks first, in the panel; "Keep talking" keeps the conversation.
    frame.locator("#va-end").click()
    confirm = frame.locator("#va-end-confirm")
    confirm.wait_for(state="visible")
    assert confirm.inner_text().split("\n")[0].strip() == "End the conversation?"
    assert frame.locator("#va-end").is_hidden()
    frame.locator("#va-end-no").click()
    assert confirm.is_hidden() and frame.locator("#va-end").is_visible()
    assert frame.locator("#va-app").get_attribute("data-state") == "live"
    frame.locator("#va-end").click()
    page.screenshot(path=screenshots / "21-end-confirm.png", clip={"x": 870, "y": 100, "width": 400, "height": 612})
    frame.locator("#va-end-yes").click()
    wait_widget(frame, STATE_IS, "ended")
    assert frame.locator("#va-restart").is_visible()
    # The conversation itself says it is over, in the same grey line as the idle end, and the status line too.
    ended = frame.locator("#va-transcript > *").last
    assert ended.inner_text() == "You ended the conversation."
    assert ended.get_attribute("class") == "va-notice va-info"
    assert frame.locator("#va-status").inner_text() == "Conversation ended."
    panel = {"x": 870, "y": 100, "width": 400, "height": 612}
    page.screenshot(path=screenshots / "30-ended-by-visitor.png", clip=panel)
    kept = page.evaluate(f"() => JSON.parse(sessionStorage.getItem('{STORED}'))")
    assert "lines" not in kept and "resumeToken" not in kept and kept["consent"], kept

    # Ended for good: back on the shop's first page the widget offers a new conversation, nothing to continue.
    page.goto(f"{site}/demo/productco/")
    frame = open_panel(page)
    frame.locator("#va-welcome").wait_for(state="visible")
    assert not frame.locator("#va-transcript .va-line").count()

    # The console shows the continued session with a link to the one it continues.
    console_open(page, demo_live, tenant="ProductCo")
    detail = page.locator("#session-detail")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:  # the list fills as the tenant is picked: open the newest session once it is the continued one
        page.locator("#sessions-refresh").click()
        newest = page.locator("#sessions tbody tr").first
        newest.wait_for(state="visible")
        newest.click()
        page.wait_for_function("() => !/^Loading/.test(document.getElementById('session-detail').textContent)")
        if "Continues" in detail.inner_text():
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"the newest session does not continue {first_session}:\n{detail.inner_text()}")
        page.wait_for_timeout(300)
    assert f"Session {first_session}" in detail.inner_text()
    assert "The visitor ended the conversation (End)" in detail.inner_text()

    # A call continues as text on the next page (the microphone needs a click inside the panel), and the
    # visitor turns it back on there.
    page.goto(f"{site}/demo/productco/")
    frame = open_panel(page)
    frame.locator("#va-start-voice").click()
    wait_widget(frame, STATE_IS, "live")
    frame.locator("#va-voicebar").wait_for(state="visible")
    page.locator("a", has_text="Delivery and returns").click()
    page.wait_for_url(re.compile(r"/demo/productco/delivery/$"))
    frame = open_panel(page)
    wait_widget(frame, STATE_IS, "live")
    note = frame.locator("#va-mic-note")
    note.wait_for(state="visible")
    assert frame.locator("#va-mic-note-text").inner_text() == "The microphone is off after the page change."
    assert frame.locator("#va-voicebar").is_hidden()
    frame.locator("#va-voice-retry").click()
    frame.locator("#va-voicebar").wait_for(state="visible")
    assert note.is_hidden()
    assert not page.js_errors, page.js_errors
    page.context.close()
