"""The ready-made "Tenant operator" group: with it, an operator of a tenant works on that tenant's agents,
prompts and tools in admin, reads its page and keys, and reaches nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from agents.models import Agent, Prompt
from httptools.models import HttpTool
from tenants.models import Tenant, TenantSecret, WidgetKey
from tests.support.factories import Personas, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client: Client, personas: Personas) -> Client:
    user = make_user(staff=True, username="olga")
    user.groups.add(Group.objects.get(name="Tenant operator"))
    personas.tenant_a.operators.add(user)
    client.force_login(user)
    return client


def test_the_group_lets_an_operator_work_on_their_tenants_agents_prompts_and_tools(
    operator_client: Client, personas: Personas
) -> None:
    rows = personas.rows["a"]
    for url in [
        reverse("admin:agents_agent_change", args=[rows[Agent].pk]),
        reverse("admin:agents_agent_add"),
        reverse("admin:agents_prompt_change", args=[rows[Prompt].pk]),
        reverse("admin:agents_prompt_preview", args=[rows[Prompt].pk]),
        reverse("admin:httptools_httptool_change", args=[rows[HttpTool].pk]),
        reverse("admin:httptools_httptool_test", args=[rows[HttpTool].pk]),
        reverse("admin:tenants_tenant_change", args=[rows[Tenant].pk]),
        reverse("admin:tenants_tenant_install", args=[rows[Tenant].pk]),
        reverse("admin:tenants_widgetkey_change", args=[rows[WidgetKey].pk]),
    ]:
        assert operator_client.get(url).status_code == 200, url

    tenant_page = operator_client.get(reverse("admin:tenants_tenant_change", args=[rows[Tenant].pk]))
    assert not tenant_page.context["has_change_permission"]  # the tenant itself is read-only to them


def test_the_group_grants_nothing_else(operator_client: Client, personas: Personas) -> None:
    for url in [
        reverse("admin:tenants_tenantsecret_changelist"),
        reverse("admin:tenants_tenantsecret_change", args=[personas.rows["a"][TenantSecret].pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:usage_modelprice_changelist"),
        reverse("admin:agents_agent_delete", args=[personas.rows["a"][Agent].pk]),
        reverse("admin:tenants_widgetkey_rotate", args=[personas.rows["a"][WidgetKey].pk]),
    ]:
        assert operator_client.get(url).status_code == 403, url
    # Another tenant's rows stay out of reach.
    assert (
        operator_client.get(reverse("admin:agents_agent_change", args=[personas.rows["b"][Agent].pk])).status_code
        == 302
    )


def test_the_operators_picker_offers_only_staff(client: Client, personas: Personas) -> None:
    client.force_login(personas.superuser)

    response = client.get(reverse("admin:tenants_tenant_change", args=[personas.tenant_a.pk]))

    choices: Any = response.context["adminform"].form.fields["operators"].queryset
    assert personas.visitor not in choices and personas.staff_a in choices
    assert "grants" not in response.context["adminform"].form.fields["operators"].help_text
    assert "never secrets" in response.context["adminform"].form.fields["operators"].help_text
