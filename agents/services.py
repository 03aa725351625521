"""Writes for agents and prompts, and the admission of a live voice session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from agents.models import PROMPT_TEXT_FIELDS, Agent, Prompt, PromptVersion, WidgetKeyAgent
from agents.plans import AgentNotReady, SessionPlan, session_plan_build
from agents.selectors import widget_agent_candidates
from agents.visitor_context import ContextInvalid, VisitorContext, context_validate, plan_with_context
from tenants.models import Channel, Tenant, WidgetKey
from tenants.selectors import tenants_visible_to
from tenants.services import key_rotate
from tenants.tokens import ReplayGuardUnavailable, TokenInvalid, WidgetClaims, token_consume
from usage import budgets, limits
from usage.rate_limits import RateLimit, rate_limits_hit
from usage.refusals import refusal_count
from usage.services import price_for

PROMPT_FIELDS = PROMPT_TEXT_FIELDS


@transaction.atomic
def widget_key_rotate(*, key: WidgetKey, grace: timedelta) -> WidgetKey:
    """Rotate a key (see `tenants.services.key_rotate`); the new key opens the same agent as the old one."""
    new = key_rotate(key=key, grace=grace)
    route = WidgetKeyAgent.objects.filter(key=key).first()
    if route is not None:
        WidgetKeyAgent.objects.create(key=new, agent_id=route.agent_id)
    return new


@transaction.atomic
def prompt_publish(*, prompt: Prompt, user: Any = None) -> PromptVersion:
    """Freeze the draft into a new version and point the prompt at it; unchanged drafts reuse the current one."""
    locked = Prompt.objects.select_for_update().get(pk=prompt.pk)
    current = locked.published_version
    if current and all(getattr(current, f) == getattr(locked, f) for f in PROMPT_FIELDS):
        return current
    number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PromptVersion.objects.create(
        prompt=locked,
        number=number,
        created_by=user if getattr(user, "pk", None) else None,
        **{f: getattr(locked, f) for f in PROMPT_FIELDS},
    )
    Prompt.objects.filter(pk=locked.pk).update(published_version=version)
    prompt.published_version = version
    return version


class SessionRefused(Exception):
    """Admission said no; `code` picks the visitor's message (busy, budget_exhausted, ...)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Admission:
    plan: SessionPlan
    session_id: str
    key_id: int | None
    tenant_id: int
    max_duration_seconds: float
    idle_timeout_seconds: float
    retention_days: int
    price: Any
    email_hash: str | None = None  # an identified visitor (verified at bootstrap)
    email: str | None = None  # only when the tenant keeps visitors' addresses
    keep_email: bool = False  # the tenant's privacy setting, for e-mails given to tools
    transcription_price: Any = None
    origin: str | None = None  # the embedding origin the token was minted for


def _authorise(claims: WidgetClaims, user: Any) -> tuple[Tenant, WidgetKey | None]:
    """Token claims still hold: key live, tenant active, origin still allowed, staff rights for the console."""
    tenant = Tenant.objects.filter(pk=claims.tenant_id, active=True).first()
    if tenant is None:
        raise TokenInvalid("tenant inactive")
    if claims.channel == Channel.CONSOLE:
        if not tenants_visible_to(user).filter(pk=tenant.pk).exists():
            raise TokenInvalid("no rights to this tenant")
        return tenant, None
    key = WidgetKey.objects.filter(pk=claims.key_id, tenant=tenant, channel=claims.channel).first()
    if key is None or not key.is_active:
        raise TokenInvalid("key revoked")
    # A token for an origin off the allowlist is only ever minted for a staff preview on the platform's own
    # pages (widget/preview.py); it opens a socket only for a staff user of that tenant.
    if claims.origin not in tenant.origins and not tenants_visible_to(user).filter(pk=tenant.pk).exists():
        raise TokenInvalid("origin no longer allowed")
    return tenant, key


