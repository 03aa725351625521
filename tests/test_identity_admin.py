"""The tenant's identity page in admin: the secret shown once when generated, examples, and tenant scoping."""

from __future__ import annotations

import hashlib
import hmac
import html
from typing import Any

import pytest
from django.test import Client

from tenants.identity import identity_secret_value
from tenants.models import SecretKind, TenantSecret
from tests.support.factories import Personas

pytestmark = pytest.mark.django_db


def page(tenant_id: int) -> str:
    return f"/admin/tenants/tenant/{tenant_id}/identity/"


def test_generating_shows_the_secret_once_and_stores_it_encrypted(client: Client, personas: Personas) -> None:
    client.force_login(personas.superuser)
    tenant = personas.tenant_a

    before = client.get(page(tenant.pk))
    generated = client.post(page(tenant.pk))
    after = client.get(page(tenant.pk))

    assert before.status_code == 200 and b"No identity secret yet" in before.content
    secret = identity_secret_value(tenant)
    assert secret and secret.startswith("va_id_")
    assert secret.encode() in generated.content and b"shown only this once" in generated.content
    assert "no-store" in generated["Cache-Control"]
    assert secret.encode() not in after.content and b"An identity secret is set" in after.content
    row = TenantSecret.objects.get(tenant=tenant, kind=SecretKind.IDENTITY)
    assert secret not in row.value_encrypted


def test_the_python_example_computes_what_bootstrap_checks(client: Client, personas: Personas) -> None:
    client.force_login(personas.superuser)
    content = client.post(page(personas.tenant_a.pk)).content.decode()
    secret = identity_secret_value(personas.tenant_a)
    assert secret is not None

    start = content.index('<pre id="identity-example-python">') + len('<pre id="identity-example-python">')
    source = html.unescape(content[start : content.index("</pre>", start)])
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # the page's copyable example, run as a tenant would

    expected = hmac.new(secret.encode(), b"ada@example.com", hashlib.sha256).hexdigest()
    assert namespace["user_hash"]("ada@example.com") == expected
    assert "createHmac(&quot;sha256&quot;" in content


def test_an_operator_of_another_tenant_gets_404(client: Client, personas: Personas) -> None:
    client.force_login(personas.staff_b)

    assert client.get(page(personas.tenant_a.pk)).status_code == 404
    assert client.post(page(personas.tenant_a.pk)).status_code == 404
    assert not TenantSecret.objects.filter(kind=SecretKind.IDENTITY).exists()


def test_the_tenant_page_links_to_it(client: Client, personas: Personas) -> None:
    client.force_login(personas.superuser)

    response = client.get(f"/admin/tenants/tenant/{personas.tenant_a.pk}/change/")

    assert page(personas.tenant_a.pk).encode() in response.content
    assert b"Keep identified visitors" in response.content
