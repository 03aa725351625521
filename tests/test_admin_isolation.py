"""An operator of one tenant sees nothing of another anywhere in admin: not in a changelist (rows, "By tenant"
filters, search), an add or change page (form choices, initial values pointing at another tenant's rows),
a model admin's own pages, nor an autocomplete answer.

Pages are walked from `admin.site._registry` and each admin's own URL patterns, so a newly registered admin,
inline or custom page is covered without editing this file.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.db.models import ForeignKey, ManyToManyField, Model
from django.test import RequestFactory
from django.urls import URLPattern, reverse

from agents.models import Agent, AgentTool, Prompt
from httptools.models import HttpTool
from tenants.admin_scoping import TenantScopedAdmin, TenantScopedFields, tenant_path_of
from tenants.models import Tenant, TenantSecret, WidgetKey
from tests.support.factories import Personas, make_prompt, make_tenant, make_tool, make_user

pytestmark = pytest.mark.django_db

REGISTRY: list[tuple[type[Model], Any]] = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
REGISTRY_IDS = [model._meta.label for model, _ in REGISTRY]
SIDES = {"a": "b", "b": "a"}


def markers(personas: Personas, side: str) -> list[str]:
    """Texts that only a page showing something of that side's tenant would contain."""
    rows = personas.rows[side]
    return [
        rows[Tenant].name,
        rows[HttpTool].name,
        rows[TenantSecret].name,
        rows[WidgetKey].public_id,
        rows[Prompt].name,
        rows[Agent].name,
    ]


def leaks(text: str, personas: Personas, side: str) -> list[str]:
    return [marker for marker in markers(personas, side) if marker in text]


def operator(personas: Personas, side: str) -> Any:
    return personas.staff_a if side == "a" else personas.staff_b


def own_row(model: type[Model], personas: Personas, side: str) -> Model | None:
    if model in personas.rows[side]:
        return personas.rows[side][model]
    if tenant_path_of(model) is not None:
        pytest.fail(f"no {model._meta.label} row of tenant {side}: add one to the personas fixture")
    return model._default_manager.first()


def inlines_of(model_admin: Any) -> list[Any]:
    request = RequestFactory().get("/admin/")
    request.user = make_user(superuser=True)
    return [inline for inline in model_admin.get_inline_instances(request)]


def autocomplete_sources(model: type[Model], model_admin: Any) -> list[tuple[type[Model], str]]:
    """(source model, field) of every autocomplete widget on the admin's form and its inlines."""
    sources = [(model, name) for name in model_admin.autocomplete_fields]
    for inline in inlines_of(model_admin):
        sources += [(inline.model, name) for name in inline.autocomplete_fields]
    return sources


def own_pages(model: type[Model], model_admin: Any, row: Model | None) -> list[str]:
    """The admin's standard pages and every page of its own URL patterns (an object's pages for `row`)."""
    info = model._meta.app_label, model._meta.model_name
    pages = [reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_add".format(*info))]
    if row is not None:
        pages += [
            reverse("admin:{}_{}_change".format(*info), args=[row.pk]),
            reverse("admin:{}_{}_history".format(*info), args=[row.pk]),
            reverse("admin:{}_{}_delete".format(*info), args=[row.pk]),
        ]
    for pattern in model_admin.get_urls():
        if (
            not isinstance(pattern, URLPattern)
            or not pattern.name
            or pattern.name.endswith(("_changelist", "_add", "_change", "_history", "_delete"))
        ):
            continue
        arguments = pattern.pattern.converters
        if not arguments:
            pages.append(reverse(f"admin:{pattern.name}"))
        elif set(arguments) == {"object_id"} and row is not None:
            pages.append(reverse(f"admin:{pattern.name}", args=[row.pk]))
    return pages


@pytest.mark.parametrize("side", ["a", "b"])
@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_an_operator_sees_nothing_of_the_other_tenant_on_any_page(
    client: Any, personas: Personas, model: type[Model], model_admin: Any, side: str
) -> None:
    client.force_login(operator(personas, side))
    row = own_row(model, personas, side)

    for page in own_pages(model, model_admin, row):
        response = client.get(page)
        assert response.status_code in (200, 302, 403), (page, response.status_code)
        assert not leaks(response.content.decode(), personas, SIDES[side]), page


@pytest.mark.parametrize("side", ["a", "b"])
def test_an_operator_sees_nothing_of_the_other_tenant_on_the_index_pages(
    client: Any, personas: Personas, side: str
) -> None:
    client.force_login(operator(personas, side))
    labels = sorted({model._meta.app_label for model, _ in REGISTRY})

    for page in [reverse("admin:index"), *(reverse("admin:app_list", args=[label]) for label in labels)]:
        response = client.get(page)
        assert response.status_code in (200, 404), page  # 404: an app the operator has no permission in
        assert not leaks(response.content.decode(), personas, SIDES[side]), page


@pytest.mark.parametrize("side", ["a", "b"])
@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_initial_values_pointing_at_the_other_tenant_show_nothing_of_it(
    client: Any, personas: Personas, model: type[Model], model_admin: Any, side: str
) -> None:
    """`?field=<id>` on an add page (how raw-id and popup lookups fill a form) never renders another tenant's row."""
    client.force_login(operator(personas, side))
    other = personas.rows[SIDES[side]]
    initial = {
        field.name: other[field.related_model].pk
        for field in model._meta.get_fields()
        if isinstance(field, ForeignKey | ManyToManyField) and field.related_model in other
    }
    if not initial:
        return

    response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"), initial)

    assert not leaks(response.content.decode(), personas, SIDES[side])


@pytest.mark.parametrize("side", ["a", "b"])
@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_autocomplete_answers_only_with_the_operators_tenants(
    client: Any, personas: Personas, model: type[Model], model_admin: Any, side: str
) -> None:
    client.force_login(operator(personas, side))
    for source, field_name in autocomplete_sources(model, model_admin):
        for extra in ({}, {"tenant": personas.rows[SIDES[side]][Tenant].pk}):
            response = client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": source._meta.app_label,
                    "model_name": source._meta.model_name,
                    "field_name": field_name,
                    "term": "",
                    **extra,
                },
            )
            assert response.status_code == 200
            assert not leaks(response.content.decode(), personas, SIDES[side]), (source, field_name, extra)


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_every_admin_of_tenant_data_and_its_inlines_are_scoped(model: type[Model], model_admin: Any) -> None:
    """New admins of tenant-owned models get the scoping by deriving from the shared classes."""
    if tenant_path_of(model) is not None:
        assert isinstance(model_admin, TenantScopedAdmin), f"{type(model_admin).__name__}: derive TenantScopedAdmin"
    for inline in inlines_of(model_admin):
        if tenant_path_of(inline.model) is not None:
            assert isinstance(inline, InlineModelAdmin | TenantScopedFields)
            assert isinstance(inline, TenantScopedFields), f"{type(inline).__name__}: derive a TenantScoped inline"