def _opens_rate_check(tenant: Tenant, key: WidgetKey | None, ip: str) -> None:
    """Conversation opens per IP, key and tenant; fails closed (an open admits spend)."""
    opens = [RateLimit("ip", f"open:ip:{tenant.pk}:{ip}", tenant.requests_per_minute)]
    if key is not None:
        opens.append(RateLimit("key", f"open:key:{key.pk}", tenant.key_requests_per_minute))
    opens.append(RateLimit("tenant", f"open:tenant:{tenant.pk}", tenant.tenant_requests_per_minute))
    if not rate_limits_hit(tenant_id=tenant.pk, reason_prefix="open", limits=opens, fail_open=False).allowed:
        raise SessionRefused("busy")


def _token_context(claims: WidgetClaims) -> VisitorContext:
    """The page's context the bootstrap put in the token, checked again (signed, but the rules live here)."""
    try:
        return context_validate(claims.context)
    except ContextInvalid:
        return {}


def session_admit(*, claims: WidgetClaims, user: Any, session_id: str, ip: str = "unknown") -> Admission:
    """Check a verified token once (single use), then limits: raises TokenInvalid or SessionRefused."""
    try:
        token_consume(claims)
    except ReplayGuardUnavailable:
        # Redis is down: the visitor hears "busy, try again shortly" rather than a socket that never opened.
        refusal_count(tenant_id=claims.tenant_id, reason="redis_unavailable")
        raise SessionRefused("busy") from None
    tenant, key = _authorise(claims, user)
    try:
        _opens_rate_check(tenant, key, ip)
    except limits.LimitUnavailable:
        raise SessionRefused("busy") from None
    agents = Agent.objects.select_related("prompt__published_version", "tenant").filter(tenant=tenant, active=True)
    if claims.agent_id:
        agent = agents.filter(pk=claims.agent_id).first()
    else:  # the agent the key opens, as the bootstrap picks it
        candidates = widget_agent_candidates(tenant_id=tenant.pk, key_id=key.pk if key else None)
        agent = candidates.select_related("prompt__published_version", "tenant").first()
    if agent is None:
        raise SessionRefused("no_agent")
    try:
        plan = session_plan_build(agent=agent, channel=claims.channel)
    except AgentNotReady:
        raise SessionRefused("no_agent") from None
    if claims.context:
        plan = plan_with_context(plan, _token_context(claims))
    try:
        if budgets.budget_state(tenant=tenant).remaining <= 0:
            refusal_count(tenant_id=tenant.pk, reason="budget_exhausted")
            raise SessionRefused("budget_exhausted")
        if not limits.lease_acquire(tenant_id=tenant.pk, session_id=session_id, limit=tenant.max_concurrent_sessions):
            refusal_count(tenant_id=tenant.pk, reason="busy")
            raise SessionRefused("busy")
    except limits.LimitUnavailable:
        refusal_count(tenant_id=tenant.pk, reason="redis_unavailable")
        raise SessionRefused("busy") from None
    scale = settings.SESSION_TIME_SCALE
    return Admission(
        plan=plan,
        session_id=session_id,
        key_id=key.pk if key else None,
        tenant_id=tenant.pk,
        max_duration_seconds=tenant.max_session_minutes * 60 * scale,
        idle_timeout_seconds=tenant.idle_timeout_seconds * scale,
        retention_days=tenant.transcript_retention_days,
        price=price_for(plan.model),
        email_hash=claims.email_hash,
        email=claims.email if tenant.store_visitor_email else None,
        keep_email=tenant.store_visitor_email,
        transcription_price=price_for(plan.transcription_model),
        origin=claims.origin,
    )


def session_still_allowed(*, admission: Admission) -> str | None:
    """Checked on every heartbeat: a reason to end the session now, or None."""
    tenant = Tenant.objects.filter(pk=admission.tenant_id).first()
    if tenant is None or not tenant.active:
        return "tenant_inactive"
    if admission.key_id is not None:
        key = WidgetKey.objects.filter(pk=admission.key_id).first()
        if key is None or not key.is_active:
            return "key_revoked"
    try:
        if budgets.budget_state(tenant=tenant).remaining <= 0:
            return "budget"
    except limits.LimitUnavailable:
        return None  # a live session is not cut for a passing Redis outage
    return None
