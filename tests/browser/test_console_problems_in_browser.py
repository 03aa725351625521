"""A session the AI service refused, as an operator finds it in the console: the end reason in words and the
service's own explanation under Problems (which visitors never see). Screenshot in build/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tenants.models import Tenant
from tests.support.browser import console_open, new_page
from transcripts import store as transcripts_store
from usage import store as usage_store

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def refused_session(demo_live: Any) -> str:
    """Written before the browser starts (Django refuses the database while Playwright's loop runs)."""
    productco = Tenant.objects.get(slug="productco")
    agent = productco.agents.order_by("pk").first()
    usage_store.session_start(
        tenant_id=productco.pk,
        channel="widget",
        session_id="sess-refused",
        agent_id=agent.pk,
        agent_name=agent.name,
        model="gpt-realtime",
        key_id=None,
        simulator=True,
    )
    usage_store.session_end(session_id="sess-refused", reason="config_rejected")
    error = {
        "code": "invalid_value",
        "param": "session.audio.input.transcription.language",
        "message": "Invalid value: 'eng'. The transcription language must be an ISO-639-1 code such as 'en'.",
    }
    transcripts_store.tool_log_write(
        {
            "tenantId": productco.pk,
            "sessionId": "sess-refused",
            "channel": "widget",
            "kind": "config_rejected",
            "tool": None,
            "status": "invalid_value",
            "error": error,
        },
        retention_days=30,
    )
    return "sess-refused"


def test_an_operator_sees_why_the_ai_service_refused_a_session(
    refused_session: str, chromium_browser: Any, demo_live: Any, screenshots: Path
) -> None:
    page = new_page(chromium_browser, viewport={"width": 1440, "height": 1000})
    console_open(page, demo_live, tenant="ProductCo")
    page.locator(f'#sessions tbody tr[data-session="{refused_session}"]').click()
    detail = page.locator("#session-detail")
    detail.locator("h3", has_text="Problems").wait_for()
    text = detail.inner_text()
    assert "The AI service refused the agent's setup" in text
    assert "session config" in text and "ISO-639-1" in text and "transcription.language" in text
    page.locator("section.sessions").screenshot(path=screenshots / "console-04-refused-session.png")
    assert not page.js_errors, page.js_errors
    page.context.close()
