"""What the browser tests share: finding the loader's button and the widget frame, a page that records the
widget's socket traffic (observer.js), waiting on the widget with a useful failure message, the console login."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from demo import DEMO_LOGIN

BUTTON_LABEL = "Talk to us"  # the loader's button (closed shadow root)
TIMEOUT_MS = 20_000
# The agent's lines in the widget, and "no answer is still being written".
ANSWERS = "#va-transcript .va-line.va-assistant"
SETTLED = "() => !document.querySelector('#va-transcript .va-typing, #va-transcript .va-partial')"


def widget_frame(page: Any) -> Any:
    """The widget iframe (inside the loader's closed shadow root, so found among the page's frames)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/widget/?key=" in frame.url:
                return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"no widget iframe appeared; frames: {[f.url for f in page.frames]}")


def floating_button(page: Any, label: str = BUTTON_LABEL) -> dict[str, Any]:
    """The loader's button, found like a screen reader finds it: in the accessibility tree, by role and name
    (`label`, the launcher's label in the agent's language).

    Its closed shadow root hides it from DOM selectors; returns its AX node and the centre of its box."""
    cdp = page.context.new_cdp_session(page)
    try:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while True:
            nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
            found = [
                n
                for n in nodes
                if n.get("role", {}).get("value") == "button"
                # During a call the name says its state: "Talk to us (call listening)".
                and str(n.get("name", {}).get("value", "")).startswith(label)
                and "backendDOMNodeId" in n
            ]
            if found:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"no button named {label!r} in the accessibility tree")
            page.wait_for_timeout(100)
        quad = cdp.send("DOM.getBoxModel", {"backendNodeId": found[0]["backendDOMNodeId"]})["model"]["border"]
        xs, ys = quad[0::2], quad[1::2]
        return {
            "node": found[0],
            "x": sum(xs) / 4,
            "y": sum(ys) / 4,
            "width": max(xs) - min(xs),
            "height": max(ys) - min(ys),
        }
    finally:
        cdp.detach()


def open_widget(page: Any, server: Any, site: str = "productco", label: str = BUTTON_LABEL) -> Any:
    page.goto(f"{server.http}/demo/{site}/")
    button = floating_button(page, label)
    assert button["width"] >= 44 and button["height"] >= 44, button  # a comfortable touch target
    page.mouse.click(button["x"], button["y"])
    frame = widget_frame(page)
    try:
        frame.locator("#va-welcome").wait_for(state="visible", timeout=TIMEOUT_MS)
    except PlaywrightTimeout:
        raise AssertionError(
            f"the welcome screen did not appear; failed responses: {page.bad_responses}; "
            f"the widget shows: {frame.locator('body').inner_text()!r}"
        ) from None
    return frame


# Records the widget's socket traffic and audio, test-side.
OBSERVER = Path(__file__).resolve().parents[1] / "browser" / "observer.js"
STATE_IS = "(state) => document.getElementById('va-app').dataset.state === state"  # the widget's own state


def observed(frame: Any) -> dict[str, Any]:
    return frame.evaluate("() => JSON.parse(JSON.stringify(window.__observed))")


def wait_widget(frame: Any, predicate: str, arg: Any = None, timeout: int = TIMEOUT_MS) -> None:
    """Wait for a JS predicate in the widget frame; on timeout, say what the widget shows and received."""
    try:
        frame.wait_for_function(predicate, arg=arg, timeout=timeout)
    except PlaywrightTimeout:
        hook = observed(frame)
        shown = frame.locator("#va-app").inner_text()
        state = frame.locator("#va-app").get_attribute("data-state")
        raise AssertionError(
            f"widget: timed out waiting for {predicate}\nshown: {shown}\nstate={state} "
            f"events={hook['events'][-40:]} sent={hook['sent'][-20:]} "
            f"notices={hook['notices']} playedMs={hook['playedMs']}\n"
            f"failed responses: {frame.page.bad_responses}"
        ) from None


def settle(frame: Any, before: int) -> str:
    """Wait for the agent's next complete answer after `before` answers; return its text."""
    wait_widget(
        frame,
        f"(before) => document.querySelectorAll('{ANSWERS}').length > before && ({SETTLED})()",
        before,
    )
    frame.wait_for_timeout(300)  # a tool's answer may follow its call's empty response
    wait_widget(frame, SETTLED)
    return frame.locator(ANSWERS).last.locator(".va-text").inner_text().strip()


def ask(frame: Any, question: str) -> str:
    """Type a question into the widget and return the agent's complete answer to it."""
    before = frame.locator(ANSWERS).count()
    frame.locator("#va-input").fill(question)
    frame.locator("#va-input").press("Enter")
    return settle(frame, before)


def console_open(page: Any, server: Any, *, tenant: str) -> None:
    """Sign in to the console as the demo staff user and pick a tenant."""
    page.goto(server.http + "/console/")
    page.locator("#id_username").fill(DEMO_LOGIN.username)
    page.locator("#id_password").fill(DEMO_LOGIN.password)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(re.compile(r"/console/$"))
    page.locator("#tenant option", has_text=tenant).first.wait_for(state="attached")
    page.locator("#tenant").select_option(label=tenant)


def new_page(browser: Any, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.add_init_script(path=OBSERVER)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: print(f"console.{message.type}: {message.text}"))  # shown on failure
    bad: list[str] = []
    page.on(
        "response",
        lambda response: (
            bad.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.bad_responses = bad  # named in failure messages
    page.js_errors = errors  # checked at the end of each test
    return page
