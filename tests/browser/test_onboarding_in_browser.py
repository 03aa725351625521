"""Onboarding a new tenant in admin, in a real browser, as a new staff member would: create the tenant with
its website origin and key, write and publish a prompt (with its preview), add the agent, copy the snippet
from the Install page, paste it into a page of one's own on another loopback origin and talk to the agent.
The tenant's setup checklist turns green step by step. It walks docs/tutorials/first-customer.md as written
(that page's OpenAPI file and HTML page included); screenshots of each screen go to build/screenshots/."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from demo import DEMO_LOGIN
from tests.support.browser import TIMEOUT_MS, floating_button, widget_frame
from tests.support.servers import free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


TUTORIAL_SITE_PORT = 8080  # docs/tutorials/first-customer.md serves Acme's page on http://localhost:8080


class CustomerSite:
    """A page of the customer's own on another origin; `html` is what they pasted."""

    def __init__(self) -> None:
        self.html = "<!doctype html><title>Acme</title><h1>Acme</h1>"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        try:  # the tutorial's port, so the screenshots show what the page says; any free one if it is taken
            self.server = ThreadingHTTPServer(("127.0.0.1", TUTORIAL_SITE_PORT), Handler)
        except OSError:
            self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://localhost:{self.port}"  # localhost, not 127.0.0.1: another origin than the platform


@pytest.fixture
def customer_site() -> Iterator[CustomerSite]:
    site = CustomerSite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorials" / "first-customer.md"
TUTORIAL_BASE = "http://127.0.0.1:8000"  # the URL `make run` serves, as the tutorial writes it


def tutorial_openapi(base: str) -> str:
    """The OpenAPI file the tutorial tells the reader to save, pointed at the live server instead of port 8000."""
    blocks = re.findall(r"```json\n(.*?)\n```", TUTORIAL.read_text(), flags=re.S)
    document = next(block for block in blocks if '"openapi"' in block)
    assert TUTORIAL_BASE in document
    return document.replace(TUTORIAL_BASE, base)


def checklist(page: Any) -> dict[str, bool]:
    """The setup checklist on the tenant's page: label -> done."""
    items = page.locator("#setup-checklist li")
    return {
        items.nth(i).locator("strong").inner_text(): "va-done" in (items.nth(i).get_attribute("class") or "")
        for i in range(items.count())
    }


