"""The widget speaks its agent's language: a German-speaking agent gets a German launcher, welcome and consent
screen, conversation controls and status lines, the cards' fixed texts, and the launcher's call state in German
while the panel is closed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.models import Agent
from tenants.models import Tenant
from tests.support.browser import STATE_IS, floating_button, new_page, open_widget, wait_widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GERMAN_LABEL = "Sprechen Sie mit uns"


@pytest.fixture
def german_shop(demo_live: Any) -> Any:
    """ProductCo's agent speaks German, and the shop writes its welcome and notice in German too (the tenant's own
    texts are the tenant's to translate). Set before the browser starts: Django refuses queries while it runs."""
    Agent.objects.filter(tenant__slug="productco").update(language="de")
    Tenant.objects.filter(slug="productco").update(
        welcome_text="Hallo! Ich bin der Assistent von ProductCo. Fragen Sie mich nach Schuhen, Jacken und Zelten.",
        disclaimer_text="Dieser Sprachassistent ist eine KI und kann sich irren. Gespräche werden aufgezeichnet.",
    )
    return demo_live


def test_a_german_agents_widget_speaks_german(german_shop: Any, chromium_browser: Any, screenshots: Path) -> None:
    page = new_page(chromium_browser, viewport={"width": 1280, "height": 800})

    # The launcher's label comes with the bootstrap, in German; the consent screen too.
    frame = open_widget(page, german_shop, label=GERMAN_LABEL)
    assert frame.locator("html").get_attribute("lang") == "de"
    assert frame.locator("#va-start-voice").inner_text() == "Zustimmen und sprechen"
    assert frame.locator("#va-start-text").inner_text() == "Zustimmen und schreiben"
    assert frame.locator(".va-hint").inner_text() == (
        "Das Mikrofon wird erst angefragt, wenn Sie sich fürs Sprechen entscheiden."
    )
    assert frame.locator("#va-close").get_attribute("aria-label") == "Assistent schließen"
    assert frame.locator("#va-capabilities-block h3").inner_text() == "Was ich kann"
    page.screenshot(path=screenshots / "16-german-welcome.png")

    # A voice call: German controls and orb label; closed, the launcher says the call's state in German.
    frame.locator("#va-start-voice").click()
    wait_widget(frame, STATE_IS, "live")
    assert frame.locator("#va-mute").inner_text() == "Mikro aus"
    wait_widget(frame, "() => document.getElementById('va-voice-label').textContent.startsWith('Ich ')")
    frame.locator("#va-close").click()
    wait_widget(frame, "() => true")  # the panel hides; the call goes on
    name = floating_button(page, GERMAN_LABEL)["node"]["name"]["value"]
    assert name.startswith(GERMAN_LABEL + " (Anruf: "), name
    button = floating_button(page, GERMAN_LABEL)
    page.mouse.click(button["x"], button["y"])
    frame.locator("#va-chat").wait_for(state="visible")

    # Typing: muted so the looping fake microphone stays out of it; German placeholder, button and answers' frame.
    frame.locator("#va-mute").click()
    assert frame.locator("#va-mute").inner_text() == "Mikro an"
    wait_widget(frame, "() => document.getElementById('va-voice-label').textContent === 'Mikro aus'")
    assert frame.locator("#va-input").get_attribute("placeholder") == "Nachricht eingeben"
    assert frame.locator("#va-form button[type=submit]").inner_text() == "Senden"
    assert frame.locator("#va-end").inner_text() == "Beenden"
    frame.locator("#va-input").fill("what is your cheapest product")
    frame.locator("#va-input").press("Enter")
    card = frame.locator(".va-visual .va-product").first
    card.wait_for(state="visible")
    # The card is rendered on the server in the agent's language; the product and the button are the shop's.
    assert card.locator(".va-product-stock").inner_text() in ("Auf Lager", "Nicht vorrätig")
    assert card.locator(".va-product-options").inner_text().startswith("Optionen: ")
    frame.locator(".va-visual ~ .va-assistant:not(.va-partial)").first.wait_for(state="visible")
    said = frame.locator("#va-transcript .va-line.va-user .va-sr").first.inner_text()
    assert said.strip() == "Sie sagten:", said
    page.screenshot(path=screenshots / "17-german-conversation.png")

    # Ending: the status line and the way back, in German.
    frame.locator("#va-end").click()
    frame.locator("#va-end-yes").click()  # End asks first while the conversation lives
    wait_widget(frame, STATE_IS, "ended")
    assert frame.locator("#va-status").inner_text() == "Gespräch beendet."
    assert frame.locator("#va-restart").inner_text() == "Neu starten"
    assert not page.js_errors, page.js_errors
    page.context.close()
