"""The bootstrap's page context (data-context) and the tenant's launcher and privacy settings it serves, with the
admin-side checks on those settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tenants.models import Tenant
from tenants.tokens import token_verify
from tests.support.factories import make_agent, make_key, make_tenant, make_user

URL = "/api/widget/bootstrap"
SHOP = "https://shop.example.com"
pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(redis_conn: Any) -> dict[str, Any]:
    tenant = make_tenant(
        slug="shop",
        name="ShopCo",
        allowed_origins=SHOP,
        brand_color="#0f766e",
        launcher_position="left",
        launcher_label="Ask ShopCo",
        launcher_icon="chat",
        privacy_url="https://shop.example.com/privacy",
    )
    make_agent(tenant)
    return {"tenant": tenant, "key": make_key(tenant)}


def bootstrap(client: Client, body: dict[str, Any], origin: str = SHOP) -> Any:
    return client.post(URL, body, content_type="application/json", REMOTE_ADDR="203.0.113.9", HTTP_ORIGIN=origin)


def test_the_tenants_launcher_and_privacy_settings_are_served_as_the_widgets_defaults(
    client: Client, shop: Any
) -> None:
    options = bootstrap(client, {"key": shop["key"].public_id}).json()["options"]
    assert options["brandColor"] == "#0f766e"
    assert (options["launcherPosition"], options["launcherLabel"], options["launcherIcon"]) == (
        "left",
        "Ask ShopCo",
        "chat",
    )
    assert options["privacyUrl"] == "https://shop.example.com/privacy"


def test_without_settings_the_launcher_defaults_apply_and_there_is_no_privacy_link(
    client: Client, redis_conn: Any
) -> None:
    tenant = make_tenant(allowed_origins=SHOP)
    make_agent(tenant)
    options = bootstrap(client, {"key": make_key(tenant).public_id}).json()["options"]
    assert (options["launcherPosition"], options["launcherLabel"], options["launcherIcon"]) == (
        "right",
        "Talk to us",
        "mic",
    )
    assert options["privacyUrl"] == ""


def test_a_valid_context_rides_in_the_token(client: Client, shop: Any) -> None:
    context = {"productId": "p-041", "price": 89.9}
    response = bootstrap(client, {"key": shop["key"].public_id, "context": context})
    assert response.status_code == 200
    assert token_verify(response.json()["token"]).context == context
    plain = bootstrap(client, {"key": shop["key"].public_id})
    assert token_verify(plain.json()["token"]).context is None


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"product": {"id": "p-041"}}, "Context value 'product' is a dict; only strings and numbers are allowed."),
        ({f"k{i}": i for i in range(21)}, "The context has 21 keys; at most 20 are allowed."),
        ({"a": "x" * 3000}, "The context is 3008 bytes as JSON; at most 2048 are allowed."),
        ({"product-id": "p"}, "Context key 'product-id' is not a simple name"),
        (["p-041"], "The context must be an object of keys and values."),
    ],
)
def test_a_bad_context_is_refused_with_a_reason_the_allowed_site_can_read(
    client: Client, shop: Any, context: Any, message: str
) -> None:
    response = bootstrap(client, {"key": shop["key"].public_id, "context": context})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_context" and error["message"].startswith(message)
    assert response["Access-Control-Allow-Origin"] == SHOP  # the loader reads it, says why, goes on without


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("privacy_url", "http://shop.example.com/privacy", "Use an https:// address."),
        ("privacy_url", "javascript:alert(1)", "Use an https:// address."),
        ("brand_color", "blue", "Use a hex colour like #2563eb."),
        ("launcher_label", "x" * 41, "at most 40 characters"),
        ("launcher_label", "Two\nlines", "One line only."),
        ("launcher_position", "top", "is not a valid choice"),
        ("launcher_icon", "rocket", "is not a valid choice"),
    ],
)
def test_admin_refuses_bad_launcher_and_privacy_settings(field: str, value: str, message: str) -> None:
    tenant = Tenant(slug="t", name="T", **{field: value})
    with pytest.raises(ValidationError) as refused:
        tenant.full_clean()
    assert message in " ".join(refused.value.message_dict[field])


def test_the_install_page_keeps_the_snippet_plain_and_names_the_overrides_and_page_context(client: Client) -> None:
    tenant = make_tenant(allowed_origins=SHOP, brand_color="#0f766e")
    key = make_key(tenant)
    client.force_login(make_user(superuser=True))
    page = client.get(reverse("admin:tenants_tenant_install", args=[tenant.pk])).content.decode()
    # No data-color in the snippet: the tenant's settings apply, and a change in admin reaches pasted snippets.
    assert f"data-key=&quot;{key.public_id}&quot; async&gt;" in page and "data-color=&quot;" not in page
    assert "<code>data-context=" in page and "window.VoiceAgent" in page
