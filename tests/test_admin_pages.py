"""Every registered admin model renders for a superuser, is scoped to a staff user's tenants, is closed to
non-staff users, and answers bad input with field errors instead of a server error.

Models are enumerated from `admin.site._registry`, so a newly registered model is covered automatically.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db.models import Model
from django.test import RequestFactory
from django.urls import reverse

from tenants.admin import TenantScopedAdmin
from tests.support.factories import Personas

pytestmark = pytest.mark.django_db

REGISTRY: list[tuple[type[Model], admin.ModelAdmin[Any]]] = sorted(
    admin.site._registry.items(), key=lambda item: item[0]._meta.label
)
TENANT_SCOPED = [(model, model_admin) for model, model_admin in REGISTRY if isinstance(model_admin, TenantScopedAdmin)]
REGISTRY_IDS = [model._meta.label for model, _ in REGISTRY]
TENANT_SCOPED_IDS = [model._meta.label for model, _ in TENANT_SCOPED]


def url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def can_add(model_admin: Any, user: Any) -> bool:
    request = RequestFactory().get("/admin/")
    request.user = user
    return bool(model_admin.has_add_permission(request))


def an_instance(model: type[Model], personas: Personas) -> Model:
    """A row to open the change page of: tenant A's for tenant-owned models, else any existing row."""
    if model in personas.rows["a"]:
        return personas.rows["a"][model]
    if model is Group:
        return Group.objects.get_or_create(name="Operators")[0]
    instance = model._default_manager.first()
    assert instance is not None, (
        f"no {model._meta.label} row to open: add one to the personas fixture in tests/support/factories.py"
    )
    return instance


@pytest.fixture
def superuser_client(client: Any, personas: Personas) -> Any:
    client.force_login(personas.superuser)
    return client


@pytest.fixture
def staff_a_client(client: Any, personas: Personas) -> Any:
    client.force_login(personas.staff_a)
    return client


def test_the_registry_covers_the_tenant_models() -> None:
    labels = {model._meta.label for model, _ in REGISTRY}

    assert {
        "tenants.Tenant",
        "tenants.WidgetKey",
        "tenants.TenantSecret",
        "agents.Agent",
        "agents.Prompt",
        "httptools.HttpTool",
    } <= labels


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_a_superuser_sees_the_changelist(superuser_client: Any, model: type[Model], model_admin: Any) -> None:
    response = superuser_client.get(url(model, "changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_a_superuser_sees_the_add_page_where_adding_is_allowed(
    superuser_client: Any, personas: Personas, model: type[Model], model_admin: Any
) -> None:
    response = superuser_client.get(url(model, "add"))

    assert response.status_code == (200 if can_add(model_admin, personas.superuser) else 403)


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_a_superuser_sees_the_change_page(
    superuser_client: Any, personas: Personas, model: type[Model], model_admin: Any
) -> None:
    instance = an_instance(model, personas)

    response = superuser_client.get(url(model, "change", instance.pk))

    assert response.status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_a_user_who_is_not_staff_is_sent_to_the_login(
    client: Any, personas: Personas, model: type[Model], model_admin: Any
) -> None:
    client.force_login(personas.visitor)

    for target in (url(model, "changelist"), url(model, "add")):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_an_anonymous_visitor_is_sent_to_the_login(client: Any) -> None:
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("side", ["a", "b"])
@pytest.mark.parametrize(("model", "model_admin"), TENANT_SCOPED, ids=TENANT_SCOPED_IDS)
def test_staff_see_only_rows_of_the_tenants_they_operate(
    client: Any, personas: Personas, model: type[Model], model_admin: Any, side: str
) -> None:
    """Each operator, of tenant A and of tenant B, sees its own tenant's rows and never the other's."""
    other_side = "b" if side == "a" else "a"
    own, other = personas.rows[side][model], personas.rows[other_side][model]
    client.force_login(personas.staff_a if side == "a" else personas.staff_b)

    response = client.get(url(model, "changelist"))

    assert response.status_code == 200
    shown = {row.pk for row in response.context["cl"].result_list}
    assert own.pk in shown
    assert other.pk not in shown
    assert client.get(url(model, "change", own.pk)).status_code == 200
    # The admin answers an object outside the queryset like a missing one: a redirect, never the page.
    assert client.get(url(model, "change", other.pk)).status_code == 302


@pytest.mark.parametrize(("model", "model_admin"), TENANT_SCOPED, ids=TENANT_SCOPED_IDS)
def test_staff_without_a_tenant_see_no_tenant_rows(
    client: Any, personas: Personas, model: type[Model], model_admin: Any
) -> None:
    client.force_login(personas.staff_none)

    response = client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize(("model", "model_admin"), TENANT_SCOPED, ids=TENANT_SCOPED_IDS)
def test_staff_can_pick_only_their_own_tenants_in_a_form(
    staff_a_client: Any, personas: Personas, model: type[Model], model_admin: Any
) -> None:
    response = staff_a_client.get(url(model, "add"))
    if not can_add(model_admin, personas.staff_a):
        assert response.status_code == 403
        return
    fields = response.context["adminform"].form.fields
    if "tenant" not in fields:
        assert "tenant" not in {field.name for field in model._meta.fields}  # the Tenant model itself
        return

    choices = {str(value) for value, _ in fields["tenant"].choices if value}
    assert choices == {str(personas.tenant_a.pk)}


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_an_empty_add_form_shows_errors_not_a_server_error(
    superuser_client: Any, personas: Personas, model: type[Model], model_admin: Any
) -> None:
    response = superuser_client.post(url(model, "add"), {})

    if not can_add(model_admin, personas.superuser):
        assert response.status_code == 403  # nothing to validate: adding is refused outright
        return
    assert response.status_code == 200
    assert response.context["errors"], f"{model._meta.label}: an empty form was accepted"


BAD_INPUT = [
    (
        "tenants.Tenant",
        {"name": "Shop", "slug": "shop", "allowed_origins": "https://shop.example.com/path", "brand_color": "blue"},
        {"allowed_origins", "brand_color"},
    ),
    (
        "tenants.Tenant",
        {"name": "Shop", "slug": "shop", "max_session_minutes": "61", "requests_per_minute": "0"},
        {"max_session_minutes", "requests_per_minute"},
    ),
    ("tenants.TenantSecret", {"name": "lower case", "value": "x"}, {"name"}),
    ("agents.Prompt", {"name": "Main", "identity": " ", "task": " "}, {"identity", "task"}),
    (
        "agents.Agent",
        {"name": "Helper", "language": "english", "model": "gpt-realtime", "voice": "marin"},
        {"language", "prompt"},
    ),
    (
        "httptools.HttpTool",
        {
            "name": "Bad Name",
            "description": "x",
            "base_url": "ftp://api.example.com",
            "path_template": "no-slash",
            "method": "GET",
            "effect": "read",
        },
        {"name", "base_url"},
    ),
]


@pytest.mark.parametrize(("model_label", "data", "fields"), BAD_INPUT, ids=[case[0] for case in BAD_INPUT])
def test_bad_input_shows_field_errors(
    superuser_client: Any, personas: Personas, model_label: str, data: dict[str, str], fields: set[str]
) -> None:
    model = next(model for model, _ in REGISTRY if model._meta.label == model_label)
    form_data = {**data}
    if "tenant" in {field.name for field in model._meta.fields}:
        form_data["tenant"] = str(personas.tenant_a.pk)

    response = superuser_client.post(url(model, "add"), form_data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert fields <= set(errors), errors
