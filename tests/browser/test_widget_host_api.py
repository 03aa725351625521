"""The host page's side of the widget in Chromium: the JavaScript API (VoiceAgent.setContext, open, sendText,
startVoice, close, and its events) driven from the ProductCo demo page, the consent screen with the tenant's
privacy link, and the launcher wearing the tenant's branding from its first paint, the tag's data-* winning."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tenants.models import Tenant
from tests.support.browser import STATE_IS, TIMEOUT_MS, new_page, wait_widget, widget_frame

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The host page, before the loader: a queued listener (the stub pattern the docs show) and a DOM listener, each
# recording what the widget tells the page.
HOST_RECORDER = """(() => {
  if (window.top !== window) return;
  const host = window.__host = { api: [], dom: [] };
  window.VoiceAgent = { q: [] };
  for (const name of ["ready", "open", "close", "message", "card-action"]) {
    window.VoiceAgent.q.push(["on", name, (detail) => host.api.push({ name, detail })]);
    window.addEventListener("voiceagent:" + name, (event) => host.dom.push({ name, detail: event.detail }));
  }
})();"""

# Test-side only: keeps the loader's closed shadow root reachable, and records the launcher as first drawn
# (a requestAnimationFrame callback runs before the frame is painted).
FIRST_PAINT = """(() => {
  if (window.top !== window) return;
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    window.__root = root;
    return root;
  };
  const look = () => {
    const button = window.__root && window.__root.querySelector(".va-button");
    if (!button || !button.isConnected) return requestAnimationFrame(look);
    const root = window.__root.querySelector(".va-root");
    window.__firstPaint = {
      bg: getComputedStyle(button).backgroundColor, left: root.classList.contains("va-left"),
      label: window.__root.querySelector(".va-label").textContent, name: button.getAttribute("aria-label"),
      chat: button.innerHTML.includes("M4 4h16"), x: button.getBoundingClientRect().x,
    };
  };
  requestAnimationFrame(look);
})();"""

# The largest context allowed, in 4-byte characters: the token carrying it rides in the socket's header.
FULL_CONTEXT_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Full context</title></head>
<body><h1>A customer page</h1>
<script src="{platform}/widget.js" data-key="pk_demo_productco" data-context='{context}' async></script>
</body></html>"""

TAG_OVERRIDES = """<!doctype html><html><head><meta charset="utf-8"><title>Overrides</title></head>
<body><h1>A customer page</h1>
<script src="{platform}/widget.js" data-key="pk_demo_productco" data-position="right" data-label="Ask Ann"
        data-icon="mic" data-context='{{"cart": {{"items": 2}}}}' async></script></body></html>"""


def host_events(page: Any, name: str, via: str = "api") -> list[Any]:
    return [e["detail"] for e in page.evaluate("() => window.__host")[via] if e["name"] == name]


def wait_host(page: Any, predicate: str, arg: Any = None) -> None:
    page.wait_for_function(predicate, arg=arg, timeout=TIMEOUT_MS)


