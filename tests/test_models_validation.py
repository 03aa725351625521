"""The clean() rules of tenant and agent models: what admin forms accept, normalise and refuse."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from agents.models import Agent, AgentTool, Prompt, PromptVersion
from agents.services import prompt_publish
from tenants.models import Tenant, TenantSecret, WidgetKey
from tests.support.factories import make_agent, make_prompt, make_secret, make_tenant, make_tool

pytestmark = pytest.mark.django_db


def errors_of(instance: Any) -> dict[str, list[str]]:
    try:
        instance.full_clean()
    except ValidationError as exc:
        return dict(exc.message_dict)
    return {}


def valid_tenant(**fields: Any) -> Tenant:
    fields.setdefault("slug", "shop")
    fields.setdefault("name", "Shop")
    return Tenant(**fields)


# ----- Tenant: origins --------------------------------------------------------------------------------------


def test_it_normalises_origins_one_per_line() -> None:
    tenant = valid_tenant(
        allowed_origins="HTTPS://Shop.Example.COM:443/\n\n  http://localhost:8000  \nhttps://shop.example.com\n"
        "http://[::1]:8080\nhttp://example.org:80"
    )

    assert errors_of(tenant) == {}
    assert tenant.allowed_origins.splitlines() == [
        "https://shop.example.com",
        "http://localhost:8000",
        "http://[::1]:8080",
        "http://example.org",
    ]
    assert tenant.origins == tenant.allowed_origins.splitlines()


def test_it_accepts_no_origins_at_all() -> None:
    tenant = valid_tenant(allowed_origins="")

    assert errors_of(tenant) == {}
    assert tenant.origins == []


@pytest.mark.parametrize(
    "origin",
    [
        "ftp://shop.example.com",
        "shop.example.com",
        "https://",
        "https://shop.example.com/path",
        "https://shop.example.com?q=1",
        "https://shop.example.com#top",
        "https://user:pass@shop.example.com",
        "https://*.example.com",
        "https://shop.example.com:99999",
        "javascript:alert(1)",
    ],
)
def test_it_rejects_what_is_not_an_origin(origin: str) -> None:
    tenant = valid_tenant(allowed_origins=f"https://ok.example.com\n{origin}")

    errors = errors_of(tenant)

    assert list(errors) == ["allowed_origins"]
    assert len(errors["allowed_origins"]) == 1


def test_it_names_every_bad_origin_line() -> None:
    errors = errors_of(valid_tenant(allowed_origins="https://a.example.com/x\nftp://b.example.com"))

    assert len(errors["allowed_origins"]) == 2
    assert "a.example.com/x" in errors["allowed_origins"][0]
    assert "ftp://b.example.com" in errors["allowed_origins"][1]


# ----- Tenant: branding and limits --------------------------------------------------------------------------


@pytest.mark.parametrize("colour", ["#A1b2C3", "#000000", "#ffffff"])
def test_it_accepts_a_hex_brand_colour(colour: str) -> None:
    assert errors_of(valid_tenant(brand_color=colour)) == {}


@pytest.mark.parametrize("colour", ["blue", "#12345", "#1234567", "#GGGGGG", "123456", ""])
def test_it_rejects_a_brand_colour_that_is_not_hex(colour: str) -> None:
    assert "brand_color" in errors_of(valid_tenant(brand_color=colour))


LIMITS = [
    # field, lowest allowed, highest allowed (None: unbounded above)
    ("requests_per_minute", 1, 10_000),
    ("key_requests_per_minute", 1, 100_000),
    ("tenant_requests_per_minute", 1, 100_000),
    ("budget_step_down_percent", 50, 99),
    ("max_concurrent_sessions", 1, 10_000),
    ("max_session_minutes", 1, 60),
    ("idle_timeout_seconds", 10, 3600),
    ("transcript_retention_days", 1, 3650),
]


@pytest.mark.parametrize(("field", "lowest", "highest"), LIMITS)
def test_it_accepts_limits_on_their_bounds(field: str, lowest: int, highest: int) -> None:
    assert errors_of(valid_tenant(**{field: lowest})) == {}
    assert errors_of(valid_tenant(**{field: highest})) == {}


@pytest.mark.parametrize(("field", "lowest", "highest"), LIMITS)
def test_it_rejects_limits_outside_their_bounds(field: str, lowest: int, highest: int) -> None:
    assert list(errors_of(valid_tenant(**{field: lowest - 1}))) == [field]
    assert list(errors_of(valid_tenant(**{field: highest + 1}))) == [field]


def test_it_rejects_a_negative_daily_budget_and_allows_zero() -> None:
    assert list(errors_of(valid_tenant(daily_budget_usd=Decimal("-0.01")))) == ["daily_budget_usd"]
    assert errors_of(valid_tenant(daily_budget_usd=Decimal("0"))) == {}


# ----- Widget keys and secrets -------------------------------------------------------------------------------


def test_a_new_widget_key_gets_a_valid_public_id() -> None:
    key = WidgetKey(tenant=make_tenant())

    assert key.public_id.startswith("pk_")
    assert errors_of(key) == {}
    assert key.is_active


@pytest.mark.parametrize("public_id", ["abc", "pk_", "pk_ab!cd", "sk_abcdefgh"])
def test_it_rejects_a_malformed_public_id(public_id: str) -> None:
    assert "public_id" in errors_of(WidgetKey(tenant=make_tenant(), public_id=public_id))


@pytest.mark.parametrize("name", ["API_KEY", "AB", "X1_Y2", "A" * 64])
def test_it_accepts_upper_snake_case_secret_names(name: str) -> None:
    secret = TenantSecret(tenant=make_tenant(), name=name)
    secret.set_value("value")

    assert errors_of(secret) == {}


@pytest.mark.parametrize("name", ["api_key", "A", "1KEY", "_KEY", "KEY-1", "KEY 1", "A" * 65, ""])
def test_it_rejects_other_secret_names(name: str) -> None:
    secret = TenantSecret(tenant=make_tenant(), name=name)
    secret.set_value("value")

    assert "name" in errors_of(secret)


def test_it_refuses_an_empty_secret_value() -> None:
    secret = TenantSecret(tenant=make_tenant(), name="API_KEY")

    with pytest.raises(ValidationError):
        secret.set_value("")


def test_it_refuses_a_second_secret_with_the_same_name() -> None:
    tenant = make_tenant()
    make_secret(tenant, name="API_KEY")
    duplicate = TenantSecret(tenant=tenant, name="API_KEY")
    duplicate.set_value("other")

    assert errors_of(duplicate)


# ----- Prompts and their versions ----------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["identity", "task"])
def test_a_prompt_needs_an_identity_and_a_task(missing: str) -> None:
    prompt = Prompt(tenant=make_tenant(), name="Main", identity="You are the shop.", task="Sell.")
    setattr(prompt, missing, "   ")

    errors = errors_of(prompt)

    assert errors, "a blank identity or task must be refused"
    assert "identity and a task" in " ".join(message for messages in errors.values() for message in messages)


def test_publishing_creates_a_new_version_and_never_edits_the_old() -> None:
    prompt = make_prompt(make_tenant(), publish=False, task="Sell shoes.")
    first = prompt_publish(prompt=prompt)
    prompt.task = "Sell boots."
    prompt.save()

    second = prompt_publish(prompt=prompt)

    first.refresh_from_db()
    prompt.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert first.task == "Sell shoes."
    assert second.task == "Sell boots."
    assert prompt.published_version == second
    assert "Sell boots." in second.render()


def test_a_saved_version_cannot_be_edited() -> None:
    version = make_prompt(make_tenant()).published_version
    assert version is not None
    version.task = "Something else."

    with pytest.raises(ValidationError):
        version.save()

    version.refresh_from_db()
    assert version.task != "Something else."


def test_publishing_an_unchanged_draft_reuses_the_current_version() -> None:
    prompt = make_prompt(make_tenant())
    current = prompt.published_version

    again = prompt_publish(prompt=prompt)

    assert again == current
    assert PromptVersion.objects.filter(prompt=prompt).count() == 1


# ----- Agents and their tools --------------------------------------------------------------------------------


def test_an_agent_with_its_tenants_published_prompt_is_valid() -> None:
    tenant = make_tenant()
    agent = Agent(tenant=tenant, name="Helper", prompt=make_prompt(tenant), language="EN")

    assert errors_of(agent) == {}
    assert agent.language == "en"


def test_an_agent_cannot_use_another_tenants_prompt() -> None:
    agent = Agent(tenant=make_tenant(), name="Helper", prompt=make_prompt(make_tenant()))

    assert "another tenant" in " ".join(errors_of(agent)["prompt"])


def test_an_agent_cannot_use_an_unpublished_prompt() -> None:
    tenant = make_tenant()
    agent = Agent(tenant=tenant, name="Helper", prompt=make_prompt(tenant, publish=False))

    assert "Publish" in " ".join(errors_of(agent)["prompt"])


@pytest.mark.parametrize("language", ["en", "de", "deu", "ES"])
def test_it_accepts_iso_639_language_codes(language: str) -> None:
    tenant = make_tenant()
    agent = Agent(tenant=tenant, name="Helper", prompt=make_prompt(tenant), language=language)

    assert errors_of(agent) == {}
    assert agent.language == language.lower()


@pytest.mark.parametrize("language", ["e", "english", "e1", "en-US", "", "e n"])
def test_it_rejects_other_language_codes(language: str) -> None:
    tenant = make_tenant()
    agent = Agent(tenant=tenant, name="Helper", prompt=make_prompt(tenant), language=language)

    assert "language" in errors_of(agent)


def test_an_agent_tool_of_the_same_tenant_is_valid() -> None:
    tenant = make_tenant()

    assert errors_of(AgentTool(agent=make_agent(tenant), tool=make_tool(tenant))) == {}


def test_an_agent_cannot_be_given_another_tenants_tool() -> None:
    link = AgentTool(agent=make_agent(make_tenant()), tool=make_tool(make_tenant()))

    assert "another tenant" in " ".join(errors_of(link)["tool"])
