"""Which agent answers (a default per tenant, an override per key) and the key's page: the agent it opens,
last used, a public id fixed after creation, rotation with a grace period, reactivation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agents.models import Agent, WidgetKeyAgent
from tenants.models import WidgetKey
from tenants.tokens import token_verify
from tests.support.factories import Personas, make_agent, make_key, make_tenant, make_user
from widget import bootstrap as bootstrap_module
from widget.sightings import sightings_forget_throttle

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example.com"


@pytest.fixture(autouse=True)
def _fresh(redis_conn: Any) -> None:
    sightings_forget_throttle()
    bootstrap_module._agent_cache.clear()


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(make_user(superuser=True))
    return client


def bootstrapped_agent(client: Client, key: WidgetKey) -> int | None:
    response = client.post(
        "/api/widget/bootstrap", {"key": key.public_id}, content_type="application/json", HTTP_ORIGIN=SHOP
    )
    assert response.status_code == 200, response.content
    return token_verify(response.json()["token"]).agent_id


def key_form(key: WidgetKey, **changes: Any) -> dict[str, Any]:
    data = {
        "tenant": key.tenant_id,
        "public_id": key.public_id,
        "label": key.label,
        "channel": key.channel,
        "revoked_at_0": "",
        "revoked_at_1": "",
        "opens_agent": "",
    }
    return {**data, **changes}


def test_the_default_agent_answers_and_a_key_can_open_another(client: Client) -> None:
    tenant = make_tenant(allowed_origins=SHOP)
    oldest = make_agent(tenant, name="Sales")
    support = make_agent(tenant, name="Support")
    main_key, help_key = make_key(tenant), make_key(tenant)

    assert bootstrapped_agent(client, main_key) == oldest.pk  # no default: the oldest active agent

    Agent.objects.filter(pk=support.pk).update(is_default=True)
    bootstrap_module._agent_cache.clear()
    assert bootstrapped_agent(client, main_key) == support.pk

    WidgetKeyAgent.objects.create(key=help_key, agent=oldest)
    bootstrap_module._agent_cache.clear()
    assert bootstrapped_agent(client, help_key) == oldest.pk
    assert bootstrapped_agent(client, main_key) == support.pk

    Agent.objects.filter(pk=oldest.pk).update(active=False)  # the key's own agent is off: the default answers
    bootstrap_module._agent_cache.clear()
    assert bootstrapped_agent(client, help_key) == support.pk


def test_a_second_default_agent_is_refused_with_a_clear_message(admin_client: Client) -> None:
    tenant = make_tenant()
    first = make_agent(tenant, is_default=True)
    other = make_agent(tenant)
    data = {
        "tenant": tenant.pk,
        "name": other.name,
        "active": "on",
        "is_default": "on",
        "model": other.model,
        "voice": other.voice,
        "language": "en",
        "prompt": other.prompt_id,
        "fallback_message": other.fallback_message,
        "agent_tools-TOTAL_FORMS": "0",
        "agent_tools-INITIAL_FORMS": "0",
    }

    response = admin_client.post(reverse("admin:agents_agent_change", args=[other.pk]), data)

    assert response.status_code == 200
    assert "already has a default agent" in response.content.decode()
    assert Agent.objects.get(is_default=True) == first


def test_the_key_page_says_which_agent_it_opens_and_saves_the_choice(admin_client: Client) -> None:
    tenant = make_tenant()
    default = make_agent(tenant, name="Concierge", is_default=True)
    support = make_agent(tenant, name="Support")
    key = make_key(tenant)
    url = reverse("admin:tenants_widgetkey_change", args=[key.pk])

    page = admin_client.get(url).content.decode()
    assert "Concierge</a> (the tenant&#x27;s default agent)" in page

    response = admin_client.post(url, key_form(key, opens_agent=support.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert WidgetKeyAgent.objects.get(key=key).agent == support
    assert "Support</a> (this key&#x27;s own agent)" in admin_client.get(url).content.decode()

    admin_client.post(url, key_form(key, opens_agent=""))
    assert not WidgetKeyAgent.objects.filter(key=key).exists()
    assert default.pk


def test_a_key_cannot_open_another_tenants_agent(admin_client: Client) -> None:
    key = make_key(make_tenant())
    foreign = make_agent(make_tenant())

    response = admin_client.post(
        reverse("admin:tenants_widgetkey_change", args=[key.pk]), key_form(key, opens_agent=foreign.pk)
    )

    assert response.status_code == 200
    assert "opens_agent" in response.context["adminform"].form.errors
    assert not WidgetKeyAgent.objects.exists()


def test_the_public_id_cannot_change_after_creation(admin_client: Client) -> None:
    key = make_key(make_tenant())
    original = key.public_id

    admin_client.post(
        reverse("admin:tenants_widgetkey_change", args=[key.pk]), key_form(key, public_id="pk_changed_by_hand")
    )

    key.refresh_from_db()
    assert key.public_id == original


def test_rotation_makes_a_new_key_and_stops_the_old_one_after_the_grace_period(admin_client: Client) -> None:
    tenant = make_tenant(allowed_origins=SHOP)
    agent = make_agent(tenant)
    old = make_key(tenant, label="Main site")
    WidgetKeyAgent.objects.create(key=old, agent=agent)

    response = admin_client.post(reverse("admin:tenants_widgetkey_rotate", args=[old.pk]), {"grace": "86400"})

    new = WidgetKey.objects.exclude(pk=old.pk).get(tenant=tenant)
    assert response.status_code == 302 and response["Location"].endswith(f"/{new.pk}/change/")
    old.refresh_from_db()
    assert new.label == "Main site" and new.public_id != old.public_id
    assert WidgetKeyAgent.objects.get(key=new).agent == agent  # opens the same agent
    assert old.is_active  # still works during the grace period
    assert timedelta(hours=23) < old.revoked_at - timezone.now() <= timedelta(days=1)

    admin_client.post(reverse("admin:tenants_widgetkey_rotate", args=[new.pk]), {"grace": "0"})
    new.refresh_from_db()
    assert not new.is_active


def test_reactivate_lets_a_revoked_key_work_again(admin_client: Client) -> None:
    key = make_key(make_tenant(), revoked_at=timezone.now() - timedelta(hours=1))

    admin_client.post(
        reverse("admin:tenants_widgetkey_changelist"), {"action": "reactivate", "_selected_action": [key.pk]}
    )

    key.refresh_from_db()
    assert key.revoked_at is None and key.is_active


def test_the_key_list_shows_when_each_key_was_last_used(admin_client: Client, client: Client) -> None:
    tenant = make_tenant(allowed_origins=SHOP)
    make_agent(tenant)
    used, unused = make_key(tenant, label="used"), make_key(tenant, label="unused")
    bootstrapped_agent(client, used)
    admin_client.force_login(make_user(superuser=True))

    response = admin_client.get(reverse("admin:tenants_widgetkey_changelist"))

    rows = {row.pk: row for row in response.context["cl"].result_list}
    model_admin = response.context["cl"].model_admin
    assert model_admin.last_used(rows[used.pk]) != "never"
    assert model_admin.last_used(rows[unused.pk]) == "never"


@pytest.mark.parametrize("side", ["a", "b"])
def test_an_operator_cannot_rotate_or_route_another_tenants_key(client: Client, personas: Personas, side: str) -> None:
    own, other = ("a", "b") if side == "a" else ("b", "a")
    client.force_login(personas.staff_a if side == "a" else personas.staff_b)
    other_key = personas.rows[other][WidgetKey]

    assert client.get(reverse("admin:tenants_widgetkey_rotate", args=[other_key.pk])).status_code == 404
    assert (
        client.post(reverse("admin:tenants_widgetkey_rotate", args=[other_key.pk]), {"grace": "0"}).status_code == 404
    )
    own_key = personas.rows[own][WidgetKey]
    page = client.get(reverse("admin:tenants_widgetkey_change", args=[own_key.pk])).content.decode()
    assert personas.rows[other][Agent].name not in page
    other_key.refresh_from_db()
    assert other_key.is_active
