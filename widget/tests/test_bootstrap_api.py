"""POST /api/widget/bootstrap: key, tenant, origin allowlist, CORS, rate limits and the token it returns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.test import Client
from django.utils import timezone

from agents.models import Agent
from tenants.models import Channel, Tenant, WidgetKey
from tenants.tokens import token_verify
from tests.support.factories import make_agent, make_key, make_tenant, make_tool
from usage.refusals import refusal_counts

URL = "/api/widget/bootstrap"
SHOP = "https://shop.example.com"
pytestmark = pytest.mark.django_db


SHOP_ORIGINS = f"{SHOP}\nhttp://localhost:8080"


def bootstrap(client: Client, key: str, *, origin: str | None = SHOP, ip: str = "203.0.113.7") -> Any:
    headers = {"HTTP_ORIGIN": origin} if origin is not None else {}
    return client.post(URL, {"key": key}, content_type="application/json", REMOTE_ADDR=ip, **headers)


@pytest.fixture
def shop(redis_conn: Any) -> dict[str, Any]:
    tenant = make_tenant(
        slug="shop", name="ShopCo", allowed_origins=SHOP_ORIGINS, welcome_text="Ask me about our outdoor gear."
    )
    agent = make_agent(tenant, greeting="Hi! How can I help?")
    for name, description, fields in [
        ("search_products", "Search the catalog by keyword. Returns up to five products.", {}),
        ("catalog_stats", "How many options there are and the lowest price!  Use for counts.", {}),
        ("get_store_hours", "Opening hours. Call with store_id.", {"visitor_label": "Opening hours of our stores"}),
        ("internal_refunds", "Refund an order. Staff only.", {"on_widget": False}),
        ("old_tool", "Retired tool.", {"enabled": False}),
    ]:
        make_tool(tenant, agent=agent, name=name, description=description, **fields)
    return {"tenant": tenant, "agent": agent, "key": make_key(tenant)}


# --- happy path -------------------------------------------------------------------------------------------------


def test_it_returns_options_and_a_token_bound_to_tenant_key_origin_and_agent(client: Client, shop: Any) -> None:
    response = bootstrap(client, shop["key"].public_id)

    assert response.status_code == 200
    body = response.json()
    claims = token_verify(body["token"])
    assert claims.tenant_id == shop["tenant"].pk
    assert claims.key_id == shop["key"].pk
    assert claims.channel == "widget"
    assert claims.origin == SHOP
    assert claims.agent_id == shop["agent"].pk
    assert body["expiresAt"] == claims.expires_at
    assert body["origin"] == SHOP
    assert body["wsPath"] == "/ws/voice/"
    options = body["options"]
    assert options["tenantName"] == "ShopCo"
    assert options["brandColor"] == "#2563eb"
    assert options["greeting"] == "Hi! How can I help?"
    assert options["welcomeText"] == "Ask me about our outdoor gear."
    assert options["disclaimerText"].startswith("This assistant is in beta")
    assert options["voiceAvailable"] is True and options["textAvailable"] is True
    # The visitor-facing label of each enabled tool allowed on the widget (made from the name when empty), never
    # the model-facing description; console-only and disabled tools are absent.
    assert options["capabilities"] == ["Catalog stats", "Opening hours of our stores", "Search products"]


def test_it_answers_cors_for_the_allowed_origin_only(client: Client, shop: Any) -> None:
    response = bootstrap(client, shop["key"].public_id)

    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in response["Vary"]
    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("Access-Control-Allow-Credentials")


def test_the_token_claims_carry_iss_aud_iat_exp_and_jti(client: Client, shop: Any) -> None:
    token = bootstrap(client, shop["key"].public_id).json()["token"]
    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False})

    assert header["alg"] == "HS256"
    assert {"iss", "aud", "sub", "kid", "ch", "origin", "iat", "exp", "jti"} <= payload.keys()
    assert payload["sub"] == str(shop["tenant"].pk)
    assert 60 <= payload["exp"] - payload["iat"] <= 15 * 60  # minutes, not hours


def test_each_bootstrap_mints_a_different_token(client: Client, shop: Any) -> None:
    first = token_verify(bootstrap(client, shop["key"].public_id).json()["token"])
    second = token_verify(bootstrap(client, shop["key"].public_id).json()["token"])

    assert first.jti != second.jti


def test_a_port_listed_in_the_allowlist_is_accepted(client: Client, shop: Any) -> None:
    response = bootstrap(client, shop["key"].public_id, origin="http://localhost:8080")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "http://localhost:8080"


# --- keys and tenants -------------------------------------------------------------------------------------------


def _assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == code
    assert isinstance(response.json()["error"]["message"], str)


def test_it_refuses_a_revoked_key_with_401(client: Client, shop: Any) -> None:
    key = make_key(shop["tenant"], revoked_at=timezone.now() - timedelta(seconds=1))

    _assert_error(bootstrap(client, key.public_id), 401, "key_revoked")


def test_it_refuses_an_unknown_key_with_404(client: Client, shop: Any) -> None:
    _assert_error(bootstrap(client, "pk_doesnotexist123"), 404, "unknown_key")


def test_it_refuses_a_console_channel_key(client: Client, shop: Any) -> None:
    key = make_key(shop["tenant"], channel=Channel.CONSOLE)

    _assert_error(bootstrap(client, key.public_id), 401, "wrong_key_channel")


def test_it_refuses_an_inactive_tenant(client: Client, shop: Any) -> None:
    Tenant.objects.filter(pk=shop["tenant"].pk).update(active=False)

    _assert_error(bootstrap(client, shop["key"].public_id), 403, "tenant_inactive")


def test_it_says_unavailable_when_the_tenant_has_no_active_agent(client: Client, shop: Any) -> None:
    Agent.objects.filter(tenant=shop["tenant"]).update(active=False)

    _assert_error(bootstrap(client, shop["key"].public_id), 503, "no_agent")


# --- origins ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "https://shop.example.com.evil.test",  # look-alike suffix
        "https://evilshop.example.com",
        "https://www.shop.example.com",  # subdomain is another origin
        "http://shop.example.com",  # wrong scheme
        "https://shop.example.com:8443",  # wrong port
        "http://localhost:8081",
        "https://evil.test",
        "null",  # sandboxed or file: pages
        "shop.example.com",
    ],
)
def test_it_refuses_a_foreign_origin_with_403_and_no_cors(client: Client, shop: Any, origin: str) -> None:
    response = bootstrap(client, shop["key"].public_id, origin=origin)

    assert response.status_code == 403
    assert response.json()["error"]["code"] in {"origin_not_allowed", "origin_missing"}
    assert not response.has_header("Access-Control-Allow-Origin")
    assert origin not in str(response.headers)


def test_it_refuses_a_request_without_origin(client: Client, shop: Any) -> None:
    response = bootstrap(client, shop["key"].public_id, origin=None)

    _assert_error(response, 403, "origin_missing")
    assert not response.has_header("Access-Control-Allow-Origin")


def test_a_key_of_another_tenant_is_refused_on_this_tenants_site(client: Client, shop: Any) -> None:
    other = make_tenant(slug="cypress", allowed_origins="https://cypress.example.org")
    make_agent(other)

    response = bootstrap(client, make_key(other).public_id, origin=SHOP)

    assert response.status_code == 403
    assert not response.has_header("Access-Control-Allow-Origin")


def test_the_preflight_allows_only_origins_some_active_tenant_lists(client: Client, shop: Any) -> None:
    allowed = client.options(URL, HTTP_ORIGIN=SHOP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    foreign = client.options(
        URL, HTTP_ORIGIN="https://shop.example.com.evil.test", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )

    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == SHOP
    assert "POST" in allowed["Access-Control-Allow-Methods"]
    assert "Content-Type" in allowed["Access-Control-Allow-Headers"]
    assert not foreign.has_header("Access-Control-Allow-Origin")


def test_the_preflight_ignores_inactive_tenants(client: Client, shop: Any) -> None:
    make_tenant(slug="gone", allowed_origins="https://gone.example.net", active=False)

    response = client.options(URL, HTTP_ORIGIN="https://gone.example.net")

    assert not response.has_header("Access-Control-Allow-Origin")


# --- rate limits ------------------------------------------------------------------------------------------------


def test_a_burst_from_one_ip_gets_429_with_retry_after_while_another_ip_is_fine(client: Client, shop: Any) -> None:
    Tenant.objects.filter(pk=shop["tenant"].pk).update(requests_per_minute=3)
    key = shop["key"].public_id

    statuses = [bootstrap(client, key, ip="198.51.100.1").status_code for _ in range(3)]
    limited = bootstrap(client, key, ip="198.51.100.1")
    other_ip = bootstrap(client, key, ip="198.51.100.2")

    assert statuses == [200, 200, 200]
    _assert_error(limited, 429, "rate_limited")
    assert 1 <= int(limited["Retry-After"]) <= 60
    # The allowed site may read the refusal (and its Retry-After) cross-origin.
    assert limited["Access-Control-Allow-Origin"] == SHOP
    assert "Retry-After" in limited["Access-Control-Expose-Headers"]
    assert other_ip.status_code == 200


def test_the_whole_tenant_is_capped_across_ips(client: Client, shop: Any) -> None:
    Tenant.objects.filter(pk=shop["tenant"].pk).update(requests_per_minute=1, tenant_requests_per_minute=20)
    key = shop["key"].public_id
    before = refusal_counts().get((shop["tenant"].pk, "bootstrap_tenant"), 0)

    statuses = [bootstrap(client, key, ip=f"198.51.100.{n}").status_code for n in range(1, 22)]

    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    assert refusal_counts()[(shop["tenant"].pk, "bootstrap_tenant")] == before + 1


def test_one_key_is_capped_across_ips_while_the_tenants_other_key_still_works(client: Client, shop: Any) -> None:
    Tenant.objects.filter(pk=shop["tenant"].pk).update(key_requests_per_minute=3)
    other_key = make_key(shop["tenant"]).public_id
    key = shop["key"].public_id
    before = refusal_counts().get((shop["tenant"].pk, "bootstrap_key"), 0)

    statuses = [bootstrap(client, key, ip=f"198.51.100.{n}").status_code for n in range(1, 5)]

    assert statuses == [200, 200, 200, 429]
    assert bootstrap(client, other_key, ip="198.51.100.9").status_code == 200
    assert refusal_counts()[(shop["tenant"].pk, "bootstrap_key")] == before + 1


def test_rate_limits_of_one_tenant_do_not_touch_another(client: Client, shop: Any) -> None:
    Tenant.objects.filter(pk=shop["tenant"].pk).update(requests_per_minute=1)
    other = make_tenant(slug="cypress", allowed_origins="https://cypress.example.org")
    make_agent(other)
    other_key = make_key(other).public_id

    bootstrap(client, shop["key"].public_id)
    assert bootstrap(client, shop["key"].public_id).status_code == 429
    assert bootstrap(client, other_key, origin="https://cypress.example.org").status_code == 200


# --- malformed input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '{"key": 12}',
        "{}",
        '{"key": "sk_live_123456"}',
        '{"key": "pk_../../etc"}',
        '{"key": "pk_' + "a" * 200 + '"}',
    ],
)
def test_an_invalid_body_gets_422_in_the_error_shape(client: Client, shop: Any, body: str) -> None:
    response = client.post(URL, body, content_type="application/json", HTTP_ORIGIN=SHOP)

    _assert_error(response, 422, "invalid_input")
    assert not response.has_header("Access-Control-Allow-Origin")


def test_a_body_that_is_not_json_gets_a_400_json_answer(client: Client, shop: Any) -> None:
    response = client.post(URL, "{not json", content_type="application/json", HTTP_ORIGIN=SHOP)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "token" not in response.json()


def test_revoking_a_key_stops_bootstrap_at_once(client: Client, shop: Any) -> None:
    assert bootstrap(client, shop["key"].public_id).status_code == 200

    WidgetKey.objects.filter(pk=shop["key"].pk).update(revoked_at=timezone.now())

    _assert_error(bootstrap(client, shop["key"].public_id), 401, "key_revoked")


def test_an_allowlist_change_applies_to_the_next_bootstrap(client: Client, shop: Any) -> None:
    assert bootstrap(client, shop["key"].public_id).status_code == 200

    Tenant.objects.filter(pk=shop["tenant"].pk).update(allowed_origins="https://elsewhere.example.com")

    assert bootstrap(client, shop["key"].public_id).status_code == 403


def test_every_api_error_has_the_same_content_type(client: Client, shop: Any) -> None:
    refused = bootstrap(client, "pk_unknown_key_000000")  # a domain error
    invalid = client.post(URL, {"key": 12}, content_type="application/json", HTTP_ORIGIN=SHOP)  # ninja's 422

    assert (refused.status_code, invalid.status_code) == (404, 422)
    assert refused["Content-Type"] == invalid["Content-Type"] == "application/json; charset=utf-8"
