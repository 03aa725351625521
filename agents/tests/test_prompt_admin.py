"""The prompt's admin page: Save and publish, the diff against the published version, the preview of the
exact instructions, the "unpublished changes" marker, and one line ending."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agents.models import Agent, Prompt
from agents.plans import session_plan_build
from tests.support.factories import Personas, make_agent, make_prompt, make_tenant, make_tool, make_user

pytestmark = pytest.mark.django_db


def change_url(prompt: Prompt) -> str:
    return reverse("admin:agents_prompt_change", args=[prompt.pk])


def preview_url(prompt: Prompt) -> str:
    return reverse("admin:agents_prompt_preview", args=[prompt.pk])


def form_data(prompt: Prompt, **changes: str) -> dict[str, str]:
    data = {
        "tenant": str(prompt.tenant_id),
        "name": prompt.name,
        "identity": prompt.identity,
        "task": prompt.task,
        "tone": prompt.tone,
        "rules": prompt.rules,
        "examples": prompt.examples,
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(make_user(superuser=True))
    return client


def test_save_and_publish_makes_the_draft_live_in_one_click(admin_client: Client) -> None:
    prompt = make_prompt(make_tenant(), task="Help visitors find shoes.")

    response = admin_client.post(change_url(prompt), form_data(prompt, task="Help visitors find boots.", _publish="1"))

    assert response.status_code == 302
    prompt.refresh_from_db()
    assert prompt.published_version.number == 2
    assert prompt.published_version.task == "Help visitors find boots."


def test_plain_save_keeps_the_live_version_and_the_page_shows_the_diff(admin_client: Client) -> None:
    prompt = make_prompt(make_tenant(), task="Help visitors find shoes.")

    admin_client.post(change_url(prompt), form_data(prompt, task="Help visitors find boots."))

    prompt.refresh_from_db()
    assert prompt.published_version.number == 1
    page = admin_client.get(change_url(prompt)).content.decode()
    assert "Unpublished changes: the draft against v1" in page
    assert '<span class="va-diff-removed">-Help visitors find shoes.</span>' in page
    assert '<span class="va-diff-added">+Help visitors find boots.</span>' in page
    listing = admin_client.get(reverse("admin:agents_prompt_changelist")).content.decode()
    assert "v1 · unpublished changes" in listing


def test_line_endings_are_normalised_so_a_resave_is_not_a_change(admin_client: Client) -> None:
    prompt = make_prompt(make_tenant(), rules="Be brief.\nNever guess prices.")

    admin_client.post(change_url(prompt), form_data(prompt, rules="Be brief.\r\nNever guess prices.\r\n"))

    prompt.refresh_from_db()
    assert "\r" not in prompt.rules
    listing = admin_client.get(reverse("admin:agents_prompt_changelist")).content.decode()
    assert "unpublished changes" not in listing
    assert "The draft is what is live (v1)" in admin_client.get(change_url(prompt)).content.decode()


def test_the_preview_shows_the_instructions_the_session_planner_builds(admin_client: Client) -> None:
    tenant = make_tenant()
    agent = make_agent(tenant, escalation_contact="help@shop.example.com")
    make_tool(tenant, agent=agent, name="find_boots", description="Find boots by size.", on_console=False)
    prompt = agent.prompt
    prompt.task = "Sell boots, a draft."
    prompt.save()

    draft = admin_client.get(preview_url(prompt), {"agent": agent.pk, "channel": "widget", "version": "draft"})
    published = admin_client.get(preview_url(prompt), {"agent": agent.pk, "channel": "widget", "version": "published"})
    console = admin_client.get(preview_url(prompt), {"agent": agent.pk, "channel": "console", "version": "published"})

    live = session_plan_build(agent=agent, channel="widget").realtime_config["instructions"]
    assert published.context["instructions"] == live  # the very text a session sends, not a copy of the rules
    assert "Sell boots, a draft." in draft.context["instructions"]
    assert "Sell boots, a draft." not in live
    assert "find_boots" in draft.context["instructions"] and "help@shop.example.com" in live
    assert "find_boots" not in console.context["instructions"]  # the tool is not allowed on the console
    assert '<pre class="va-instructions"' in draft.content.decode()


def test_a_prompt_without_an_agent_says_what_to_add(admin_client: Client) -> None:
    prompt = make_prompt(make_tenant(name="Acme"))

    page = admin_client.get(preview_url(prompt)).content.decode()

    assert "Acme has no agent yet" in page


@pytest.mark.parametrize("side", ["a", "b"])
def test_an_operator_cannot_preview_another_tenants_prompt(client: Client, personas: Personas, side: str) -> None:
    own, other = ("a", "b") if side == "a" else ("b", "a")
    client.force_login(personas.staff_a if side == "a" else personas.staff_b)
    own_prompt, other_prompt = personas.rows[own][Prompt], personas.rows[other][Prompt]

    assert client.get(preview_url(own_prompt)).status_code == 200
    response = client.get(preview_url(other_prompt))
    assert response.status_code == 404
    assert other_prompt.identity not in response.content.decode()


def test_the_preview_offers_only_the_prompts_own_tenants_agents(admin_client: Client, personas: Personas) -> None:
    prompt = personas.rows["a"][Prompt]
    other_agent = personas.rows["b"][Agent]

    response = admin_client.get(preview_url(prompt), {"agent": other_agent.pk, "channel": "widget"})

    assert response.context["form"].errors
    assert other_agent.name not in response.content.decode()
    assert response.context["instructions"] == ""


def test_an_empty_preview_form_does_not_crash(admin_client: Client) -> None:
    prompt = make_prompt(make_tenant())
    agent: Any = make_agent(prompt.tenant, prompt=prompt)

    response = admin_client.get(preview_url(prompt), {"agent": "nope", "channel": "radio"})

    assert response.status_code == 200
    assert agent.name in response.content.decode()
