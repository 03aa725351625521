"""The demo tenants (ProductCo, EventCo, Cypress), their agents and tools, the demo content and a staff login.

What each tenant is lives in `demo.tenant_definitions`, the content in `demo.data`; this module writes them.

`demo_seed()` is idempotent: rows are found by fixed natural keys and saved only when a value differs; MongoDB
documents are replaced by fixed ids. A second run reports everything as unchanged.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction

from agents.models import DEFAULT_REALTIME_MODEL, DEFAULT_TRANSCRIPTION_MODEL, Agent, AgentTool, Prompt
from agents.services import prompt_publish
from demo import DEMO_LOGIN
from demo import data as demo_data
from demo import store as demo_store
from demo.tenant_definitions import AGENTS, PRODUCTCO_SECRET, PROMPTS, TENANTS, http_tools
from httptools.models import HttpTool
from tenants.models import Channel, Tenant, TenantSecret, WidgetKey
from tenants.validators import normalize_origin

Counts = dict[str, dict[str, int]]
M = TypeVar("M", bound=models.Model)


def _tally(counts: Counts, kind: str, outcome: str) -> None:
    entry = counts.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
    entry[outcome] += 1


def _ensure(counts: Counts, kind: str, model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """Find by `lookup`, create with `values` if absent, save only the fields whose value differs."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
        _tally(counts, kind, "created")
        return obj
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    for field in changed:
        setattr(obj, field, values[field])
    if changed:
        obj.save()
    _tally(counts, kind, "updated" if changed else "unchanged")
    return obj


def _origins() -> str:
    candidates = ["http://127.0.0.1:8000", "http://localhost:8000"]
    if settings.PORT != 8000:
        candidates += [f"http://127.0.0.1:{settings.PORT}", f"http://localhost:{settings.PORT}"]
    # The demo sites are served by this server, so its public address embeds the widget too.
    candidates.append(settings.PUBLIC_BASE_URL)
    origins: list[str] = []
    for raw in candidates:
        origin = normalize_origin(raw)
        if origin not in origins:
            origins.append(origin)
    return "\n".join(origins)


def _api_base_url() -> str:
    # The tools call this server's own /demo/ APIs "as the tenant's backend"; running them needs
    # HTTPTOOLS_ALLOW_LOOPBACK in development.
    return f"http://127.0.0.1:{settings.PORT}"


def _content_base_url() -> str:
    return str(settings.PUBLIC_BASE_URL).rstrip("/")


def _seed_tenant(counts: Counts, slug: str, origins: str) -> Tenant:
    values = {**TENANTS[slug], "allowed_origins": origins, "active": True}
    tenant = _ensure(counts, "tenants", Tenant, {"slug": slug}, values)
    _ensure(
        counts,
        "widget_keys",
        WidgetKey,
        {"public_id": f"pk_demo_{slug}"},
        {"tenant": tenant, "label": "Demo website", "channel": Channel.WIDGET, "revoked_at": None},
    )

    prompt_values = {k: v for k, v in PROMPTS[slug].items() if k != "name"}
    prompt_lookup = {"tenant": tenant, "name": PROMPTS[slug]["name"]}
    prompt = _ensure(counts, "prompts", Prompt, prompt_lookup, prompt_values)
    before = prompt.published_version_id
    version = prompt_publish(prompt=prompt)
    _tally(counts, "prompt_versions", "unchanged" if version.pk == before else "created")

    agent_values = {
        **{k: v for k, v in AGENTS[slug].items() if k != "name"},
        "prompt": prompt,
        "model": DEFAULT_REALTIME_MODEL,
        "transcription_model": DEFAULT_TRANSCRIPTION_MODEL,
        "language": "en",
        "active": True,
    }
    agent = _ensure(counts, "agents", Agent, {"tenant": tenant, "name": AGENTS[slug]["name"]}, agent_values)

    for spec in http_tools()[slug]:
        values = {k: v for k, v in spec.items() if k != "name"}
        values.update(base_url=_api_base_url(), enabled=True)
        # Plain save, not full_clean: validation needs the visuals registry and refuses loopback URLs unless
        # HTTPTOOLS_ALLOW_LOOPBACK is on, and the seed must work either way.
        tool = _ensure(counts, "http_tools", HttpTool, {"tenant": tenant, "name": spec["name"]}, values)
        _ensure(
            counts, "agent_tools", AgentTool, {"agent": agent, "tool": tool}, {"on_widget": True, "on_console": True}
        )
    return tenant


def _seed_secret(counts: Counts, tenant: Tenant) -> None:
    # Encrypt only on creation: re-encrypting would rewrite the row on every run (Fernet output is random).
    if TenantSecret.objects.filter(tenant=tenant, name=PRODUCTCO_SECRET).exists():
        _tally(counts, "tenant_secrets", "unchanged")
        return
    secret = TenantSecret(tenant=tenant, name=PRODUCTCO_SECRET)
    secret.set_value(demo_data.PRODUCTCO_API_KEY)
    secret.save()
    _tally(counts, "tenant_secrets", "created")


def _seed_user(counts: Counts) -> None:
    user_model = get_user_model()
    user = user_model._default_manager.filter(username=DEMO_LOGIN.username).first()
    if user is None:
        user_model._default_manager.create_superuser(
            username=DEMO_LOGIN.username, email=DEMO_LOGIN.email, password=DEMO_LOGIN.password
        )
        _tally(counts, "users", "created")
        return
    # Keep the printed login true: restore the flags and password only if someone changed them.
    flags_ok = user.is_staff and user.is_superuser and user.is_active
    changed = not (flags_ok and user.check_password(DEMO_LOGIN.password))
    if changed:
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(DEMO_LOGIN.password)
        user.save()
    _tally(counts, "users", "updated" if changed else "unchanged")


def demo_seed() -> Counts:
    """Create or bring up to date every demo object; returns created/updated/unchanged counts per kind."""
    counts: Counts = {}
    origins = _origins()
    with transaction.atomic():
        tenants = {slug: _seed_tenant(counts, slug, origins) for slug in TENANTS}
        _seed_secret(counts, tenants["productco"])
        _seed_user(counts)
    counts.update(demo_store.demo_content_upsert(base_url=_content_base_url()))
    return counts
