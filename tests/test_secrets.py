"""Tenant secrets are encrypted at rest and write-only in admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from tenants.models import TenantSecret
from tests.support.factories import make_secret, make_tenant, make_user

pytestmark = pytest.mark.django_db

PLAINTEXT = "sk-live-plaintext-4711"


@pytest.fixture
def secret() -> TenantSecret:
    return make_secret(make_tenant(), name="API_KEY", value=PLAINTEXT)


@pytest.fixture
def admin_client_logged_in(client: Any) -> Any:
    client.force_login(make_user(superuser=True))
    return client


def test_the_stored_column_does_not_contain_the_plaintext(secret: TenantSecret) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value_encrypted FROM {TenantSecret._meta.db_table} WHERE id = %s", [secret.pk])
        (stored) = cursor.fetchone()

    assert stored
    assert PLAINTEXT not in stored


def test_reveal_returns_the_plaintext(secret: TenantSecret) -> None:
    assert TenantSecret.objects.get(pk=secret.pk).reveal() == PLAINTEXT


def test_the_secret_change_page_never_shows_the_value(admin_client_logged_in: Any, secret: TenantSecret) -> None:
    response = admin_client_logged_in.get(reverse("admin:tenants_tenantsecret_change", args=[secret.pk]))

    assert response.status_code == 200
    assert PLAINTEXT not in response.content.decode()
    assert secret.value_encrypted not in response.content.decode()


def test_the_tenant_page_with_its_secrets_inline_never_shows_the_value(
    admin_client_logged_in: Any, secret: TenantSecret
) -> None:
    response = admin_client_logged_in.get(reverse("admin:tenants_tenant_change", args=[secret.tenant_id]))

    assert response.status_code == 200
    assert "API_KEY" in response.content.decode()
    assert PLAINTEXT not in response.content.decode()


def test_the_add_form_does_not_echo_a_value_back_when_it_has_errors(admin_client_logged_in: Any) -> None:
    tenant = make_tenant()

    response = admin_client_logged_in.post(
        reverse("admin:tenants_tenantsecret_add"), {"tenant": tenant.pk, "name": "not valid", "value": PLAINTEXT}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"]
    assert PLAINTEXT not in response.content.decode()
    assert not TenantSecret.objects.filter(tenant=tenant).exists()


def test_the_add_form_stores_the_value_encrypted(admin_client_logged_in: Any) -> None:
    tenant = make_tenant()

    response = admin_client_logged_in.post(
        reverse("admin:tenants_tenantsecret_add"), {"tenant": tenant.pk, "name": "API_KEY", "value": PLAINTEXT}
    )

    assert response.status_code == 302
    stored = TenantSecret.objects.get(tenant=tenant, name="API_KEY")
    assert stored.reveal() == PLAINTEXT
    assert PLAINTEXT not in stored.value_encrypted


def test_the_add_form_requires_a_value(admin_client_logged_in: Any) -> None:
    tenant = make_tenant()

    response = admin_client_logged_in.post(
        reverse("admin:tenants_tenantsecret_add"), {"tenant": tenant.pk, "name": "API_KEY", "value": ""}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["value"]


def test_posting_a_blank_value_keeps_the_old_one(admin_client_logged_in: Any, secret: TenantSecret) -> None:
    response = admin_client_logged_in.post(
        reverse("admin:tenants_tenantsecret_change", args=[secret.pk]),
        {"tenant": secret.tenant_id, "name": "RENAMED_KEY", "value": ""},
    )

    assert response.status_code == 302
    secret.refresh_from_db()
    assert secret.name == "RENAMED_KEY"
    assert secret.reveal() == PLAINTEXT


def test_posting_a_new_value_replaces_the_old_one(admin_client_logged_in: Any, secret: TenantSecret) -> None:
    response = admin_client_logged_in.post(
        reverse("admin:tenants_tenantsecret_change", args=[secret.pk]),
        {"tenant": secret.tenant_id, "name": "API_KEY", "value": "new-value-1"},
    )

    assert response.status_code == 302
    secret.refresh_from_db()
    assert secret.reveal() == "new-value-1"
