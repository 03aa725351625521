"""A tenant's currency and locale for card prices: validated as ISO 4217 and BCP 47, served by bootstrap."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests.support.factories import make_agent, make_key, make_tenant

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example.com"


def test_currency_and_locale_default_and_are_validated() -> None:
    tenant = make_tenant(slug="shop")
    assert (tenant.currency, tenant.locale) == ("USD", "en-US")
    tenant.currency, tenant.locale = "EUR", "de-DE"
    tenant.full_clean()
    for currency, locale, field in [
        ("EURO", "de-DE", "currency"),
        ("XYZ", "de-DE", "currency"),
        ("eur", "de-DE", "currency"),
        ("EUR", "de_DE", "locale"),
        ("EUR", "xx-QQ", "locale"),
        ("EUR", "<script>", "locale"),
    ]:
        tenant.currency, tenant.locale = currency, locale
        with pytest.raises(ValidationError) as refused:
            tenant.full_clean()
        assert field in refused.value.message_dict, (currency, locale)


def test_bootstrap_serves_the_tenants_currency_and_locale(client: Client, redis_conn: Any) -> None:
    tenant = make_tenant(slug="shop", allowed_origins=SHOP, currency="EUR", locale="de-DE")
    make_agent(tenant)
    key = make_key(tenant)
    response = client.post(
        "/api/widget/bootstrap", {"key": key.public_id}, content_type="application/json", HTTP_ORIGIN=SHOP
    )
    assert response.status_code == 200, response.content
    options = response.json()["options"]
    assert (options["currency"], options["locale"]) == ("EUR", "de-DE")
