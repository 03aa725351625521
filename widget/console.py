"""Console reads for staff: tokens for any agent they operate, their tenants, and their recent sessions (the
sessions browser and a session's detail are in console_sessions)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from agents import protocol
from agents.models import Agent
from config.errors import NotFound
from tenants.models import Channel
from tenants.selectors import tenants_visible_to
from tenants.tokens import token_issue
from usage import budgets, catalogue
from usage import store as usage_store
from widget.console_sessions import session_summary

# Console sessions are authorised by the staff user's own session when the socket opens, not by a key.
CONSOLE_KEY_ID = 0


def console_token_issue(*, user: Any, agent_id: int, origin: str) -> dict[str, Any]:
    """A console-channel token for an agent of a tenant the staff user may see (404 otherwise)."""
    agent = Agent.objects.select_related("tenant").filter(pk=agent_id, tenant__in=tenants_visible_to(user)).first()
    if agent is None:
        raise NotFound("No such agent.", code="not_found")
    token, claims = token_issue(
        tenant_id=agent.tenant_id, key_id=CONSOLE_KEY_ID, channel=Channel.CONSOLE, origin=origin, agent_id=agent.pk
    )
    return {
        "token": token,
        "expires_at": claims.expires_at,
        "ws_path": protocol.WS_PATH,
        "tenant": {"id": agent.tenant_id, "name": agent.tenant.name},
        "agent": {"id": agent.pk, "name": agent.name},
    }


def console_tenants_list(*, user: Any) -> list[dict[str, Any]]:
    tenants = tenants_visible_to(user).prefetch_related(Prefetch("agents", queryset=Agent.objects.order_by("name")))
    return [
        {
            "id": t.pk,
            "name": t.name,
            "slug": t.slug,
            "active": t.active,
            "budget_alert": budgets.budget_alert(tenant=t),
            "agents": [
                {"id": a.pk, "name": a.name, "active": a.active, "model_notice": _model_notice(a)}
                for a in t.agents.all()
            ],
        }
        for t in tenants
    ]


def _model_notice(agent: Agent) -> str:
    notices = [catalogue.retirement_of(name) for name in (agent.model, agent.transcription_model)]
    return " ".join(notice.message() for notice in notices if notice.warn)


def _visible_tenant_id(user: Any, tenant_id: int) -> int:
    if not tenants_visible_to(user).filter(pk=tenant_id).exists():
        raise NotFound("No such tenant.", code="not_found")
    return tenant_id


def console_sessions_list(*, user: Any, tenant_id: int, limit: int = 20) -> list[dict[str, Any]]:
    tenant_id = _visible_tenant_id(user, tenant_id)
    return [session_summary(doc) for doc in usage_store.sessions_recent(tenant_id=tenant_id, limit=limit)]
