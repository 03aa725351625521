"""Bootstrap of an identified visitor: the site's HMAC of the e-mail accepted, refused (403, counted) or absent."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from django.test import Client

from config import metrics
from tenants.identity import identity_secret_generate
from tenants.tokens import token_verify
from tests.support.factories import make_agent, make_key, make_tenant

URL = "/api/widget/bootstrap"
SHOP = "https://shop.example.com"
EMAIL = "Ada.Lovelace@Example.com"
pytestmark = pytest.mark.django_db


def site_hash(secret: str, email: str) -> str:
    """What the tenant's server computes, as the admin page's Python example does."""
    return hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()


def bootstrap(client: Client, key: str, **identity: str) -> Any:
    return client.post(
        URL, {"key": key, **identity}, content_type="application/json", REMOTE_ADDR="203.0.113.7", HTTP_ORIGIN=SHOP
    )


@pytest.fixture
def shop(redis_conn: Any) -> dict[str, Any]:
    tenant = make_tenant(slug="shop", allowed_origins=SHOP)
    make_agent(tenant)
    return {"tenant": tenant, "key": make_key(tenant).public_id, "secret": identity_secret_generate(tenant=tenant)}


def test_a_correct_hash_identifies_the_visitor_by_email_hash_only(client: Client, shop: Any) -> None:
    response = bootstrap(client, shop["key"], userEmail=EMAIL, userHash=site_hash(shop["secret"], EMAIL))

    assert response.status_code == 200, response.content
    claims = token_verify(response.json()["token"])
    assert claims.email_hash == hashlib.sha256(b"ada.lovelace@example.com").hexdigest()
    assert claims.email is None  # the tenant keeps hashes only (the default)
    assert "lovelace" not in response.content.decode().lower()


def test_a_tenant_that_keeps_addresses_gets_the_email_through_to_the_session(client: Client, shop: Any) -> None:
    shop["tenant"].store_visitor_email = True
    shop["tenant"].save()

    response = bootstrap(client, shop["key"], userEmail=EMAIL, userHash=site_hash(shop["secret"], EMAIL).upper())

    assert response.status_code == 200, response.content
    assert token_verify(response.json()["token"]).email == "ada.lovelace@example.com"


@pytest.mark.parametrize(
    "identity",
    [
        {"userEmail": "eve@example.com", "userHash": "0" * 64},
        {"userEmail": EMAIL, "userHash": "not-hex"},
        {"userHash": "a" * 64},
    ],
)
def test_a_wrong_hash_is_refused_with_a_clear_403_and_counted(client: Client, shop: Any, identity: dict) -> None:
    response = bootstrap(client, shop["key"], **identity)

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "identity_invalid" and "data-user-" in error["message"]
    assert "token" not in response.json()
    assert metrics.shared_values("identity_refusals") == {("shop",): 1}


def test_a_hash_made_with_another_tenants_secret_is_refused(client: Client, shop: Any) -> None:
    other = make_tenant(slug="other")
    other_secret = identity_secret_generate(tenant=other)

    response = bootstrap(client, shop["key"], userEmail=EMAIL, userHash=site_hash(other_secret, EMAIL))

    assert response.status_code == 403


def test_a_regenerated_secret_stops_the_old_one_at_once(client: Client, shop: Any) -> None:
    old_hash = site_hash(shop["secret"], EMAIL)
    new_secret = identity_secret_generate(tenant=shop["tenant"])

    assert bootstrap(client, shop["key"], userEmail=EMAIL, userHash=old_hash).status_code == 403
    assert bootstrap(client, shop["key"], userEmail=EMAIL, userHash=site_hash(new_secret, EMAIL)).status_code == 200


def test_without_a_hash_the_visitor_is_anonymous_even_with_an_email(client: Client, shop: Any) -> None:
    response = bootstrap(client, shop["key"], userEmail=EMAIL)

    assert response.status_code == 200
    assert token_verify(response.json()["token"]).email_hash is None


def test_a_tenant_without_an_identity_secret_says_so(client: Client, redis_conn: Any) -> None:
    tenant = make_tenant(slug="plain", allowed_origins=SHOP)
    make_agent(tenant)

    response = bootstrap(client, make_key(tenant).public_id, userEmail=EMAIL, userHash="a" * 64)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "identity_not_configured"
