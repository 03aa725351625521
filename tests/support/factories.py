"""The one vocabulary for test data: factories for every configuration model and a live-session record, and
the tenant personas.

Factories are plain functions (`make_tenant(...)`, `make_agent(tenant)`, ...) that save a valid row with
defaults a test overrides by keyword, so each test says only what it cares about and no test depends on
another's rows. They need the database, so a test using them is marked `django_db`. The `personas` fixture is
registered for every app's tests by the root conftest.
"""

from __future__ import annotations

import importlib
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from agents.models import Agent, AgentTool, Prompt, PromptVersion
from agents.services import prompt_publish
from config import mongo
from httptools.models import HttpTool
from tenants.models import Tenant, TenantSecret, WidgetKey
from usage import store as usage_store

PASSWORD = "a-long-test-password-1"
_sequence = itertools.count(1)


def make_tenant(**fields: Any) -> Tenant:
    number = next(_sequence)
    fields.setdefault("slug", f"tenant-{number}")
    fields.setdefault("name", f"Tenant {number}")
    fields.setdefault("allowed_origins", f"https://shop{number}.example.com")
    return Tenant.objects.create(**fields)


def make_key(tenant: Tenant, **fields: Any) -> WidgetKey:
    return WidgetKey.objects.create(tenant=tenant, **fields)


def make_prompt(tenant: Tenant, *, publish: bool = True, **fields: Any) -> Prompt:
    fields.setdefault("name", f"Prompt {next(_sequence)}")
    fields.setdefault("identity", "You are the shop's assistant.")
    fields.setdefault("task", "Help visitors find products.")
    prompt = Prompt.objects.create(tenant=tenant, **fields)
    if publish:
        prompt_publish(prompt=prompt)
    return prompt


def make_catalogue() -> None:
    """The seeded model catalogue, again: a transactional test empties every table, the migration's rows too."""
    importlib.import_module("usage.migrations.0004_catalogue_rows").add_rows(apps, None)


def make_agent(tenant: Tenant, **fields: Any) -> Agent:
    """An active agent with a published prompt of its own tenant."""
    fields.setdefault("name", f"Agent {next(_sequence)}")
    if "prompt" not in fields:
        fields["prompt"] = make_prompt(tenant)
    return Agent.objects.create(tenant=tenant, **fields)


def tool_data(**overrides: Any) -> dict[str, Any]:
    """The fields of a valid read descriptor: search a catalog by a `query` argument, map `results`."""
    return {
        "name": "search_products",
        "description": "Search the catalog.",
        "method": "GET",
        "base_url": "https://api.example.com",
        "path_template": "/products",
        "query_params": {"q": "{query}"},
        "headers": {},
        "body_template": None,
        "arguments_schema": {
            "type": "object",
            "properties": {"query": {"type": "string"}},
            "additionalProperties": False,
        },
        "constants": {},
        "effect": "read",
        "response_mapping": {"items": "results", "fields": ["name", "price"], "max_items": 3},
        "visual": "",
        "visual_props": {},
        "enabled": True,
        **overrides,
    }


def build_tool(base_url: str = "https://api.example.com", *, tenant: Tenant | None = None, **fields: Any) -> HttpTool:
    """An unsaved descriptor (of tenant 1 unless one is given): what the executor and generation tests run."""
    owner: dict[str, Any] = {"tenant": tenant} if tenant else {"tenant_id": fields.pop("tenant_id", 1)}
    limits = {"timeout_seconds": 3.0, "max_response_bytes": 256_000}
    return HttpTool(**owner, **tool_data(base_url=base_url, **{**limits, **fields}))


def make_tool(
    tenant: Tenant, *, agent: Agent | None = None, on_widget: bool = True, on_console: bool = True, **fields: Any
) -> HttpTool:
    """A saved descriptor; given an `agent`, also allowed to it on the chosen channels."""
    fields.setdefault("name", f"search_{next(_sequence)}")
    tool = HttpTool.objects.create(tenant=tenant, **tool_data(**fields))
    if agent is not None:
        AgentTool.objects.create(agent=agent, tool=tool, on_widget=on_widget, on_console=on_console)
    return tool


def make_secret(tenant: Tenant, *, name: str = "API_KEY", value: str = "s3cret-value") -> TenantSecret:
    secret = TenantSecret(tenant=tenant, name=name)
    secret.set_value(value)
    secret.save()
    return secret


def make_user(
    *, superuser: bool = False, staff: bool = False, staff_of: list[Tenant] | None = None, **fields: Any
) -> Any:
    """A user; `staff_of=[tenant, ...]` makes a staff operator of those tenants with every model permission."""
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


def make_live_session(*, tenant_id: int, session_id: str, last_seen_seconds_ago: float = 0) -> None:
    """A `realtime_sessions` record of a live session, last seen that long ago (a crashed one, if long)."""
    usage_store.session_start(
        tenant_id=tenant_id,
        channel="widget",
        session_id=session_id,
        agent_id=1,
        agent_name="A",
        model="gpt-realtime",
        key_id=1,
        simulator=True,
    )
    last_seen = datetime.now(UTC) - timedelta(seconds=last_seen_seconds_ago)
    mongo.collection(usage_store.SESSIONS).update_one({"_id": session_id}, {"$set": {"lastSeenAt": last_seen}})


@dataclass
class Personas:
    """Two tenants with one row of every tenant-owned model each, an operator of each, and the other kinds of user."""

    tenant_a: Tenant
    tenant_b: Tenant
    superuser: Any
    staff_a: Any  # staff, operator of tenant A only
    staff_b: Any  # staff, operator of tenant B only
    staff_none: Any  # staff with permissions but no tenant
    visitor: Any  # not staff
    rows: dict[str, dict[type, Any]]  # "a"/"b" -> model -> one row of that tenant


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def personas(db: None) -> Personas:
    tenant_a = make_tenant(name="Alpha Shop", slug="alpha")
    tenant_b = make_tenant(name="Beta Events", slug="beta")
    rows: dict[str, dict[type, Any]] = {}
    for key, tenant in (("a", tenant_a), ("b", tenant_b)):
        prompt = make_prompt(tenant, name=f"{tenant.name} prompt")
        agent = make_agent(tenant, name=f"{tenant.name} agent", prompt=prompt)
        tool = make_tool(tenant, name=f"lookup_{key}")
        rows[key] = {
            Tenant: tenant,
            WidgetKey: make_key(tenant, label=f"{tenant.name} site"),
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
        staff_b=make_user(staff_of=[tenant_b], username="bob"),
        staff_none=staff_none,
        visitor=make_user(username="visitor"),
        rows=rows,
    )
