"""The install page's live preview: the tenant's widget on a page the platform serves, for its staff only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from agents.models import Agent
from agents.services import session_admit
from tenants.models import WidgetKey
from tenants.tokens import TokenInvalid, token_issue, token_verify
from tests.support.factories import Personas
from widget.sightings import sightings_forget_throttle, sightings_read

pytestmark = pytest.mark.django_db
OWN = "http://testserver"  # the platform's own origin as the test client reaches it


@pytest.fixture(autouse=True)
def _fresh(redis_conn: Any) -> None:
    sightings_forget_throttle()


def bootstrap(client: Client, key: WidgetKey, origin: str = OWN) -> Any:
    return client.post(
        "/api/widget/bootstrap", {"key": key.public_id}, content_type="application/json", HTTP_ORIGIN=origin
    )


def preview_url(personas: Personas, side: str = "a") -> str:
    tenant = personas.tenant_a if side == "a" else personas.tenant_b
    key = personas.rows[side][WidgetKey]
    return reverse("admin:tenants_tenant_install_preview", args=[tenant.pk]) + f"?key={key.public_id}"


def test_staff_of_the_tenant_may_bootstrap_from_the_platforms_own_pages(client: Client, personas: Personas) -> None:
    key = personas.rows["a"][WidgetKey]
    client.force_login(personas.staff_a)

    response = bootstrap(client, key)

    assert response.status_code == 200, response.content
    assert token_verify(response.json()["token"]).origin == OWN
    assert sightings_read(tenant_id=personas.tenant_a.pk) == []  # a preview is not the site going live


@pytest.mark.parametrize("who", ["anonymous", "visitor", "staff_b", "staff_none"])
def test_nobody_else_gets_the_platforms_origin(client: Client, personas: Personas, who: str) -> None:
    if who != "anonymous":
        client.force_login(getattr(personas, who))

    response = bootstrap(client, personas.rows["a"][WidgetKey])

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"


def test_staff_cannot_use_another_origin_as_a_preview(client: Client, personas: Personas) -> None:
    client.force_login(personas.staff_a)

    response = bootstrap(client, personas.rows["a"][WidgetKey], origin="https://evil.example.com")

    assert response.status_code == 403


def test_the_preview_page_carries_the_snippet_and_may_be_framed_by_the_platform_only(
    client: Client, personas: Personas
) -> None:
    client.force_login(personas.staff_a)

    response = client.get(preview_url(personas))

    assert response.status_code == 200
    key = personas.rows["a"][WidgetKey].public_id
    assert f'<script src="{OWN}/widget.js" data-key="{key}" async></script>' in response.content.decode()
    assert response["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    install = client.get(reverse("admin:tenants_tenant_install", args=[personas.tenant_a.pk])).content.decode()
    assert 'id="install-preview"' in install


def test_the_preview_page_is_closed_to_other_tenants_staff_and_sends_unknown_keys_back(
    client: Client, personas: Personas
) -> None:
    client.force_login(personas.staff_a)

    assert client.get(preview_url(personas, "b")).status_code == 404
    other_key = personas.rows["b"][WidgetKey].public_id
    url = reverse("admin:tenants_tenant_install_preview", args=[personas.tenant_a.pk])
    install = reverse("admin:tenants_tenant_install", args=[personas.tenant_a.pk])
    for query in (f"?key={other_key}", "?key=pk_nope", ""):
        response = client.get(url + query)
        assert (response.status_code, response["Location"]) == (302, install)


def test_the_widget_page_lets_the_platform_frame_it_for_the_tenants_staff_only(
    client: Client, personas: Personas
) -> None:
    key = personas.rows["a"][WidgetKey].public_id

    anonymous = client.get("/widget/", {"key": key})
    client.force_login(personas.staff_b)
    other_staff = client.get("/widget/", {"key": key})
    client.force_login(personas.staff_a)
    own_staff = client.get("/widget/", {"key": key})

    assert OWN not in anonymous["Content-Security-Policy"]
    assert OWN not in other_staff["Content-Security-Policy"]
    assert f"frame-ancestors {personas.tenant_a.allowed_origins} {OWN}" in own_staff["Content-Security-Policy"]


@pytest.mark.parametrize("who", ["anonymous", "staff_b", "staff_a"])
def test_a_preview_token_opens_a_conversation_only_for_the_tenants_staff(personas: Personas, who: str) -> None:
    """A token for an origin off the allowlist (what only a preview is minted for) needs the tenant's staff."""
    key = personas.rows["a"][WidgetKey]
    _, claims = token_issue(
        tenant_id=personas.tenant_a.pk,
        key_id=key.pk,
        channel="widget",
        origin=OWN,
        agent_id=personas.rows["a"][Agent].pk,
    )
    user = AnonymousUser() if who == "anonymous" else getattr(personas, who)

    if who == "staff_a":
        admission = session_admit(claims=claims, user=user, session_id="vs_preview")
        assert admission.tenant_id == personas.tenant_a.pk
        assert admission.origin == OWN  # the stored session says where the visitor came from
    else:
        with pytest.raises(TokenInvalid):
            session_admit(claims=claims, user=user, session_id="vs_preview")
