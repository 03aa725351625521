"""Tenant personas for cross-app tests: two tenants, a staff operator of one, a superuser and a non-staff user.

Everything is built by factories (`make_tenant(...)`, `make_user(...)`, ...), so each test says what it needs
and no test depends on another's rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from agents.models import Agent, AgentTool, Prompt, PromptVersion
from agents.services import prompt_publish
from httptools.models import HttpTool
from tenants.models import Tenant, TenantSecret, WidgetKey

PASSWORD = "a-long-test-password-1"
_sequence = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_tenant(db: None) -> Callable[..., Tenant]:
    def make(**fields: Any) -> Tenant:
        number = next(_sequence)
        fields.setdefault("slug", f"tenant-{number}")
        fields.setdefault("name", f"Tenant {number}")
        fields.setdefault("allowed_origins", f"https://shop{number}.example.com")
        return Tenant.objects.create(**fields)

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """A user; `staff_of=[tenant, ...]` makes a staff operator of those tenants with every model permission."""

    def make(
        *, superuser: bool = False, staff: bool = False, staff_of: list[Tenant] | None = None, **fields: Any
    ) -> Any:
        user_model = get_user_model()
        fields.setdefault("username", f"user{next(_sequence)}")
        if superuser:
            return user_model.objects.create_superuser(password=PASSWORD, email="", **fields)
        user = user_model.objects.create_user(password=PASSWORD, is_staff=staff or bool(staff_of), **fields)
        if staff_of:
            user.user_permissions.set(
                Permission.objects.filter(content_type__app_label__in=["tenants", "agents", "httptools", "usage"])
            )
            for tenant in staff_of:
                tenant.operators.add(user)
        return user

    return make


@pytest.fixture
def make_prompt(db: None) -> Callable[..., Prompt]:
    def make(tenant: Tenant, *, publish: bool = True, **fields: Any) -> Prompt:
        fields.setdefault("name", f"Prompt {next(_sequence)}")
        fields.setdefault("identity", "You are the shop's assistant.")
        fields.setdefault("task", "Help visitors find products.")
        prompt = Prompt.objects.create(tenant=tenant, **fields)
        if publish:
            prompt_publish(prompt=prompt)
        return prompt

    return make


@pytest.fixture
def make_agent(make_prompt: Callable[..., Prompt]) -> Callable[..., Agent]:
    def make(tenant: Tenant, **fields: Any) -> Agent:
        fields.setdefault("name", f"Agent {next(_sequence)}")
        if "prompt" not in fields:
            fields["prompt"] = make_prompt(tenant)
        return Agent.objects.create(tenant=tenant, **fields)

    return make


@pytest.fixture
def make_tool(db: None) -> Callable[..., HttpTool]:
    def make(tenant: Tenant, **fields: Any) -> HttpTool:
        fields.setdefault("name", f"search_{next(_sequence)}")
        fields.setdefault("description", "Search the catalog.")
        fields.setdefault("base_url", "https://api.example.com")
        fields.setdefault("path_template", "/search")
        return HttpTool.objects.create(tenant=tenant, **fields)

    return make


@pytest.fixture
def make_secret(db: None) -> Callable[..., TenantSecret]:
    def make(tenant: Tenant, *, name: str = "API_KEY", value: str = "s3cret-value") -> TenantSecret:
        secret = TenantSecret(tenant=tenant, name=name)
        secret.set_value(value)
        secret.save()
        return secret

    return make


@dataclass
class Personas:
    """Two tenants with one row of every tenant-owned model each, and the four kinds of user."""

    tenant_a: Tenant
    tenant_b: Tenant
    superuser: Any
    staff_a: Any  # staff, operator of tenant A only
    staff_none: Any  # staff with permissions but no tenant
    visitor: Any  # not staff
    rows: dict[str, dict[type, Any]]  # "a"/"b" -> model -> one row of that tenant


@pytest.fixture
def personas(
    make_tenant: Callable[..., Tenant],
    make_user: Callable[..., Any],
    make_agent: Callable[..., Agent],
    make_tool: Callable[..., HttpTool],
    make_secret: Callable[..., TenantSecret],
) -> Personas:
    tenant_a = make_tenant(name="Alpha Shop", slug="alpha")
    tenant_b = make_tenant(name="Beta Events", slug="beta")
    rows: dict[str, dict[type, Any]] = {}
    for key, tenant in (("a", tenant_a), ("b", tenant_b)):
        agent = make_agent(tenant, name=f"{tenant.name} agent")
        tool = make_tool(tenant, name=f"lookup_{key}")
        rows[key] = {
            Tenant: tenant,
            WidgetKey: WidgetKey.objects.create(tenant=tenant, label=f"{tenant.name} site"),
            TenantSecret: make_secret(tenant, name=f"KEY_{key.upper()}"),
            Prompt: agent.prompt,
            PromptVersion: agent.prompt.published_version,
            Agent: agent,
            HttpTool: tool,
            AgentTool: AgentTool.objects.create(agent=agent, tool=tool),
        }
    staff_none = make_user(staff=True)
    staff_none.user_permissions.set(Permission.objects.all())
    return Personas(
        tenant_a=tenant_a,
        tenant_b=tenant_b,
        superuser=make_user(superuser=True, username="root"),
        staff_a=make_user(staff_of=[tenant_a], username="alice"),
        staff_none=staff_none,
        visitor=make_user(username="visitor"),
        rows=rows,
    )
