"""Console reads for staff: tokens for any agent they operate, their tenants, and stored sessions."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from agents import protocol
from agents.models import Agent
from config.errors import NotFound
from tenants.models import Channel
from tenants.selectors import tenants_visible_to
from tenants.tokens import token_issue
from transcripts import store as transcripts_store
from usage import store as usage_store

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
            "agents": [{"id": a.pk, "name": a.name, "active": a.active} for a in t.agents.all()],
        }
        for t in tenants
    ]


def _visible_tenant_id(user: Any, tenant_id: int) -> int:
    if not tenants_visible_to(user).filter(pk=tenant_id).exists():
        raise NotFound("No such tenant.", code="not_found")
    return tenant_id


def _session_summary(doc: dict[str, Any]) -> dict[str, Any]:
    usage = doc.get("usage") or {}
    return {
        "session_id": doc.get("sessionId") or "",
        "agent": doc.get("agent"),
        "channel": doc.get("channel"),
        "status": doc.get("status"),
        "started_at": doc.get("startedAt"),
        "ended_at": doc.get("endedAt"),
        "end_reason": doc.get("endReason"),
        "simulator": doc.get("simulator"),
        "usage": {
            "dollars": float(usage.get("dollars") or 0),
            "total_tokens": int(usage.get("total_tokens") or usage.get("total") or 0),
        },
    }


def console_sessions_list(*, user: Any, tenant_id: int, limit: int = 20) -> list[dict[str, Any]]:
    tenant_id = _visible_tenant_id(user, tenant_id)
    return [_session_summary(doc) for doc in usage_store.sessions_recent(tenant_id=tenant_id, limit=limit)]


def console_session_get(*, user: Any, tenant_id: int, session_id: str) -> dict[str, Any]:
    """A stored session with its transcript and tool logs; 404 for unknown ids and tenants the user can't see."""
    tenant_id = _visible_tenant_id(user, tenant_id)
    doc = usage_store.session_get(tenant_id=tenant_id, session_id=session_id)
    if doc is None:
        raise NotFound("No such session.", code="not_found")
    transcript = transcripts_store.transcript_for_session(tenant_id=tenant_id, session_id=session_id)
    tool_logs = transcripts_store.tool_logs_for_session(tenant_id=tenant_id, session_id=session_id)
    return {
        "session": _session_summary(doc),
        "transcript": [
            {"role": u.get("role", ""), "text": u.get("text", ""), "created_at": u.get("createdAt")} for u in transcript
        ],
        "tool_logs": [
            {
                "tool": log.get("tool", ""),
                "arguments": log.get("arguments"),
                "result": log.get("result"),
                "status": log.get("status"),
                "http_status": log.get("httpStatus"),
                "latency_ms": log.get("latencyMs"),
                "error_class": log.get("errorClass"),
                "created_at": log.get("createdAt"),
            }
            for log in tool_logs
        ],
    }
