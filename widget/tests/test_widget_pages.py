"""The loader script and the widget page: size, no external URLs, and who may frame the page."""

from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from agents import protocol
from tenants.models import Tenant
from tests.support.factories import make_agent, make_key, make_tenant

STATIC = Path(settings.BASE_DIR) / "static" / "widget"
pytestmark = pytest.mark.django_db


def frame_ancestors(response: Any) -> list[str]:
    policy = response["Content-Security-Policy"]
    directive = next(d.strip() for d in policy.split(";") if d.strip().startswith("frame-ancestors"))
    return directive.split()[1:]


@pytest.fixture
def key() -> Any:
    tenant = make_tenant(allowed_origins="https://shop.example.com\nhttp://localhost:8080")
    make_agent(tenant)
    return make_key(tenant)


def test_the_widget_page_may_be_framed_by_exactly_the_tenants_origins(client: Client, key: Any) -> None:
    response = client.get("/widget/", {"key": key.public_id})

    assert response.status_code == 200
    assert frame_ancestors(response) == ["https://shop.example.com", "http://localhost:8080"]
    assert not response.has_header("X-Frame-Options")  # CSP decides; XFO cannot name several origins
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_widget_page_follows_allowlist_changes(client: Client, key: Any) -> None:
    Tenant.objects.filter(pk=key.tenant_id).update(allowed_origins="https://new.example.com")

    assert frame_ancestors(client.get("/widget/", {"key": key.public_id})) == ["https://new.example.com"]


def test_a_tenant_with_no_origins_cannot_be_framed_anywhere(client: Client, key: Any) -> None:
    Tenant.objects.filter(pk=key.tenant_id).update(allowed_origins="")

    assert frame_ancestors(client.get("/widget/", {"key": key.public_id})) == ["'none'"]


@pytest.mark.parametrize("query", [{}, {"key": "pk_unknown123456"}, {"key": "<script>"}])
def test_an_unknown_key_gets_a_plain_page_that_nobody_may_frame(client: Client, key: Any, query: Any) -> None:
    response = client.get("/widget/", query)

    assert response.status_code == 404
    assert frame_ancestors(response) == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


def test_a_revoked_key_or_inactive_tenant_page_may_not_be_framed(client: Client, key: Any) -> None:
    revoked = make_key(key.tenant, revoked_at=timezone.now() - timedelta(seconds=1))
    assert frame_ancestors(client.get("/widget/", {"key": revoked.public_id})) == ["'none'"]

    Tenant.objects.filter(pk=key.tenant_id).update(active=False)
    assert frame_ancestors(client.get("/widget/", {"key": key.public_id})) == ["'none'"]


@pytest.mark.parametrize("path", ["/widget.js", "/console/", "/api/docs", "/admin/login/", "/healthz"])
def test_every_other_page_may_not_be_framed(client: Client, key: Any, path: str) -> None:
    response = client.get(path)

    assert frame_ancestors(response) == ["'none'"]


def test_the_widget_page_renders_the_allowlist_for_its_postmessage_check(client: Client, key: Any) -> None:
    html = client.get("/widget/", {"key": key.public_id}).content.decode()

    assert 'id="va-allowed-origins"' in html
    assert "https://shop.example.com" in html
    assert 'role="log"' in html and 'aria-live="polite"' in html


# --- the loader ----------------------------------------------------------------------------------------------


def test_the_loader_is_small_and_served_as_javascript(client: Client) -> None:
    response = client.get("/widget.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    # Branding, the call ring, the refusal line, the host page's API and the conversation's continuity fit in 8 KB
    # gzipped, what a visitor's browser fetches (about 21 KB uncompressed).
    assert len(gzip.compress(response.content)) < 8 * 1024


def test_the_loader_contains_no_external_urls(client: Client) -> None:
    source = client.get("/widget.js").content.decode()

    assert not re.search(r"https?://", source, re.I)
    assert not re.search(r"""["']//""", source)  # protocol-relative URLs
    assert "import(" not in source and "importScripts" not in source


def test_the_loader_checks_the_origin_and_source_of_every_message() -> None:
    source = (STATIC / "loader.js").read_text()

    assert "event.origin !== PLATFORM" in source
    assert "event.source !== frame.contentWindow" in source
    assert "attachShadow" in source
    assert "postMessage(message, PLATFORM)" in source  # never "*"
    assert '"*"' not in source


def test_the_widget_page_accepts_messages_only_from_its_parent_at_the_token_origin() -> None:
    source = (STATIC / "widget-app.js").read_text()

    assert "event.source !== window.parent || event.origin !== expectedOrigin" in source
    assert "data.origin !== expectedOrigin" in source
    assert "postMessage(message, expectedOrigin)" in source


def test_the_client_sends_the_token_as_a_subprotocol_never_in_the_url() -> None:
    source = (STATIC / "client.js").read_text()

    assert "[PROTOCOL.subprotocol, PROTOCOL.tokenPrefix + token]" in source
    assert "?token" not in source and "token=" not in source
    assert "echoCancellation: true" in source
    assert "conversation.item.truncate" in source


def embedded_protocol(response: Any) -> dict[str, Any]:
    found = re.search(r'<script id="va-protocol" type="application/json">(.*?)</script>', response.content.decode())
    assert found, "the page embeds no protocol constants"
    return json.loads(found.group(1))


def test_the_widget_and_console_pages_embed_the_servers_protocol_constants(
    client: Client, key: Any, admin_client: Client
) -> None:
    for response in (client.get("/widget/", {"key": key.public_id}), admin_client.get("/console/")):
        constants = embedded_protocol(response)

        assert constants == protocol.browser_protocol()
        assert constants["subprotocol"] == "voice.v1" and constants["closeRefused"] == 4429


def test_the_client_holds_no_copy_of_the_protocol_constants() -> None:
    for name in ("client.js", "widget-app.js", "console-app.js"):
        source = (STATIC / name).read_text()

        assert '"voice.v1"' not in source and '"token."' not in source, name
        assert "4429" not in source and "4401" not in source, name
        assert protocol.NOTICES["busy"] not in source, name
        assert "/ws/voice/" not in source, name
        assert "__voiceWidget" not in source, name  # no test hook in production code