def pick_autocomplete(page: Any, field: str, typed: str, choice: str) -> None:
    """Choose an option of an admin autocomplete (select2) field by typing, as a user does."""
    page.locator(f"#id_{field} + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill(typed)
    page.locator(".select2-results__option", has_text=choice).first.click()


def test_a_new_tenant_is_onboarded_in_admin_and_its_visitor_talks_to_the_agent(
    chromium_browser: Any, demo_live: Any, customer_site: CustomerSite, screenshots: Path, tmp_path: Path
) -> None:
    """Walks docs/tutorials/first-customer.md step by step (tutorial-NN screenshots, one a step), and takes
    the admin-0N screenshots docs/onboarding.md shows."""
    base = demo_live.http
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Before you start: sign in; the index lists the tenants and whether each is ready.
    page.goto(base + "/admin/")
    page.locator("#id_username").fill(DEMO_LOGIN.username)
    page.locator("#id_password").fill(DEMO_LOGIN.password)
    page.locator("#id_password").press("Enter")
    page.locator("#tenant-setup").wait_for()
    page.screenshot(path=screenshots / "admin-01-index.png", full_page=True)
    page.screenshot(path=screenshots / "tutorial-01-admin-index.png")

    # 1. The tenant, its website and a key, on one form.
    page.goto(base + "/admin/tenants/tenant/add/")
    page.locator("#id_name").fill("Acme Events")
    page.locator("#id_name").press("Tab")
    assert page.locator("#id_slug").input_value() == "acme-events"
    page.locator("#id_allowed_origins").fill(customer_site.origin)
    page.locator("#widget_keys-group .add-row a", has_text="Add another Widget key").click()
    page.locator("#id_widget_keys-0-label").fill("Acme website")
    assert page.locator("#id_widget_keys-0-public_id").input_value().startswith("pk_")  # "keep the one it comes with"
    assert page.locator("#id_widget_keys-0-channel").input_value() == "widget"
    page.locator("input[name=_continue]").click()
    page.locator("#setup-checklist").wait_for()
    tenant_url = page.url
    state = checklist(page)
    assert state["Website origin set"] and state["Widget key active"], state
    assert not state["An active agent"] and not state["Snippet seen live"], state
    page.screenshot(path=screenshots / "admin-02-tenant-checklist.png", full_page=True)
    page.screenshot(path=screenshots / "tutorial-02-tenant-checklist.png")

    # 2. A prompt, published with its button.
    page.goto(base + "/admin/agents/prompt/add/")
    page.locator("#id_tenant").select_option(label="Acme Events")
    page.locator("#id_name").fill("Acme assistant")
    page.locator("#id_identity").fill("You are the friendly assistant of Acme Events' conference.")
    page.locator("#id_task").fill(
        "Tell visitors who speaks at the conference and what about. Look speakers up with your tools."
    )
    page.locator("#publish-button", has_text="Save and publish").click()
    page.locator(".messagelist .success", has_text="the live version is now v1").wait_for()
    page.screenshot(path=screenshots / "tutorial-03-prompt-published.png")

    # 3. The agent that answers, using that prompt.
    page.goto(base + "/admin/agents/agent/add/")
    page.locator("#id_tenant").select_option(label="Acme Events")
    page.locator("#id_name").fill("Acme Agent")
    page.locator("#id_greeting").fill("Hello! Ask me about our speakers.")
    pick_autocomplete(page, "prompt", "Acme", "Acme assistant (Acme Events)")
    page.locator("input[name=_continue]").click()
    page.locator(".messagelist .success").wait_for()
    agent_url = page.url
    page.screenshot(path=screenshots / "tutorial-04-agent.png")

    # The preview shows the exact instructions this agent sends, safety rules included.
    page.goto(base + "/admin/agents/prompt/")
    page.locator("a", has_text="Acme assistant").first.click()
    page.locator("a", has_text="Preview what the model is told").click()
    instructions = page.locator("#instructions").inner_text()
    assert "Look speakers up with your tools." in instructions and "# Safety" in instructions
    page.screenshot(path=screenshots / "admin-03-prompt-preview.png", full_page=True)

    # 4. The tool from the tutorial's OpenAPI file, uploaded (the review proposes a card), then allowed.
    openapi_file = tmp_path / "acme-speakers.json"
    openapi_file.write_text(tutorial_openapi(base))
    page.goto(base + "/admin/httptools/httptool/")
    page.locator(".object-tools a", has_text="Import OpenAPI").click()
    page.locator("#id_tenant").select_option(label="Acme Events")
    page.locator("#id_document_file").set_input_files(str(openapi_file))
    page.locator("input[type=submit][value='Propose tools']").click()
    proposal = json.loads(page.locator("textarea[name=descriptor_0]").input_value())
    assert proposal["visual"] == "list" and proposal["effect"] == "read", proposal
    assert "topic" in proposal["arguments_schema"]["properties"], proposal
    assert "Proposed the list card" in page.locator("#content-main").inner_text()
    page.screenshot(path=screenshots / "tutorial-05-openapi-review.png")
    page.locator("input[type=submit]", has_text="Save ticked tools").click()
    page.locator(".messagelist .success", has_text="list_speakers").wait_for()
    page.goto(base + "/admin/agents/agent/")
    page.locator("a", has_text="Acme Agent").first.click()
    page.locator("#agent_tools-group .add-row a", has_text="Add another Agent tool").click()
    pick_autocomplete(page, "agent_tools-0-tool", "list", "list_speakers (Acme Events)")
    assert page.locator("#id_agent_tools-0-on_widget").is_checked()
    assert page.locator("#id_agent_tools-0-on_console").is_checked()
    page.locator("input[name=_continue]").click()
    page.locator(".messagelist .success").wait_for()  # the prompt chosen before is still chosen
    assert page.url == agent_url
    page.locator("#agent_tools-group").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "tutorial-06-agent-tools.png")

    # 5. Test it, from the checklist's link.
    page.goto(tenant_url)
    state = checklist(page)
    assert not state["Every allowed tool tested"], state
    page.locator("#setup-checklist a", has_text="Test list_speakers").click()
    page.locator("#id_arguments").fill('{"topic": "security"}')
    page.locator("input[type=submit]", has_text="Send test request").click()
    page.locator("text=Status: ok").first.wait_for()
    page.screenshot(path=screenshots / "admin-03b-tool-tested.png", full_page=True)
    page.screenshot(path=screenshots / "tutorial-07-tool-tested.png", full_page=True)

    page.goto(tenant_url)
    state = checklist(page)
    assert all(done for label, done in state.items() if label != "Snippet seen live"), state
    assert not state["Snippet seen live"]

    # 6. The Install page: copy the snippet.
    page.locator(".object-tools a", has_text="Install").click()
    page.locator(".va-snippet", has_text="Acme website").locator(".va-copy", has_text="Copy").click()
    page.locator(".va-copied", has_text="Copied").wait_for()
    snippet = page.evaluate("() => navigator.clipboard.readText()")
    assert re.fullmatch(rf'<script src="{re.escape(base)}/widget\.js" data-key="pk_\w+" async></script>', snippet)
    assert "never" in page.locator("#origin-checks").inner_text()
    page.screenshot(path=screenshots / "admin-04-install.png", full_page=True)
    page.screenshot(path=screenshots / "tutorial-08-install.png")

    # The live preview on the Install page: the platform's own page with the snippet, staff only. Talk there.
    preview_src = page.locator("#install-preview").get_attribute("src")
    page.goto(base + preview_src)
    button = floating_button(page)
    page.mouse.click(button["x"], button["y"])
    preview = widget_frame(page)
    preview.locator("#va-start-text").click()
    preview.locator("#va-input").fill("hello")
    preview.locator("#va-input").press("Enter")
    preview.locator(".va-assistant:not(.va-partial)").first.wait_for(state="visible")
    page.screenshot(path=screenshots / "admin-04b-install-preview.png")
    page.goto(tenant_url)
    assert not checklist(page)["Snippet seen live"]  # a staff preview is not the site going live

    # 7. The tutorial's page with the snippet pasted in, on the allowed origin; ask for the speakers.
    pages = re.findall(r"```html\n(.*?)\n```", TUTORIAL.read_text(), flags=re.S)
    page_source = next(html for html in pages if "PASTE THE SNIPPET HERE" in html)
    customer_site.html = page_source.replace("PASTE THE SNIPPET HERE", snippet)
    visitor = context.new_page()
    visitor.on("pageerror", lambda error: errors.append(str(error)))
    visitor.goto(customer_site.origin + "/")
    button = floating_button(visitor)
    visitor.mouse.click(button["x"], button["y"])
    frame = widget_frame(visitor)
    frame.locator("#va-start-text", has_text="Accept and type").click()
    frame.locator("#va-input").fill("Who are the speakers?")
    frame.locator("#va-input").press("Enter")
    frame.locator(".va-assistant:not(.va-partial)").first.wait_for(state="visible")
    frame.locator(".va-visual").first.wait_for(state="visible")
    visitor.screenshot(path=screenshots / "admin-05-customer-page.png")
    visitor.screenshot(path=screenshots / "tutorial-09-live.png")

    # 8. Back in admin: seen live, and the checklist is all green.
    page.goto(tenant_url.replace("/change/", "/install/"))
    assert "never" not in page.locator("#origin-checks").inner_text()
    page.goto(tenant_url)
    assert all(checklist(page).values()), checklist(page)
    assert "ready, visitors can talk to the agent" in page.locator("#setup-checklist h2").inner_text()
    page.screenshot(path=screenshots / "admin-06-tenant-ready.png", full_page=True)
    page.screenshot(path=screenshots / "tutorial-10-tenant-ready.png")

    # The conversation in the console's sessions list, once the tenant is chosen.
    page.goto(base + "/console/")
    page.locator("#tenant option", has_text="Acme Events").first.wait_for(state="attached")
    page.locator("#tenant").select_option(label="Acme Events")
    page.locator("#sessions tbody tr[data-session]", has_text="Acme Agent").first.wait_for()
    page.screenshot(path=screenshots / "tutorial-11-console-sessions.png", full_page=True)
    assert not errors, errors
    context.close()
