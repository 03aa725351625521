"""Bootstrap rules: which embedding origin may get a widget session token, and what the widget shows."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from agents import protocol
from agents.models import AgentTool
from agents.selectors import widget_agent_candidates
from agents.visitor_context import ContextInvalid, context_validate
from config.errors import ApiError, Forbidden, NotFound, RateLimited, Unauthorized, Unavailable
from config.metrics import shared_count
from tenants.identity import IdentityInvalid, identity_verify
from tenants.models import Channel, Tenant, WidgetKey
from tenants.tokens import token_issue
from tenants.validators import normalize_origin
from usage.rate_limits import RateLimit, rate_limits_hit
from widget.sightings import sighting_record
from widget.strings import LAUNCHER_KEYS, widget_catalogue, widget_language

CAPABILITY_MAX_CHARS = 160
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)", re.S)


def origin_normalize_or_none(raw: str | None) -> str | None:
    """The Origin header as `scheme://host[:port]`, or None when missing, opaque ("null") or malformed."""
    if not raw or raw.strip().lower() == "null":
        return None
    try:
        return normalize_origin(raw)
    except ValidationError:
        return None


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    match = _FIRST_SENTENCE.match(text)
    sentence = match.group(1) if match else text
    if len(sentence) > CAPABILITY_MAX_CHARS:
        sentence = sentence[: CAPABILITY_MAX_CHARS - 1].rstrip() + "…"
    return sentence


def visitor_label_default(tool_name: str) -> str:
    """A label made from a tool's name: `search_products` → "Search products", `get_event_info` → "Event info"."""
    words = [w for w in re.split(r"[_\-\s]+", tool_name) if w]
    if len(words) > 1 and words[0].lower() in ("get", "fetch", "do"):
        words = words[1:]
    text = " ".join(words).lower()
    return text[:1].upper() + text[1:]


def agent_capabilities(*, agent_id: int, tenant_id: int, channel: str = Channel.WIDGET) -> list[str]:
    """'What I can do': the visitor-facing label of each enabled tool the agent may use on this channel (the
    model-facing description is for the model only); a tool without one gets a label made from its name."""
    links = AgentTool.objects.filter(agent_id=agent_id, tool__enabled=True, tool__tenant_id=tenant_id)
    links = links.filter(on_widget=True) if channel == Channel.WIDGET else links.filter(on_console=True)
    rows = links.order_by("tool__name").values_list("tool__visitor_label", "tool__name")
    labels = [_first_sentence(label) if label.strip() else visitor_label_default(name) for label, name in rows]
    return [label for label in labels if label]


# Which agent the widget talks to and its "what I can do" list change only when staff edit them in admin,
# yet cost two of bootstrap's three queries: each process keeps them a few seconds. Keys, tenants and
# origins are never cached (a revoked key stops bootstrap at once).
AGENT_CACHE_SECONDS = 5.0
_agent_cache: dict[tuple[int, Any, int], tuple[float, dict[str, Any] | None, list[str]]] = {}
_agent_cache_lock = threading.Lock()


def _widget_agent_cached(tenant: Tenant, key_id: int) -> tuple[dict[str, Any] | None, list[str]]:
    """The agent this key opens (its own, else the tenant's default, else its oldest active one) and its
    widget capabilities."""
    cache_key = (tenant.pk, tenant.created_at, key_id)  # created_at: a recreated tenant with a reused pk misses
    now = time.monotonic()
    cached = _agent_cache.get(cache_key)
    if cached and cached[0] > now:
        return cached[1], cached[2]
    candidates = widget_agent_candidates(tenant_id=tenant.pk, key_id=key_id)
    row = candidates.values("pk", "name", "greeting", "language").first()
    agent: dict[str, Any] | None = dict(row) if row else None
    capabilities = agent_capabilities(agent_id=agent["pk"], tenant_id=tenant.pk) if agent else []
    with _agent_cache_lock:
        if len(_agent_cache) > 10_000:
            _agent_cache.clear()  # bounded memory
        _agent_cache[cache_key] = (now + AGENT_CACHE_SECONDS, agent, capabilities)
    return agent, capabilities


def _widget_key_checked(key: str) -> WidgetKey:
    try:  # get(), not first(): first() would add a sort to a unique lookup
        widget_key = WidgetKey.objects.select_related("tenant").get(public_id=key)
    except WidgetKey.DoesNotExist:
        raise NotFound("This widget key does not exist.", code="unknown_key") from None
    if not widget_key.is_active:
        raise Unauthorized("This widget key has been revoked.", code="key_revoked")
    if widget_key.channel != Channel.WIDGET:
        raise Unauthorized("This key is not a website widget key.", code="wrong_key_channel")
    if not widget_key.tenant.active:
        raise Forbidden("This assistant is switched off.", code="tenant_inactive")
    return widget_key


def _rate_check(tenant_id: int, limits: list[RateLimit], *, message: str) -> None:
    """429 with Retry-After when a limit refuses; Redis down: this process's own limiter answers."""
    decision = rate_limits_hit(tenant_id=tenant_id, reason_prefix="bootstrap", limits=limits, fail_open=True)
    if not decision.allowed:
        raise RateLimited(message, retry_after=decision.retry_after)


