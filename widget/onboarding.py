"""Onboarding a tenant: what the install page shows (snippets, origin checks, last seen) and the setup
checklist (what is still missing before visitors can talk to the agent, each with where to fix it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

from agents.models import Agent
from agents.selectors import widget_agent_for
from httptools.services import tools_allowed
from tenants.models import Channel, Tenant, WidgetKey
from tenants.selectors import tenants_visible_to
from tenants.validators import normalize_origin
from widget.sightings import Sighting, sightings_read


@dataclass
class OriginCheck:
    line: str
    origin: str | None  # normalised, or None when the line is not an origin
    problem: str = ""
    warning: str = ""
    last_seen: datetime | None = None


@dataclass
class KeySnippet:
    key: WidgetKey
    snippet: str
    last_seen: datetime | None = None
    seen_on: list[str] = field(default_factory=list)


@dataclass
class ChecklistItem:
    label: str
    done: bool
    detail: str
    fix_url: str
    fix_label: str


def platform_base_url() -> str:
    return str(settings.PUBLIC_BASE_URL).rstrip("/")


def install_snippet(key: WidgetKey) -> str:
    """The exact tag a site pastes before `</body>`."""
    # Plain text, not a SafeString: the page must show the tag, never run it (the template escapes it).
    return f'<script src="{escape(platform_base_url())}/widget.js" data-key="{escape(key.public_id)}" async></script>'


def _is_local(host: str) -> bool:
    return host in {"localhost", "127.0.0.1", "[::1]"} or host.endswith(".localhost")


def origin_checks(tenant: Tenant, sightings: list[Sighting]) -> list[OriginCheck]:
    """Each line of the allowlist, checked as the bootstrap will compare it, with when it was last seen."""
    checks = []
    for line in tenant.allowed_origins.splitlines():
        if not line.strip():
            continue
        try:
            origin = normalize_origin(line)
        except ValidationError as exc:
            checks.append(OriginCheck(line=line.strip(), origin=None, problem=" ".join(exc.messages)))
            continue
        check = OriginCheck(line=line.strip(), origin=origin)
        parts = urlsplit(origin)
        if parts.scheme == "http" and not _is_local(parts.netloc.rsplit(":", 1)[0]):
            check.warning = "Plain http: browsers only give the microphone to https pages (and localhost)."
        seen = [s.seen_at for s in sightings if s.origin == origin]
        check.last_seen = max(seen) if seen else None
        checks.append(check)
    return checks


def widget_keys(tenant: Tenant) -> list[WidgetKey]:
    return [key for key in tenant.widget_keys.filter(channel=Channel.WIDGET).order_by("created_at") if key.is_active]


def key_snippets(tenant: Tenant, sightings: list[Sighting]) -> list[KeySnippet]:
    snippets = []
    for key in widget_keys(tenant):
        seen = [s for s in sightings if s.key_id == key.pk]
        snippets.append(
            KeySnippet(
                key=key,
                snippet=install_snippet(key),
                last_seen=max((s.seen_at for s in seen), default=None),
                seen_on=sorted({s.origin for s in seen}),
            )
        )
    return snippets


def answering_agent(tenant: Tenant) -> Agent | None:
    """The agent a website visitor reaches on a key without an agent of its own."""
    return widget_agent_for(tenant_id=tenant.pk)


def identity_example(tenant: Tenant) -> SafeString | None:
    """The identity-verification example for the install page, when the tenant uses it (not built yet)."""
    return None


def _admin(name: str, *args: Any, query: dict[str, Any] | None = None) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _agent_items(tenant: Tenant, agent: Agent | None) -> list[ChecklistItem]:
    """The agent, its prompt and its tools: the three items that depend on which agent answers."""
    if agent is None:
        add_agent = _admin("agents_agent_add", query={"tenant": tenant.pk})
        return [
            ChecklistItem("An active agent", False, "No active agent answers visitors.", add_agent, "Add an agent"),
            ChecklistItem("Its prompt published", False, "Add an agent first.", add_agent, "Add an agent"),
            ChecklistItem("Every allowed tool tested", False, "Add an agent first.", add_agent, "Add an agent"),
        ]
    agent_page = _admin("agents_agent_change", agent.pk)
    prompt = agent.prompt
    published = prompt.published_version_id is not None
    tools = tools_allowed(agent=agent, channel=Channel.WIDGET)
    untested = [tool for tool in tools if tool.tested_version != tool.version]
    if not tools:
        tools_detail = "The agent has no tools on the website (nothing to test)."
    elif untested:
        tools_detail = "Not tested since their last change: " + ", ".join(tool.name for tool in untested)
    else:
        tools_detail = f"All {len(tools)} tested successfully since their last change."
    return [
        ChecklistItem("An active agent", True, f"Visitors talk to {agent.name}.", agent_page, "Open the agent"),
        ChecklistItem(
            "Its prompt published",
            published,
            f"{prompt.name} is live." if published else f"{prompt.name} has never been published.",
            _admin("agents_prompt_change", prompt.pk),
            "Publish the prompt",
        ),
        ChecklistItem(
            "Every allowed tool tested",
            not untested,
            tools_detail,
            _admin("httptools_httptool_test", untested[0].pk) if untested else agent_page,
            f"Test {untested[0].name}" if untested else "Open the agent",
        ),
    ]


def tenant_checklist(tenant: Tenant) -> list[ChecklistItem]:
    """Everything that must hold before a visitor on the tenant's site can talk to its agent, in setup order."""
    tenant_page = _admin("tenants_tenant_change", tenant.pk)
    origins = tenant.origins
    keys = widget_keys(tenant)
    live_keys = {key.pk for key in keys}
    seen = [s for s in sightings_read(tenant_id=tenant.pk) if s.origin in origins and s.key_id in live_keys]
    return [
        ChecklistItem(
            "Website origin set",
            bool(origins),
            ", ".join(origins) if origins else "No website may embed the widget yet.",
            tenant_page + "#id_allowed_origins",
            "Add the site's origin",
        ),
        ChecklistItem(
            "Widget key active",
            bool(keys),
            ", ".join(key.public_id for key in keys) if keys else "There is no active website widget key.",
            tenant_page + "#widget_keys-group",
            "Add a key",
        ),
        *_agent_items(tenant, answering_agent(tenant)),
        ChecklistItem(
            "Snippet seen live",
            bool(seen),
            f"Last seen on {seen[0].origin}." if seen else "No allowed website has loaded the widget yet.",
            _admin("tenants_tenant_install", tenant.pk),
            "Install the widget",
        ),
    ]


def tenants_setup(user: Any, *, limit: int = 50) -> list[tuple[Tenant, list[ChecklistItem]]]:
    """The active tenants this user may see, each with its missing checklist items (not ready first)."""
    tenants: QuerySet[Tenant] = tenants_visible_to(user).filter(active=True).order_by("name")
    rows = [(tenant, [item for item in tenant_checklist(tenant) if not item.done]) for tenant in tenants[:limit]]
    return sorted(rows, key=lambda row: not row[1])  # stable: not ready first, then by name


def tenants_not_ready(user: Any) -> list[tuple[Tenant, list[ChecklistItem]]]:
    """The active tenants this user may see whose checklist is not complete, with what is missing."""
    return [row for row in tenants_setup(user, limit=200) if row[1]]
