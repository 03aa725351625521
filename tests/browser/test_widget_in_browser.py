"""The widget in a real browser: Debian's Chromium driven by Playwright against a live Daphne server with the
realtime simulator upstream. The fake microphone plays a phrase spoken by espeak-ng (see conftest.py).

One visit, step by step, with a screenshot of each step in build/screenshots/ (`make screenshots` copies them
into docs/screenshots/, which docs/widget.md shows): the demo site, the welcome screen, a typed question
answered with a product card, speech through the microphone answered with audio, and the stored transcript
found in the staff console. Then the panel on a phone-sized screen."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from demo import data as demo_data
from tenants.tokens import token_consume, token_verify
from tests.support.browser import (
    STATE_IS,
    TIMEOUT_MS,
    console_open,
    floating_button,
    new_page,
    observed,
    open_widget,
    wait_widget,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = "ORD-2026-000123456789-support.orders.productco.example@averylongmailboxname.example"


def test_a_visitor_types_speaks_and_the_transcript_reaches_the_console(
    chromium_browser: Any, demo_live: Any, screenshots: Path, phrase: str
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})

    # 1. The demo site with the floating button.
    page.goto(demo_live.http + "/demo/productco/")
    floating_button(page)
    page.screenshot(path=screenshots / "01-demo-site.png")

    # 2. Click: the welcome screen with the disclaimer.
    frame = open_widget(page, demo_live)
    disclaimer = frame.locator("#va-disclaimer").inner_text()
    assert disclaimer.strip(), "the welcome screen shows no disclaimer"
    page.screenshot(path=screenshots / "02-welcome.png")

    # 3. Accept and talk; mute while typing so the looping fake microphone cannot barge in on the answer.
    frame.locator("#va-start-voice").click()
    wait_widget(frame, STATE_IS, "live")
    frame.locator("#va-mute").click()
    assert frame.locator("#va-mute").get_attribute("aria-pressed") == "true"
    frame.locator("#va-input").fill(phrase)
    frame.locator("#va-input").press("Enter")
    card = frame.locator(".va-visual .va-product").first
    card.wait_for(state="visible", timeout=TIMEOUT_MS)
    cheapest = min(demo_data.products(""), key=lambda p: p["price"])
    assert card.locator(".va-product-name").inner_text().strip() == cheapest["name"]
    price = card.locator(".va-product-price").inner_text()
    assert price.strip() == f"€{cheapest['price']:.2f}", price  # the demo shop's en-IE locale, in euros
    assert f"{cheapest['price']:g}" in price.replace(" ", ""), (price, cheapest["price"])
    frame.locator(".va-visual ~ .va-assistant:not(.va-partial)").first.wait_for(state="visible")  # the answer
    frame.locator(".va-visual").first.evaluate("(card) => card.scrollIntoView({block: 'start'})")
    page.screenshot(path=screenshots / "03-product-card.png")

    # 4. Unmute: the fake microphone speaks; the simulator's VAD detects it and the spoken reply plays.
    frame.locator("#va-mute").click()
    wait_widget(frame, "() => window.__observed.events.includes('input_audio_buffer.speech_started')")
    played_before = observed(frame)["playedMs"]  # audio of the replies before this one
    frame.locator(".va-assistant", has_text="can't understand speech").first.wait_for(
        state="visible", timeout=TIMEOUT_MS
    )
    wait_widget(frame, "(before) => window.__observed.playedMs > before", played_before)
    hook = observed(frame)
    assert "input_audio_buffer.append" in hook["sent"]
    assert "response.output_audio.delta" in hook["events"]
    session_id = hook["sessionId"]
    assert session_id
    page.screenshot(path=screenshots / "04-voice.png")

    # 5. End the conversation, then find its transcript in the staff console.
    frame.locator("#va-end").click()
    frame.locator("#va-end-yes").click()  # End asks first while the conversation lives
    wait_widget(frame, STATE_IS, "ended")
    assert frame.locator("#va-restart").is_visible()
    # Over means over: Send looks and is off like the text box, so nobody types into a finished conversation.
    assert frame.locator("#va-input").is_disabled() and frame.locator("#va-form button").is_disabled()
    assert float(frame.locator("#va-form button").evaluate("(node) => getComputedStyle(node).opacity")) < 1

    console_open(page, demo_live, tenant="ProductCo")
    detail = page.locator("#session-detail")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:  # the transcript is stored when the server has closed the session: refresh until it is there
        page.locator("#sessions-refresh").click()
        newest = page.locator("#sessions tbody tr").first
        newest.wait_for(state="visible")
        newest.click()
        page.wait_for_function("() => !/^Loading/.test(document.getElementById('session-detail').textContent)")
        text = detail.inner_text()
        if session_id in text and phrase in text:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"the newest stored session is not {session_id} with the phrase:\n{text}")
        page.wait_for_timeout(300)
    page.locator("section.sessions").screenshot(path=screenshots / "05-console-transcript.png")
    assert not page.js_errors, page.js_errors
    page.context.close()


def test_the_panel_fits_a_phone_screen(chromium_browser: Any, demo_live: Any, screenshots: Path, phrase: str) -> None:
    page = new_page(
        chromium_browser, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    frame = open_widget(page, demo_live)
    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    frame.locator("#va-input").fill(phrase)
    frame.locator("#va-input").press("Enter")
    frame.locator(".va-visual .va-product").first.wait_for(state="visible")
    frame.locator(".va-transcript .va-assistant").first.wait_for(state="visible")

    # A long unbroken word (an order number, an address) wraps inside a message or a notice, never past it.
    frame.locator("#va-input").fill(f"Where is {LONG_WORD}?")
    frame.locator("#va-input").press("Enter")
    frame.locator(".va-line.va-user .va-text", has_text=LONG_WORD).wait_for(state="visible")
    frame.evaluate(  # a notice as the server words them, with the tenant's contact address in it
        "(word) => { const p = document.createElement('p'); p.className = 'va-notice va-info';"
        " p.textContent = 'Write to ' + word; document.getElementById('va-transcript').appendChild(p); }",
        LONG_WORD,
    )
    box = frame.frame_element().bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375 + 0.5, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= 740 + 0.5, box
    overflow = frame.evaluate("""() => {
        const wide = (el) => el.scrollWidth > el.clientWidth + 1;
        const offenders = [document.documentElement, document.body,
                           ...document.querySelectorAll(
                             '.va-screen, .va-transcript, .va-visual, .va-form, .va-bubble, .va-notice')]
          .filter((el) => el.offsetParent !== null || el === document.documentElement || el === document.body)
          .filter(wide).map((el) => (el.id || el.className) + ' ' + el.scrollWidth + '>' + el.clientWidth);
        return offenders;
    }""")
    assert overflow == [], f"horizontal scroll inside the widget: {overflow}"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=screenshots / "06-phone.png")
    assert not page.js_errors, page.js_errors
    page.context.close()


def test_the_live_server_serves_the_widget_static_files(demo_live: Any) -> None:
    """The widget page loads its CSS and scripts from /static/; Daphne alone must serve them."""
    missing = []
    for name in ("widget.css", "client.js", "widget-app.js", "audio-worklet.js", "console-app.js", "console.css"):
        try:
            with urllib.request.urlopen(f"{demo_live.http}/static/widget/{name}", timeout=5) as response:
                if response.status != 200:
                    missing.append(f"{name}: {response.status}")
        except urllib.error.HTTPError as error:
            missing.append(f"{name}: {error.code}")
    assert not missing, (
        "Daphne (config.asgi:application) serves no /static/ files, so the widget page and "
        f"the console load without CSS and JavaScript: {missing}"
    )


@pytest.mark.parametrize("slow_first_bootstrap", [False, True], ids=["prompt", "slow-prefetch"])
def test_a_refused_token_is_replaced_and_the_session_opens(
    chromium_browser: Any, demo_live: Any, slow_first_bootstrap: bool
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    bootstraps: list[Any] = []
    page.on(
        "response",
        lambda response: (
            bootstraps.append(response)
            if response.url.endswith("/api/widget/bootstrap") and response.request.method == "POST"
            else None
        ),
    )
    if slow_first_bootstrap:
        # A slow network: the hover's prefetch is still in flight when the widget frame asks for its
        # bootstrap, so both wait on the same answer, whose token must be handed out once only.
        def hold_first(route: Any) -> None:
            if not bootstraps:
                time.sleep(1.5)
            route.continue_()

        page.route("**/api/widget/bootstrap", hold_first)
    frame = open_widget(page, demo_live)
    # The visitor lingers on the welcome screen; meanwhile the token is spent (as an expired or replayed
    # one would be refused): the server refuses the handshake, and the widget must fetch a fresh token once.
    first = bootstraps[0].json()["token"]
    token_consume(token_verify(first))
    frame.locator("#va-start-voice").click()
    wait_widget(
        frame, "() => document.getElementById('va-app').dataset.state === 'live' && !!window.__observed.sessionId"
    )
    tokens = [response.json()["token"] for response in bootstraps]
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert not page.js_errors, page.js_errors


def test_an_operator_talks_to_an_agent_in_the_console_with_its_diagnostics(
    chromium_browser: Any, demo_live: Any, screenshots: Path, phrase: str
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 900})
    console_open(page, demo_live, tenant="ProductCo")

    page.locator("#start-text").click()
    page.wait_for_function("() => window.__observed.state === 'live'")
    page.locator("#text-input").fill(phrase)
    page.locator("#text-input").press("Enter")

    page.locator("#transcript .va-assistant", has_text="The cheapest is").first.wait_for(state="visible")
    page.locator("#tools tbody tr", has_text="search_products").first.wait_for(state="visible")
    assert "platform.debug" in observed(page)["events"]  # the console channel gets the diagnostics
    # The usage panel sums the session's responses (greeting, tool call, answer), not only the last one.
    page.wait_for_function(
        "() => /over ([2-9]|\\d{2,}) responses/.test(document.getElementById('usage').textContent)", timeout=15000
    )
    usage = page.locator("#usage").inner_text()
    assert "Total tokens" in usage and "Tenant today" in usage and "of $10.00" in usage
    page.locator("#usage").screenshot(path=screenshots / "07-console-usage.png")
    page.locator("#end").click()
    page.wait_for_function("() => window.__observed.state !== 'live'")
    assert not page.js_errors, page.js_errors
