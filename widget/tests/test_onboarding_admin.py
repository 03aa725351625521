"""The tenant's Install page, its setup checklist and the admin index's tenant setup table."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from httptools.models import HttpTool
from tenants.models import Tenant
from tests.support.factories import Personas, make_agent, make_key, make_prompt, make_tenant, make_tool, make_user
from widget.onboarding import tenant_checklist
from widget.sightings import sighting_record, sightings_forget_throttle, sightings_read

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example.com"


@pytest.fixture(autouse=True)
def _fresh_sightings(redis_conn: Any) -> None:
    sightings_forget_throttle()


def install_url(tenant: Tenant) -> str:
    return reverse("admin:tenants_tenant_install", args=[tenant.pk])


def bootstrap(client: Client, key: str, origin: str = SHOP) -> Any:
    return client.post("/api/widget/bootstrap", {"key": key}, content_type="application/json", HTTP_ORIGIN=origin)


def checklist_state(tenant: Tenant) -> dict[str, bool]:
    return {item.label: item.done for item in tenant_checklist(tenant)}


def test_the_install_page_shows_the_exact_snippet_of_each_active_key_only(client: Client, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://voice.example.net"
    tenant = make_tenant(allowed_origins=SHOP)
    live = make_key(tenant, label="Main site")
    revoked = make_key(tenant, label="Old site", revoked_at=timezone.now() - timedelta(minutes=1))
    client.force_login(make_user(superuser=True))

    page = client.get(install_url(tenant)).content.decode()

    snippet = (
        "&lt;script src=&quot;https://voice.example.net/widget.js&quot; "
        f"data-key=&quot;{live.public_id}&quot; async&gt;&lt;/script&gt;"
    )
    assert snippet in page
    assert '<script src="https://voice.example.net/widget.js"' not in page  # shown, never run
    assert revoked.public_id not in page
    assert 'class="button va-copy"' in page


def test_the_install_page_checks_each_origin_and_says_what_is_wrong(client: Client) -> None:
    tenant = make_tenant(allowed_origins=SHOP)
    # Stored without the form (a shell or an old row): the page still shows what the bootstrap will refuse.
    Tenant.objects.filter(pk=tenant.pk).update(
        allowed_origins=f"{SHOP}\nhttps://shop.example.com/checkout\nhttp://plain.example.com"
    )
    client.force_login(make_user(superuser=True))

    page = client.get(install_url(tenant)).content.decode()

    rows = re.findall(r"<tr class=\"(va-\w+)\">\s*<td><code>([^<]*)</code>", page)
    assert rows == [
        ("va-good", SHOP),
        ("va-bad", "https://shop.example.com/checkout"),
        ("va-warn", "http://plain.example.com"),
    ]
    assert "must be only scheme, host and port" in page
    assert "browsers only give the microphone to https pages" in page


def test_an_accepted_bootstrap_is_shown_as_last_seen_per_origin_and_key(client: Client) -> None:
    tenant = make_tenant(allowed_origins=f"{SHOP}\nhttps://blog.example.com")
    make_agent(tenant)
    key = make_key(tenant)

    assert bootstrap(client, key.public_id).status_code == 200
    assert bootstrap(client, key.public_id, origin="https://evil.example.com").status_code == 403

    seen = sightings_read(tenant_id=tenant.pk)
    assert [(s.key_id, s.origin) for s in seen] == [(key.pk, SHOP)]  # the refused origin left no record
    client.force_login(make_user(superuser=True))
    page = client.get(install_url(tenant)).content.decode()
    shop_row = page[page.index(f"<code>{SHOP}</code>") :].split("</tr>")[0]
    blog_row = page[page.index("<code>https://blog.example.com</code>") :].split("</tr>")[0]
    assert "ago" in shop_row and "never" not in shop_row
    assert "never" in blog_row
    assert f"on {SHOP}" in page  # the key's own line


def test_the_sighting_is_written_at_most_once_a_minute_per_process(redis_conn: Any) -> None:
    sighting_record(tenant_id=7, key_id=1, origin=SHOP)
    redis_conn.delete("widget:seen:7")

    sighting_record(tenant_id=7, key_id=1, origin=SHOP)  # within the minute: skipped
    sighting_record(tenant_id=7, key_id=2, origin=SHOP)  # another key: written

    assert [s.key_id for s in sightings_read(tenant_id=7)] == [2]


def test_the_checklist_turns_green_step_by_step(client: Client) -> None:
    tenant = make_tenant(allowed_origins="")
    assert not any(checklist_state(tenant).values())

    tenant.allowed_origins = SHOP
    tenant.save()
    key = make_key(tenant)
    prompt = make_prompt(tenant, publish=False)
    state = checklist_state(tenant)
    assert state["Website origin set"] and state["Widget key active"]
    assert not state["An active agent"]

    agent = make_agent(tenant, prompt=make_prompt(tenant))
    tool = make_tool(tenant, agent=agent, base_url="https://api.example.com")
    make_tool(tenant, agent=agent, on_widget=False, name="staff_only")  # not on the website: not asked for
    state = checklist_state(tenant)
    assert state["An active agent"] and state["Its prompt published"]
    assert not state["Every allowed tool tested"]
    item = next(i for i in tenant_checklist(tenant) if i.label == "Every allowed tool tested")
    assert item.fix_url == reverse("admin:httptools_httptool_test", args=[tool.pk])
    assert tool.name in item.detail and "staff_only" not in item.detail

    HttpTool.objects.filter(pk=tool.pk).update(tested_version=tool.version)
    assert checklist_state(tenant)["Every allowed tool tested"]
    tool.refresh_from_db()
    tool.description = "Search the whole catalog."
    tool.save()  # a new version: tested again before it counts
    assert not checklist_state(tenant)["Every allowed tool tested"]
    HttpTool.objects.filter(pk=tool.pk).update(tested_version=tool.version)

    assert not checklist_state(tenant)["Snippet seen live"]
    assert bootstrap(client, key.public_id).status_code == 200
    assert all(checklist_state(tenant).values()), checklist_state(tenant)
    assert prompt.pk  # an unpublished prompt no agent uses does not block the tenant


def test_the_tenant_page_shows_the_checklist_with_links_to_fix_each_step(client: Client) -> None:
    tenant = make_tenant(allowed_origins=SHOP)
    make_key(tenant)
    client.force_login(make_user(superuser=True))

    page = client.get(reverse("admin:tenants_tenant_change", args=[tenant.pk])).content.decode()

    assert 'id="setup-checklist"' in page
    assert "not ready yet" in page
    assert reverse("admin:agents_agent_add") + f"?tenant={tenant.pk}" in page
    assert install_url(tenant) in page  # the Install link in the object tools


def test_the_admin_index_lists_the_tenants_that_are_not_ready(client: Client, personas: Personas) -> None:
    client.force_login(personas.staff_a)

    page = client.get(reverse("admin:index")).content.decode()

    table = page[page.index('id="tenant-setup"') :].split("</ul>")[0]
    assert personas.tenant_a.name in table and "Not ready" in table
    assert personas.tenant_b.name not in page


@pytest.mark.parametrize("side", ["a", "b"])
def test_an_operator_sees_no_other_tenants_install_page(client: Client, personas: Personas, side: str) -> None:
    own, other = (personas.tenant_a, personas.tenant_b) if side == "a" else (personas.tenant_b, personas.tenant_a)
    client.force_login(personas.staff_a if side == "a" else personas.staff_b)

    assert client.get(install_url(own)).status_code == 200
    response = client.get(install_url(other))
    assert response.status_code == 404
    assert other.name not in response.content.decode()
    assert other.widget_keys.first().public_id not in response.content.decode()
