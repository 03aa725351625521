"""`make run` on any PORT: the development server's own port is allowed for loopback tools when loopback is,
tools every call would refuse are reported by /readyz, and "Test this tool" names the setting to change."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from httptools.guard import GuardError, check_port
from httptools.reachability import base_url_refusal
from httptools.troubleshooting import fix_hint
from httptools.validation import normalize_base_url
from tests.support.factories import make_tenant, make_tool

DEV_PORT = 8123


@pytest.fixture
def dev_server(settings: Any) -> Any:
    """`make run` with PORT=8123, loopback allowed, and the default allowed ports (8123 is not among them)."""
    settings.PORT = DEV_PORT
    settings.HTTPTOOLS_ALLOW_LOOPBACK = True
    settings.HTTPTOOLS_ALLOWED_PORTS = [80, 443, 8000, 8080, 8443]
    return settings


def test_the_dev_servers_port_is_allowed_for_loopback_only(dev_server: Any) -> None:
    assert check_port("http", DEV_PORT) == DEV_PORT  # before resolution
    assert check_port("http", DEV_PORT, address="127.0.0.1") == DEV_PORT
    with pytest.raises(GuardError) as refused:
        check_port("http", DEV_PORT, address="93.184.216.34")
    assert refused.value.error_class == "blocked_port"

    assert normalize_base_url(f"http://127.0.0.1:{DEV_PORT}") == f"http://127.0.0.1:{DEV_PORT}"
    assert normalize_base_url(f"http://localhost:{DEV_PORT}") == f"http://localhost:{DEV_PORT}"
    with pytest.raises(ValidationError, match="HTTPTOOLS_ALLOWED_PORTS"):
        normalize_base_url(f"https://api.example.com:{DEV_PORT}")


def test_without_loopback_the_dev_servers_port_is_refused(dev_server: Any) -> None:
    dev_server.HTTPTOOLS_ALLOW_LOOPBACK = False

    with pytest.raises(GuardError):
        check_port("http", DEV_PORT)
    assert "HTTPTOOLS_ALLOW_LOOPBACK" in (base_url_refusal(f"http://127.0.0.1:{DEV_PORT}") or "")


@pytest.mark.django_db
def test_readyz_warns_about_tools_every_call_would_refuse_and_names_the_setting(
    client: Any, dev_server: Any, mongo: Any, redis_conn: Any
) -> None:
    tenant = make_tenant()
    make_tool(tenant, name="demo_search", base_url=f"http://127.0.0.1:{DEV_PORT}")
    make_tool(tenant, name="public_api", base_url="https://api.example.com")
    assert "warnings" not in client.get("/readyz").json()

    dev_server.PORT = 8124  # the stack restarted on another port; the tool still points at the old one
    body = client.get("/readyz").json()

    assert body["status"] == "ready"
    assert body["warnings"] == [
        "1 enabled HTTP tool(s) cannot be called: its port 8123 is not in HTTPTOOLS_ALLOWED_PORTS "
        "(80, 443, 8000, 8080, 8443)"
    ]
    assert "demo_search" not in str(body)  # /readyz is public: counts, never names


def test_the_test_pages_hint_names_the_setting_to_change(dev_server: Any) -> None:
    hint = fix_hint("blocked_port", base_url="http://127.0.0.1:9999")
    assert "HTTPTOOLS_ALLOWED_PORTS" in hint and "8443" in hint

    dev_server.HTTPTOOLS_ALLOW_LOOPBACK = False
    assert "HTTPTOOLS_ALLOW_LOOPBACK=1" in fix_hint("blocked_address", base_url="http://127.0.0.1:8000")


@pytest.mark.django_db
def test_test_this_tool_on_a_refused_port_shows_the_setting(admin_client: Any, dev_server: Any) -> None:
    tool = make_tool(make_tenant(), base_url=f"http://127.0.0.1:{DEV_PORT}")
    dev_server.PORT = 8124

    response = admin_client.post(reverse("admin:httptools_httptool_test", args=[tool.pk]), {"arguments": "{}"})

    assert "HTTPTOOLS_ALLOWED_PORTS" in response.content.decode()
