"""Admin polish a new staff member notices: the product's name, readable app labels, the colour picker, and
"Test this tool" saying how to fix a failure."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from httptools.troubleshooting import HINTS, fix_hint
from tests.support.factories import make_tenant, make_tool, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(make_user(superuser=True))
    return client


def test_the_index_names_the_product_and_reads_well(admin_client: Client) -> None:
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert "Voice agents platform" in page and "Django administration" not in page
    assert "HTTP tools" in page and "Httptools" not in page and "Http tools" not in page


def test_the_brand_colour_is_a_colour_picker_and_saves_as_hex(admin_client: Client) -> None:
    tenant = make_tenant()

    page = admin_client.get(reverse("admin:tenants_tenant_change", args=[tenant.pk])).content.decode()

    assert 'type="color"' in page and 'name="brand_color"' in page


def test_a_failed_test_run_says_how_to_fix_it(admin_client: Client) -> None:
    tool = make_tool(make_tenant())

    response = admin_client.post(
        reverse("admin:httptools_httptool_test", args=[tool.pk]), {"arguments": '{"query": 5}'}
    )

    page = response.content.decode()
    assert "How to fix it:" in page and escape(HINTS["invalid_arguments"]) in page
    assert 'class="va-wrap"' in page  # long results wrap inside the page


@pytest.mark.parametrize("error_class", sorted(HINTS))
def test_every_hint_names_something_to_change(error_class: str) -> None:
    hint = fix_hint(error_class)

    assert hint.endswith(".") and len(hint) > 30
    assert fix_hint(None) == ""


def test_an_unknown_failure_still_gets_a_hint(settings: Any) -> None:
    assert "server log" in fix_hint("something_new")
