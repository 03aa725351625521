"""The widget tutorial's example page (docs/tutorials/add-widget.md), served as a customer would: from another
origin, with exactly the Content-Security-Policy the page documents. The page's own button asks through the
queue, the visitor types a question, both get answers, and nothing breaks the policy on the page or in the
panel."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from docsgen import examples
from tenants.models import Tenant
from tests.support.browser import STATE_IS, TIMEOUT_MS, new_page, wait_widget, widget_frame
from tests.support.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorials" / "add-widget.md"
DOC_PLATFORM = "https://voice.example.com"
DOC_KEY = "pk_your_key"

# Every policy violation and console error, on the host page and in the panel, recorded from the start.
VIOLATIONS = """(() => {
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__violations.push(event.violatedDirective + " " + event.blockedURI);
  });
})();"""


def tutorial_block(mark: str) -> str:
    found = [b.code for b in examples.blocks("add-widget.md", TUTORIAL.read_text()) if b.mark == f"tutorial {mark}"]
    assert len(found) == 1, f"the tutorial has {len(found)} blocks marked 'tutorial {mark}'"
    return found[0]


class CustomerSite:
    """The tutorial's page and script on an origin of their own (localhost, not the platform's 127.0.0.1)."""

    def __init__(self, platform: str) -> None:
        self.port = free_port()
        header, _, policy = tutorial_block("csp").strip().partition(": ")
        assert header == "Content-Security-Policy", header
        self.policy = policy.replace(DOC_PLATFORM, platform)
        html = tutorial_block("host-page").replace(DOC_PLATFORM, platform).replace(DOC_KEY, "pk_demo_productco")
        files = {
            "/": ("text/html", html),
            "/assistant.js": ("text/javascript", tutorial_block("host-script")),
        }
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path not in files:
                    self.send_error(404)
                    return
                kind, text = files[self.path]
                body = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Security-Policy", site.policy)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"


@pytest.fixture
def customer_site(demo_live: Any) -> Iterator[CustomerSite]:
    """The site, allowed for ProductCo (set before the browser starts: Django refuses database calls while
    Playwright's loop runs)."""
    site = CustomerSite(demo_live.http)
    Tenant.objects.filter(slug="productco").update(allowed_origins=site.origin)
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


def test_the_tutorial_page_works_under_its_documented_csp(
    customer_site: CustomerSite, chromium_browser: Any, demo_live: Any, screenshots: Path, phrase: str
) -> None:
    assert "wss:" not in customer_site.policy and "ws:" not in customer_site.policy
    # Wide enough that the page's "Last answer" line stays clear of the open panel in the picture.
    page = new_page(chromium_browser, viewport={"width": 1600, "height": 800})
    page.context.add_init_script(VIOLATIONS)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    page.goto(customer_site.origin + "/")

    # The page's own button appears once the launcher is shown ("ready"), and asks through the queue.
    ask = page.locator("#ask-sizes")
    ask.wait_for(state="visible", timeout=TIMEOUT_MS)
    ask.click()
    frame = widget_frame(page)
    frame.locator("#va-pending").wait_for(state="visible")
    assert frame.locator("#va-pending-text").inner_text() == "Which sizes does the Trail Runner come in?"
    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    answer = page.locator("#last-answer")
    page.wait_for_function("() => document.getElementById('last-answer').textContent.trim() !== ''")
    first = answer.inner_text()

    # A question the visitor types in the panel gets an answer too, and the page hears it.
    frame.locator("#va-input").fill(phrase)
    frame.locator("#va-input").press("Enter")
    page.wait_for_function("(first) => document.getElementById('last-answer').textContent.trim() !== first", arg=first)
    frame.locator(".va-visual").first.wait_for(state="visible")
    page.wait_for_timeout(300)  # let the cards' images settle for the picture
    page.screenshot(path=screenshots / "widget-tutorial-strict-csp.png")

    assert page.evaluate("() => window.__violations") == []
    assert frame.evaluate("() => window.__violations") == []
    # A failed load is named in bad_responses (favicons aside, which neither site has); any other error fails.
    assert [line for line in errors if not line.startswith("Failed to load resource")] == [], errors
    assert page.bad_responses == [], page.bad_responses
    assert not [line for line in warnings if line.startswith("voice widget:")], warnings
    assert not page.js_errors, page.js_errors
    page.context.close()