def test_the_host_page_drives_the_widget_through_the_javascript_api(
    chromium_browser: Any, demo_live: Any, screenshots: Path, phrase: str
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    lines: list[str] = []
    page.on("console", lambda message: lines.append(message.text))
    page.context.add_init_script(HOST_RECORDER)
    page.goto(f"{demo_live.http}/demo/productco/")
    wait_host(page, "() => window.__host.api.some((e) => e.name === 'ready')")

    # "Ask about this" on a product: setContext, then sendText, through the page's queue.
    ask = page.locator("button.ask").first
    product_name = ask.get_attribute("data-name")
    ask.click()
    frame = widget_frame(page)
    frame.locator("#va-welcome").wait_for(state="visible")
    assert host_events(page, "open") == [{}] and host_events(page, "open", via="dom") == [{}]
    # The consent screen is never skipped: the text waits there, and the tenant's privacy link is beside it.
    assert frame.locator("#va-pending").is_visible()
    assert frame.locator("#va-pending-text").inner_text() == f"Tell me about the {product_name}"
    link = frame.locator("#va-privacy")
    assert link.is_visible() and link.inner_text().split() == "Privacy policy (opens in a new tab)".split()
    assert link.get_attribute("href") == "https://productco.example/privacy"
    assert link.get_attribute("target") == "_blank" and "noopener" in (link.get_attribute("rel") or "")
    page.screenshot(
        path=screenshots / "18-consent-privacy-link.png", clip={"x": 860, "y": 80, "width": 420, "height": 720}
    )

    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    wait_host(page, "() => window.__host.api.filter((e) => e.name === 'message').length >= 2")
    messages = host_events(page, "message")
    assert messages[0] == {"role": "user", "text": f"Tell me about the {product_name}"}
    assert any(m["role"] == "assistant" and m["text"] for m in messages[1:]), messages
    assert "platform.context" in frame.evaluate("() => window.__observed.sent")  # the page's context went along

    # A context the platform refuses: one console line for the page's developer, the conversation goes on.
    page.evaluate("() => VoiceAgent.setContext({ productId: { nested: true } })")
    for _ in range(100):  # the refusal is a socket round trip away
        if any(line.startswith("voice widget: page context refused") for line in lines):
            break
        page.wait_for_timeout(50)
    refused = [line for line in lines if line.startswith("voice widget: page context refused")]
    assert refused == [
        "voice widget: page context refused: Context value 'productId' is a dict; only strings and numbers are allowed."
    ]

    page.evaluate("() => VoiceAgent.close()")
    wait_host(page, "() => window.__host.api.some((e) => e.name === 'close')")
    # Closed, sendText opens the panel and sends at once: the visitor already accepted.
    before = len(host_events(page, "message"))
    page.evaluate("(text) => VoiceAgent.sendText(text)", phrase)
    wait_host(page, "(n) => window.__host.api.filter((e) => e.name === 'message').length > n + 1", before)
    assert host_events(page, "message")[before] == {"role": "user", "text": phrase}
    assert len(host_events(page, "open")) == 2
    # A card's button: the page hears the action the visitor took.
    card = frame.locator(".va-visual .va-product").first
    card.wait_for(state="visible")
    card.locator("button", has_text="Order this").first.click()
    wait_host(page, "() => window.__host.api.some((e) => e.name === 'card-action')")
    action = host_events(page, "card-action")[0]
    assert action["action"] == "order" and action["callId"].startswith("call_"), action
    assert re.fullmatch(r"p-\d{3}", action["arguments"]["product_id"]), action
    assert action["text"].startswith("Order this: "), action
    assert host_events(page, "card-action", via="dom") == [action]
    # startVoice in a typed conversation turns the microphone on.
    page.evaluate("() => VoiceAgent.startVoice()")
    frame.locator("#va-voicebar").wait_for(state="visible")
    page.evaluate("() => VoiceAgent.close()")
    wait_host(page, "() => window.__host.api.filter((e) => e.name === 'close').length === 2")
    assert host_events(page, "close", via="dom") == [{}, {}]
    assert not page.js_errors, page.js_errors
    page.context.close()


@pytest.fixture
def productco_branded(demo_live: Any) -> None:
    """ProductCo's launcher settings in admin (set before the browser starts: Django refuses database calls while
    Playwright's loop runs)."""
    Tenant.objects.filter(slug="productco").update(
        brand_color="#b4235a", launcher_position="left", launcher_label="Ask ProductCo", launcher_icon="chat"
    )


def test_the_launcher_wears_the_tenants_settings_from_its_first_paint_the_tag_wins_and_context_rides_along(
    productco_branded: None, chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    page.context.add_init_script(FIRST_PAINT)
    page.goto(f"{demo_live.http}/demo/productco/")
    page.wait_for_function("() => !!window.__firstPaint", timeout=TIMEOUT_MS)
    first = page.evaluate("() => window.__firstPaint")
    # The tag has no data-*: the very first frame already has the tenant's colour, side, label and icon.
    assert first["bg"] == "rgb(180, 35, 90)", first
    assert first["left"] and first["x"] < 100 and first["chat"], first
    assert first["label"] == "Ask ProductCo" and first["name"] == "Ask ProductCo", first
    page.wait_for_timeout(300)  # let the label's box settle for the picture
    page.screenshot(
        path=screenshots / "19-launcher-tenant-branding.png", clip={"x": 0, "y": 640, "width": 360, "height": 160}
    )

    # A page whose tag says otherwise: data-position, data-label and data-icon win; the colour stays the tenant's.
    # Its data-context breaks the rules: one console line says why, and the widget loads without it.
    lines: list[str] = []
    page.on("console", lambda message: lines.append(message.text))
    page.route(
        demo_live.http + "/customer-page",
        lambda route: route.fulfill(content_type="text/html", body=TAG_OVERRIDES.format(platform=demo_live.http)),
    )
    page.goto(demo_live.http + "/customer-page")
    page.wait_for_function("() => !!window.__firstPaint", timeout=TIMEOUT_MS)
    tagged = page.evaluate("() => window.__firstPaint")
    assert tagged["bg"] == "rgb(180, 35, 90)" and not tagged["left"] and tagged["x"] > 1000, tagged
    assert tagged["label"] == "Ask Ann" and not tagged["chat"], tagged
    assert [line for line in lines if line.startswith("voice widget:")] == [
        "voice widget: page context refused: Context value 'cart' is a dict; only strings and numbers are allowed."
    ]

    # A data-context at the 2 KB limit (in 4-byte characters) is accepted, and its token opens the socket.
    context = json.dumps({"note": "🥾" * 508}, ensure_ascii=False)
    page.route(
        demo_live.http + "/full-context",
        lambda route: route.fulfill(
            content_type="text/html; charset=utf-8",
            body=FULL_CONTEXT_PAGE.format(platform=demo_live.http, context=context),
        ),
    )
    page.goto(demo_live.http + "/full-context")
    page.wait_for_function("() => !!window.__firstPaint", timeout=TIMEOUT_MS)
    page.evaluate("() => VoiceAgent.open()")
    frame = widget_frame(page)
    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    assert not [line for line in lines if "context refused" in line and "cart" not in line]
    assert not page.js_errors, page.js_errors
    page.context.close()
