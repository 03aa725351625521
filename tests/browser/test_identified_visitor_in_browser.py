"""In a real browser, a page whose snippet carries data-user-email and data-user-hash: the loader sends both
to bootstrap, and the visitor's session is recorded under their emailHash; a wrong hash is refused with 403 and
shows no launcher."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import pytest

from config import mongo
from tenants.identity import email_hash, identity_secret_generate
from tenants.models import Tenant
from tests.support.browser import STATE_IS, floating_button, new_page, wait_widget, widget_frame

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "ada@example.com"


@pytest.fixture
def identity_secret(demo_live: Any) -> str:
    """ProductCo's identity secret, generated before the browser starts (no ORM once it runs)."""
    return identity_secret_generate(tenant=Tenant.objects.get(slug="productco"))


def signed_in_page(server: Any, user_hash: str) -> str:
    """The tenant's page for a signed-in visitor, as its server would render it."""
    return (
        "<!doctype html><html><head><title>Account</title></head><body><h1>Your account</h1>"
        f'<script src="{server.http}/widget.js" data-key="pk_demo_productco" data-user-email="{EMAIL}" '
        f'data-user-hash="{user_hash}" async></script></body></html>'
    )


def open_identified(chromium_browser: Any, server: Any, user_hash: str) -> tuple[Any, list[Any]]:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    bootstraps: list[Any] = []
    page.on(
        "response",
        lambda r: (
            bootstraps.append(r) if r.url.endswith("/api/widget/bootstrap") and r.request.method == "POST" else None
        ),
    )
    # Served at an origin ProductCo allows (the demo site's), with the identity attributes on the snippet.
    page.route(
        "**/demo/productco/account",
        lambda route: route.fulfill(status=200, content_type="text/html", body=signed_in_page(server, user_hash)),
    )
    page.goto(server.http + "/demo/productco/account")
    button = floating_button(page)
    page.mouse.click(button["x"], button["y"])
    return page, bootstraps


def test_a_signed_in_visitor_is_identified_by_the_snippets_hash(
    identity_secret: str, chromium_browser: Any, demo_live: Any
) -> None:
    good = hmac.new(identity_secret.encode(), EMAIL.encode(), hashlib.sha256).hexdigest()
    page, bootstraps = open_identified(chromium_browser, demo_live, good)
    frame = widget_frame(page)
    frame.locator("#va-welcome").wait_for(state="visible")

    assert bootstraps and bootstraps[0].status == 200
    assert bootstraps[0].request.post_data_json == {"key": "pk_demo_productco", "userEmail": EMAIL, "userHash": good}
    frame.locator("#va-start-text").click()
    wait_widget(frame, STATE_IS, "live")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not mongo.collection("users").find_one({"emailHash": email_hash(EMAIL)}):
        page.wait_for_timeout(200)
    user = mongo.collection("users").find_one({"emailHash": email_hash(EMAIL)})
    assert user is not None and user["email"] is None  # ProductCo keeps hashes only (the default)
    assert mongo.collection("realtime_sessions").find_one({"emailHash": email_hash(EMAIL)}) is not None
    assert not page.js_errors, page.js_errors


def test_a_wrong_hash_is_refused_and_no_launcher_appears(
    identity_secret: str, chromium_browser: Any, demo_live: Any
) -> None:
    # A wrong hash is the site's bug: as for any refused bootstrap, no launcher, one line for its developer.
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})
    bootstraps: list[Any] = []
    lines: list[str] = []
    page.on("console", lambda message: lines.append(message.text))
    page.on("response", lambda r: bootstraps.append(r) if r.url.endswith("/api/widget/bootstrap") else None)
    page.route(
        "**/demo/productco/account",
        lambda route: route.fulfill(status=200, content_type="text/html", body=signed_in_page(demo_live, "0" * 64)),
    )
    page.goto(demo_live.http + "/demo/productco/account")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not any(line.startswith("voice widget:") for line in lines):
        page.wait_for_timeout(100)

    assert bootstraps and bootstraps[0].status == 403
    assert bootstraps[0].json()["error"]["code"] == "identity_invalid"
    assert [line for line in lines if line.startswith("voice widget:")] == [
        next(line for line in lines if "identity_invalid" in line)
    ]
    assert page.locator("voice-agent-widget").count() == 0
    assert mongo.collection("users").count_documents({}) == 0
