"""The widget as a conversation, in Chromium against the live server and the simulator: voice you can see (the
orb's four states from the real microphone level and the session's events, the launcher showing the call while
the panel is closed) and messages that read as a chat (sides, avatar, no prefixes, typing dots, times on hover,
the spoken line above its answer). Screenshots go to build/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import (
    STATE_IS,
    TIMEOUT_MS,
    floating_button,
    new_page,
    open_widget,
    wait_widget,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records, inside the widget frame, every voice state the widget shows, the loudest level seen in each, and
# whether the typing indicator ever appeared: the screen changes faster than a test can poll.
RECORDER = """() => {
  const app = document.getElementById('va-app');
  const orb = document.getElementById('va-orb');
  const seen = window.__seen = { states: [], maxLevel: {}, typing: false };
  new MutationObserver(() => {
    const state = orb.getAttribute('data-voice');
    if (seen.states[seen.states.length - 1] !== state) seen.states.push(state);
    const level = Number(orb.getAttribute('data-level') || 0);
    seen.maxLevel[state] = Math.max(seen.maxLevel[state] || 0, level);
  }).observe(orb, { attributes: true });
  new MutationObserver(() => {
    if (document.querySelector('#va-transcript .va-typing')) seen.typing = true;
  }).observe(document.getElementById('va-transcript'), { childList: true, subtree: true });
}"""


def seen(frame: Any) -> dict[str, Any]:
    return frame.evaluate("() => JSON.parse(JSON.stringify(window.__seen))")


def in_order(sequence: list[str], wanted: list[str]) -> bool:
    position = 0
    for state in sequence:
        if position < len(wanted) and state == wanted[position]:
            position += 1
    return position == len(wanted)


def test_a_call_shows_listening_hearing_thinking_and_speaking_and_the_launcher_keeps_it(
    chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    frame = open_widget(page, demo_live)
    frame.evaluate(RECORDER)
    frame.locator("#va-start-voice").click()
    wait_widget(frame, STATE_IS, "live")
    # The fake microphone speaks the phrase; the simulator hears it, thinks, and answers with audio.
    wait_widget(frame, "() => window.__seen.states.includes('hearing')")
    wait_widget(frame, "() => document.getElementById('va-orb').dataset.voice === 'speaking'")
    page.screenshot(path=screenshots / "07-voice-speaking.png")
    states = seen(frame)
    assert in_order(states["states"], ["listening", "hearing", "thinking", "speaking"]), states
    assert states["maxLevel"].get("hearing", 0) > 0.2, states  # the orb follows the real microphone level
    label = frame.locator("#va-voice-label").inner_text()
    assert label in ("Speaking…", "Listening…", "Hearing you…", "Thinking…"), label

    # The visitor's spoken line sits above the answer to it.
    spoken = frame.locator("#va-transcript .va-line.va-user").first
    spoken.wait_for(state="visible")
    order = frame.evaluate("""() => [...document.querySelectorAll('#va-transcript .va-line')]
        .map((row) => row.classList.contains('va-user') ? 'user' : 'assistant')""")
    first_user = order.index("user")
    assert "assistant" in order[first_user + 1 :], order  # an answer follows the spoken line

    # Closing the panel keeps the call: the iframe stays, and the launcher shows the call's state.
    frame.locator("#va-close").click()
    page.wait_for_timeout(300)
    assert any("/widget/?key=" in f.url for f in page.frames), "closing the panel ended the call"
    button = floating_button(page)
    name = button["node"]["name"]["value"]
    assert "(call " in name, name
    page.screenshot(
        path=screenshots / "08-launcher-during-call.png", clip={"x": 1100, "y": 620, "width": 180, "height": 180}
    )

    # Reopening shows the same conversation, still live.
    page.mouse.click(button["x"], button["y"])
    frame.locator("#va-chat").wait_for(state="visible")
    assert frame.locator("#va-app").get_attribute("data-state") == "live"
    frame.locator("#va-end").click()
    frame.locator("#va-end-yes").click()  # End asks first while the conversation lives
    wait_widget(frame, STATE_IS, "ended")
    assert not page.js_errors, page.js_errors
    page.context.close()


def test_messages_read_as_a_conversation(chromium_browser: Any, demo_live: Any, screenshots: Path, phrase: str) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    frame = open_widget(page, demo_live)
    frame.evaluate(RECORDER)
    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    status = frame.locator("#va-status")
    assert status.inner_text() == "Connected. Type your message."
    assert status.get_attribute("aria-live") == "polite"
    frame.locator("#va-input").fill(phrase)
    frame.locator("#va-input").press("Enter")
    frame.locator(".va-visual .va-product").first.wait_for(state="visible", timeout=TIMEOUT_MS)
    wait_widget(frame, "() => window.__observed.events.filter((type) => type === 'response.done').length >= 3")
    wait_widget(frame, "() => !document.querySelector('#va-transcript .va-typing, #va-transcript .va-partial')")
    answer = frame.locator("#va-transcript .va-line.va-assistant").last
    assert seen(frame)["typing"], "no typing indicator while the agent composed its answer"
    # "Connected" said its piece: once the visitor has written, the line above the conversation takes no room.
    assert status.inner_text() == ""
    status_box = status.bounding_box()
    assert status_box and status_box["height"] <= 1, status_box

    transcript = frame.locator("#va-transcript")
    box = transcript.bounding_box()
    mine = frame.locator("#va-transcript .va-line.va-user").first.locator(".va-bubble").bounding_box()
    theirs = answer.locator(".va-bubble").bounding_box()
    assert box and mine and theirs
    assert box["x"] + box["width"] - (mine["x"] + mine["width"]) < 24, (box, mine)  # the visitor on the right
    assert theirs["x"] - box["x"] > 24, (box, theirs)  # the agent on the left, after its avatar
    assert answer.locator(".va-avatar").inner_text().strip() == "P"  # ProductCo's initial
    shown = transcript.inner_text()
    assert "Agent:" not in shown and "You:" not in shown, shown
    assert frame.locator("#va-transcript .va-line.va-user .va-text").first.inner_text().strip() == phrase

    time_of = answer.locator(".va-time")
    page.mouse.move(5, 5)  # away from the panel: the pointer was left where "Accept and type" was
    frame.wait_for_function(  # hidden until hovered (after its fade-out, if the pointer just left)
        "(node) => getComputedStyle(node).opacity === '0'", arg=time_of.element_handle(), timeout=2000
    )
    answer.hover()
    frame.wait_for_function(
        "(node) => getComputedStyle(node).opacity === '1'", arg=time_of.element_handle(), timeout=2000
    )
    assert time_of.get_attribute("datetime")
    page.screenshot(path=screenshots / "09-conversation.png")

    # Eight results: a sideways row of cards with "Show all 8", which stacks them.
    row = frame.locator(".va-visual ul.va-carousel").first
    items = row.locator(":scope > li")
    assert items.count() == 8
    first, second = items.nth(0).bounding_box(), items.nth(1).bounding_box()
    assert first and second and abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]  # side by side
    assert row.evaluate("(list) => list.scrollWidth > list.clientWidth")
    frame.locator(".va-visual .va-show-all").first.scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "15-carousel.png")
    show_all = frame.locator(".va-visual .va-show-all").first
    assert show_all.inner_text() == "Show all 8"
    show_all.click()
    first, second = items.nth(0).bounding_box(), items.nth(1).bounding_box()
    assert first and second and second["y"] >= first["y"] + first["height"] - 1  # stacked
    assert show_all.get_attribute("aria-expanded") == "true"
    assert not page.js_errors, page.js_errors
    page.context.close()
