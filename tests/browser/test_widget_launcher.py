"""The launcher and the start of a conversation in Chromium: a page the platform refuses gets no launcher and one
precise console line, never an empty panel; the tag's data-* attributes brand the launcher from its first paint;
a refused microphone turns the call into text at once, with a one-line reason and a way to retry voice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tenants.models import Tenant
from tests.support.browser import STATE_IS, TIMEOUT_MS, new_page, open_widget, wait_widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The site's page, as a customer would write it: the loader with branding attributes.
BRANDED_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Branded</title></head>
<body><h1>A customer page</h1>
<script src="{platform}/widget.js" data-key="pk_demo_productco" data-color="#aa1144" data-position="left"
        data-label="Ask Ann" data-icon="chat" async></script></body></html>"""

# The visitor refuses the microphone (Chromium's permission prompt answered "Block"), until the test allows it.
DENY_MICROPHONE = """(() => {
  window.__denyMicrophone = true;
  const real = navigator.mediaDevices && navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  if (!real) return;
  navigator.mediaDevices.getUserMedia = (constraints) => window.__denyMicrophone
    ? Promise.reject(new DOMException("Permission denied", "NotAllowedError")) : real(constraints);
})();"""


def launcher(page: Any) -> dict[str, Any] | None:
    """The loader's button through the accessibility tree and CDP (its shadow root is closed): name, box, colour."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
        buttons = [
            n
            for n in nodes
            if n.get("role", {}).get("value") == "button" and "backendDOMNodeId" in n and n.get("name", {}).get("value")
        ]
        for node in buttons:
            resolved = cdp.send("DOM.resolveNode", {"backendNodeId": node["backendDOMNodeId"]})["object"]
            style = cdp.send(
                "Runtime.callFunctionOn",
                {
                    "objectId": resolved["objectId"],
                    "functionDeclaration": "function () { const r = this.getBoundingClientRect(); "
                    "return JSON.stringify({cls: this.className, bg: getComputedStyle(this).backgroundColor, "
                    "x: r.x, w: r.width}); }",
                    "returnByValue": True,
                },
            )["result"]["value"]
            if '"cls":"va-button"' in style:
                return {"name": node["name"]["value"], **json.loads(style)}
        return None
    finally:
        cdp.detach()


@pytest.fixture
def productco_allows_only_localhost(demo_live: Any) -> str:
    """ProductCo allows its live site under localhost only, so the same page under 127.0.0.1 is refused.

    Set up before the browser starts (Django refuses database calls while Playwright's loop runs)."""
    allowed = demo_live.http.replace("127.0.0.1", "localhost")
    Tenant.objects.filter(slug="productco").update(allowed_origins=allowed)
    return allowed


def test_a_refused_page_gets_no_launcher_and_one_precise_console_line(
    productco_allows_only_localhost: str, chromium_browser: Any, demo_live: Any
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    lines: list[str] = []
    page.on("console", lambda message: lines.append(message.text))
    refused_origin = demo_live.http
    page.goto(refused_origin + "/demo/productco/")
    for _ in range(100):  # the refusal takes one bootstrap round trip
        if any(line.startswith("voice widget:") for line in lines):
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(500)  # and nothing else follows
    ours = [line for line in lines if line.startswith("voice widget:")]
    assert len(ours) == 1, lines
    assert f"key pk_demo_productco on {refused_origin}" in ours[0] and "allowed origins" in ours[0], ours[0]
    assert page.locator("voice-agent-widget").count() == 0  # no launcher at all
    assert not any("/widget/" in frame.url for frame in page.frames)  # and never an empty iframe
    assert launcher(page) is None
    page.context.close()


def test_the_tags_data_attributes_brand_the_launcher(chromium_browser: Any, demo_live: Any, screenshots: Path) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    page.route(
        demo_live.http + "/customer-page",
        lambda route: route.fulfill(content_type="text/html", body=BRANDED_PAGE.format(platform=demo_live.http)),
    )
    page.goto(demo_live.http + "/customer-page")
    page.wait_for_function("() => !!document.querySelector('voice-agent-widget')", timeout=TIMEOUT_MS)
    page.wait_for_timeout(200)
    button = launcher(page)
    assert button is not None
    assert button["name"] == "Ask Ann"
    assert button["bg"] == "rgb(170, 17, 68)"  # data-color, not the default blue nor the tenant's green
    assert button["x"] < 100  # data-position="left"
    page.screenshot(path=screenshots / "13-branded-launcher.png", clip={"x": 0, "y": 640, "width": 320, "height": 160})
    assert not page.js_errors, page.js_errors
    page.context.close()


def test_a_refused_microphone_switches_to_text_at_once_and_voice_can_be_retried(
    chromium_browser: Any, demo_live: Any, screenshots: Path, phrase: str
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    page.context.add_init_script(DENY_MICROPHONE)
    frame = open_widget(page, demo_live)
    frame.locator("#va-start-voice").click()
    wait_widget(frame, STATE_IS, "live")
    note = frame.locator("#va-mic-note")
    note.wait_for(state="visible")
    assert frame.locator("#va-mic-note-text").inner_text() == "Microphone access was refused, so we switched to text."
    assert frame.locator("#va-voicebar").is_hidden()
    assert frame.locator("#va-input").is_enabled()
    frame.locator("#va-input").fill(phrase)
    frame.locator("#va-input").press("Enter")
    frame.locator(".va-visual .va-product").first.wait_for(state="visible")
    page.screenshot(path=screenshots / "14-microphone-refused.png")

    frame.evaluate("() => { window.__denyMicrophone = false; }")  # the visitor allows it in the browser
    frame.locator("#va-voice-retry").click()
    frame.locator("#va-voicebar").wait_for(state="visible")
    assert note.is_hidden()
    assert frame.locator("#va-app").get_attribute("data-state") == "live"
    assert not page.js_errors, page.js_errors
    page.context.close()
