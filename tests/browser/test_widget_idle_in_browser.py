"""The idle timeout with a warning, in Chromium against a live server whose session timers are scaled down: the
server asks "Still there?" before its idle timeout, the button keeps the conversation, and when nobody answers the
next one the conversation ends with a line saying how long it was quiet and a "Start again" that starts anew."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import STATE_IS, TIMEOUT_MS, floating_button, new_page, open_widget, wait_widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# ProductCo's 120 s idle timeout scaled to 6 s; the warning 60 s before it, scaled to 3 s (at most half the timeout).
SCALE = "0.05"
WARNING_SECONDS = "60"


@pytest.fixture
def demo_live(demo_server: Any) -> Any:
    """The demo on a server with short session timers (chromium_browser starts after it)."""
    return demo_server(SESSION_TIME_SCALE=SCALE, SESSION_IDLE_WARNING_SECONDS=WARNING_SECONDS)


def button_names(page: Any) -> list[str]:
    """The names of the page's buttons as a screen reader hears them (the launcher's shadow root is closed)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return [str(n.get("name", {}).get("value", "")) for n in nodes if n.get("role", {}).get("value") == "button"]


def test_still_there_keeps_the_conversation_and_silence_then_ends_it_with_start_again(
    chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    frame = open_widget(page, demo_live)
    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    # The visitor closed the panel: the launcher says the server asks (a dot, and its name), and opening the
    # panel shows the question.
    frame.locator("#va-close").click()
    launcher = floating_button(page, "Talk to us (still there?)")
    corner = {"x": 1040, "y": 680, "width": 240, "height": 120}
    page.screenshot(path=screenshots / "33-still-there-launcher.png", clip=corner)
    page.mouse.click(launcher["x"], launcher["y"])
    prompt = frame.locator("#va-still-there")
    prompt.wait_for(state="visible")
    assert prompt.inner_text().startswith("Still there?")
    page.screenshot(path=screenshots / "22-still-there.png", clip={"x": 870, "y": 100, "width": 400, "height": 612})
    frame.locator("#va-still-here").click()
    assert prompt.is_hidden()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while "Talk to us (still there?)" in button_names(page):  # the launcher hears it from the panel's frame
        assert time.monotonic() < deadline, "the launcher still asks after the visitor answered"
        page.wait_for_timeout(100)
    assert frame.locator("#va-app").get_attribute("data-state") == "live"

    # Nobody answers the next warning: the conversation ends, saying why, and offers to start again.
    prompt.wait_for(state="visible")
    wait_widget(frame, STATE_IS, "ended")
    ended = frame.locator(".va-notice").last
    assert ended.inner_text() == "The conversation ended because it was quiet for 6 seconds."
    # A quiet visitor did nothing wrong: the line reads as information, not in the red of a failure.
    assert "va-error" not in (ended.get_attribute("class") or ""), ended.get_attribute("class")
    assert prompt.is_hidden() and frame.locator("#va-end").is_hidden()
    restart = frame.locator("#va-restart")
    assert restart.is_visible() and restart.inner_text() == "Start again"
    page.screenshot(path=screenshots / "23-idle-ended.png", clip={"x": 870, "y": 100, "width": 400, "height": 612})
    restart.click()
    wait_widget(frame, STATE_IS, "live")
    frame.locator(".va-notice", has_text="New conversation").wait_for(state="visible")
    assert not page.js_errors, page.js_errors
    page.context.close()