def widget_bootstrap(
    *,
    key: str,
    origin: str | None,
    ip: str,
    user_email: str | None = None,
    user_hash: str | None = None,
    context: Any = None,
    preview: Callable[[int, str | None], bool] | None = None,
) -> dict[str, Any]:
    """Check key, tenant, embedding origin and rate limits; return the widget options and a session token.

    The per-IP limit is counted before the origin check so refused origins are throttled too; the per-key
    and per-tenant limits only after it, so junk from foreign origins cannot use up a tenant's allowance.
    `preview(tenant_id, origin)` admits the install page's staff preview (see widget/preview.py).
    """
    widget_key = _widget_key_checked(key)
    tenant = widget_key.tenant
    embedding_origin = origin_normalize_or_none(origin)

    origin_allowed = embedding_origin is not None and embedding_origin in tenant.origins
    previewing = not origin_allowed and preview is not None and preview(tenant.pk, embedding_origin)
    origin_allowed = origin_allowed or previewing
    per_ip = RateLimit("ip", f"bootstrap:ip:{tenant.pk}:{ip}", tenant.requests_per_minute)
    _rate_check(tenant.pk, [per_ip], message="Too many requests, please try again shortly.")
    if embedding_origin is None:
        raise Forbidden("The request has no usable Origin header.", code="origin_missing")
    if not origin_allowed:
        raise Forbidden("This website is not allowed to embed the widget.", code="origin_not_allowed")
    shared = [
        RateLimit("key", f"bootstrap:key:{widget_key.pk}", tenant.key_requests_per_minute),
        RateLimit("tenant", f"bootstrap:tenant:{tenant.pk}", tenant.tenant_requests_per_minute),
    ]
    _rate_check(tenant.pk, shared, message=protocol.BUSY)
    try:
        page_context = context_validate(context)
    except ContextInvalid as exc:
        raise ApiError(str(exc), code="invalid_context", status=422) from None

    try:
        identity = identity_verify(tenant=tenant, email=user_email, presented_hash=user_hash)
    except IdentityInvalid as exc:
        shared_count("identity_refusals", tenant=tenant.slug)
        raise Forbidden(exc.message, code=exc.code) from None

    agent, capabilities = _widget_agent_cached(tenant, widget_key.pk)
    if agent is None:
        raise Unavailable("This assistant is not available right now.", code="no_agent")
    token, claims = token_issue(
        tenant_id=tenant.pk,
        key_id=widget_key.pk,
        channel=Channel.WIDGET,
        origin=embedding_origin,
        agent_id=agent["pk"],
        email_hash=identity.email_hash if identity else None,
        email=identity.email if identity and tenant.store_visitor_email else None,
        context=page_context,
    )
    if not previewing:  # a staff preview is not the customer's site going live
        sighting_record(tenant_id=tenant.pk, key_id=widget_key.pk, origin=embedding_origin)  # "last seen" in admin
    strings = widget_catalogue(agent["language"], LAUNCHER_KEYS)
    return {
        "token": token,
        "expires_at": claims.expires_at,
        "origin": embedding_origin,
        "ws_path": protocol.WS_PATH,
        "options": {
            "tenant_name": tenant.name,
            "brand_color": tenant.brand_color,
            "logo_url": tenant.logo_url,
            "agent_name": agent["name"],
            "greeting": agent["greeting"],
            "welcome_text": tenant.welcome_text,
            "disclaimer_text": tenant.disclaimer_text,
            "privacy_url": tenant.privacy_url,
            "launcher_position": tenant.launcher_position,
            "launcher_label": tenant.launcher_label or strings["launcher_label"],  # else "Talk to us", translated
            "launcher_icon": tenant.launcher_icon,
            "capabilities": capabilities,
            # Both ways in are always offered; the consumer refuses with a notice when limits bite.
            "voice_available": True,
            "text_available": True,
            "simulator": not settings.OPENAI_API_KEY,
            # The widget speaks the agent's language; the loader's launcher strings come along in it.
            "language": widget_language(agent["language"]),
            "strings": strings,
            "currency": tenant.currency,
            "locale": tenant.locale,
        },
    }


def bootstrap_cors_origin(*, key: str, origin: str | None) -> str | None:
    """The origin to allow in CORS on a refused bootstrap (so the loader can read e.g. a 429), or None."""
    embedding_origin = origin_normalize_or_none(origin)
    if embedding_origin is None:
        return None
    widget_key = WidgetKey.objects.select_related("tenant").filter(public_id=key).first()
    if widget_key is None or embedding_origin not in widget_key.tenant.origins:
        return None
    return embedding_origin


def preflight_cors_origin(*, origin: str | None) -> str | None:
    """A preflight carries no body, so no key: allow only origins on some active tenant's allowlist."""
    embedding_origin = origin_normalize_or_none(origin)
    if embedding_origin is None:
        return None
    # The substring filter narrows the scan; the exact comparison below is what decides.
    candidates = Tenant.objects.filter(active=True, allowed_origins__icontains=embedding_origin)
    for tenant in candidates.only("allowed_origins"):
        if embedding_origin in tenant.origins:
            return embedding_origin
    return None


def widget_key_tenant_id(*, key: str) -> int | None:
    row = WidgetKey.objects.filter(public_id=key).values_list("tenant_id", flat=True).first()
    return int(row) if row is not None else None


def widget_page_origins(*, key: str) -> list[str] | None:
    """The origins allowed to frame the widget page for this key; None when the key cannot be used."""
    try:
        widget_key = _widget_key_checked(key)
    except (NotFound, Unauthorized, Forbidden):
        return None
    return widget_key.tenant.origins


def widget_page_language(*, key: str) -> str:
    """The language the widget page speaks for this key: its agent's (the one bootstrap picks), else English."""
    widget_key = WidgetKey.objects.select_related("tenant").filter(public_id=key).first()
    if widget_key is None:
        return widget_language(None)
    agent, _capabilities = _widget_agent_cached(widget_key.tenant, widget_key.pk)
    return widget_language(agent["language"] if agent else None)