@pytest.fixture
def two_tenant_operator(personas: Personas) -> Any:
    """An operator of tenant A and of a third tenant C, each with a prompt and a tool."""
    tenant_c = make_tenant(name="Gamma Travel")
    make_prompt(tenant_c, name="Gamma prompt")
    make_tool(tenant_c, name="lookup_c")
    user = make_user(staff_of=[personas.tenant_a, tenant_c])
    return user, tenant_c


def test_the_agent_form_offers_only_the_agents_tenants_prompts_and_tools_each_with_its_tenant(
    client: Any, personas: Personas, two_tenant_operator: Any
) -> None:
    user, _ = two_tenant_operator
    client.force_login(user)
    agent = personas.rows["a"][Agent]

    response = client.get(reverse("admin:agents_agent_change", args=[agent.pk]))

    form = response.context["adminform"].form
    prompts = {label for value, label in form.fields["prompt"].choices if value}
    assert prompts == {"Alpha Shop prompt (Alpha Shop)"}
    inline_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    tools = {label for value, label in inline_form.fields["tool"].choices if value}
    assert tools == {"lookup_a (Alpha Shop)"}


@pytest.mark.parametrize(
    ("field_name", "source", "expected"),
    [
        ("prompt", Agent, ["Alpha Shop prompt (Alpha Shop)"]),
        ("tool", AgentTool, ["lookup_a (Alpha Shop)"]),
    ],
)
def test_autocomplete_narrows_to_the_tenant_chosen_on_the_form(
    client: Any,
    personas: Personas,
    two_tenant_operator: Any,
    field_name: str,
    source: type[Model],
    expected: list[str],
) -> None:
    user, _ = two_tenant_operator
    client.force_login(user)
    query = {"app_label": source._meta.app_label, "model_name": source._meta.model_name, "field_name": field_name}

    both = json.loads(client.get(reverse("admin:autocomplete"), {**query, "term": ""}).content)["results"]
    chosen = json.loads(
        client.get(reverse("admin:autocomplete"), {**query, "term": "", "tenant": personas.tenant_a.pk}).content
    )["results"]

    assert {"Alpha Shop", "Gamma Travel"} <= {
        text.rsplit("(", 1)[1].rstrip(")") for text in (item["text"] for item in both)
    }
    assert [item["text"] for item in chosen] == expected


def test_a_form_posted_with_another_tenants_prompt_is_refused(client: Any, personas: Personas) -> None:
    client.force_login(personas.staff_a)
    agent = personas.rows["a"][Agent]

    response = client.post(
        reverse("admin:agents_agent_change", args=[agent.pk]),
        {
            "tenant": personas.tenant_a.pk,
            "name": agent.name,
            "active": "on",
            "model": agent.model,
            "voice": agent.voice,
            "language": "en",
            "prompt": personas.rows["b"][Prompt].pk,
            "fallback_message": "x",
            "agent_tools-TOTAL_FORMS": "0",
            "agent_tools-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "prompt" in response.context["adminform"].form.errors
