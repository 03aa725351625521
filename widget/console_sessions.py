"""The console's sessions browser: filtered, searchable, paged lists of a tenant's stored sessions, one
session's detail (duration, end reason in words, usage by kind, tool calls and cards, the transcript's hash
chain) and its export as JSON or Markdown. Every read is scoped to a tenant the staff user may see."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from agents.models import Agent
from config.errors import NotFound
from tenants.identity import email_hash, email_valid
from tenants.selectors import tenants_visible_to
from transcripts import store as transcripts_store
from usage import store as usage_store
from usage.pricing import PRICED_KINDS

PER_PAGE = 25
HASH_SHAPE = 64

END_REASONS = {
    "client_closed": "The visitor left or closed the page",
    "visitor_ended": "The visitor ended the conversation (End)",
    "idle_timeout": "Nobody spoke for too long (idle timeout)",
    "max_duration": "It reached the maximum session length",
    "budget_exhausted": "The tenant's budget ran out",
    "key_revoked": "Its widget key was revoked",
    "tenant_inactive": "The tenant was switched off",
    "upstream_closed": "The AI service closed the connection",
    "upstream_unavailable": "The AI service could not be reached",
    "upstream_failed": "The AI service failed",
    "config_rejected": "The AI service refused the agent's setup (see Problems)",
    "heartbeat_lost": "The server handling it stopped (ended by the reaper)",
    "reaped": "The server handling it stopped (ended by the reaper)",
}


@dataclass
class SessionFilters:
    agent_id: int | None = None
    channel: str | None = None
    end_reason: str | None = None
    user: str | None = None  # an e-mail address or its emailHash
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None


def end_reason_words(reason: str | None, status: str | None = None) -> str:
    if not reason:
        return "Still live" if status == "live" else "Not recorded"
    return END_REASONS.get(reason, reason.replace("_", " ").capitalize())


def _visible_tenant_id(user: Any, tenant_id: int) -> int:
    if not tenants_visible_to(user).filter(pk=tenant_id).exists():
        raise NotFound("No such tenant.", code="not_found")
    return tenant_id


def _user_hash(user_filter: str) -> str:
    value = user_filter.strip()
    if len(value) == HASH_SHAPE and all(c in "0123456789abcdef" for c in value.lower()):
        return value.lower()
    if email_valid(value):
        return email_hash(value)
    return "no-such-user"  # matches nothing, as a search for a malformed address should


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _duration_seconds(doc: dict[str, Any]) -> float | None:
    started, ended = doc.get("startedAt"), doc.get("endedAt") or doc.get("lastSeenAt")
    if not isinstance(started, datetime) or not isinstance(ended, datetime):
        return None
    return max(0.0, (ended - started).total_seconds())


def session_summary(doc: dict[str, Any]) -> dict[str, Any]:
    usage = doc.get("usage") or {}
    return {
        "session_id": doc.get("sessionId") or "",
        "agent": doc.get("agent"),
        "agent_id": doc.get("agentId"),
        "channel": doc.get("channel"),
        "status": doc.get("status"),
        "started_at": doc.get("startedAt"),
        "ended_at": doc.get("endedAt"),
        "end_reason": doc.get("endReason"),
        "end_reason_text": end_reason_words(doc.get("endReason"), doc.get("status")),
        "duration_seconds": _duration_seconds(doc),
        "identified": bool(doc.get("emailHash")),
        "email_hash": doc.get("emailHash"),
        "model": doc.get("model"),
        "origin": doc.get("origin"),
        "resumed_from": doc.get("resumedFrom"),
        "resumed_by": doc.get("resumedBy"),
        "model_switches": list(doc.get("modelSwitches") or []),
        "simulator": doc.get("simulator"),
        "usage": {
            "dollars": float(usage.get("dollars") or 0),
            "total_tokens": int(usage.get("total_tokens") or usage.get("total") or 0),
            "responses": int(usage.get("responses") or 0),
            "by_kind": {kind: int(usage.get(kind) or 0) for kind in PRICED_KINDS},
        },
    }


def console_sessions_search(
    *, user: Any, tenant_id: int, filters: SessionFilters, page: int = 1, per_page: int = PER_PAGE
) -> dict[str, Any]:
    """A page of the tenant's sessions matching every filter given, newest first."""
    tenant_id = _visible_tenant_id(user, tenant_id)
    exact: dict[str, Any] = {}
    if filters.agent_id is not None:
        exact["agent_id"] = filters.agent_id
    if filters.channel:
        exact["channel"] = filters.channel
    if filters.end_reason:
        exact["end_reason"] = filters.end_reason
    if filters.user:
        exact["email_hash"] = _user_hash(filters.user)
    session_ids = None
    if filters.text and filters.text.strip():
        session_ids = transcripts_store.session_ids_saying(tenant_id=tenant_id, text=filters.text)
    page = max(1, page)
    docs, total = usage_store.sessions_find(
        tenant_id=tenant_id,
        filters=exact,
        started_from=_day_start(filters.date_from) if filters.date_from else None,
        started_before=_day_start(filters.date_to + timedelta(days=1)) if filters.date_to else None,
        session_ids=session_ids,
        skip=(page - 1) * per_page,
        limit=per_page,
    )
    return {
        "items": [session_summary(doc) for doc in docs],
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / per_page)),
        "per_page": per_page,
    }


def console_session_filters(*, user: Any, tenant_id: int) -> dict[str, Any]:
    """What the filter pickers offer for this tenant."""
    tenant_id = _visible_tenant_id(user, tenant_id)
    agents = Agent.objects.filter(tenant_id=tenant_id).order_by("name").values("pk", "name")
    return {
        "agents": [{"id": a["pk"], "name": a["name"]} for a in agents],
        "channels": [{"value": "widget", "label": "Website widget"}, {"value": "console", "label": "Staff console"}],
        "end_reasons": [{"value": k, "label": v} for k, v in END_REASONS.items() if k != "reaped"],
    }


def console_session_detail(*, user: Any, tenant_id: int, session_id: str) -> dict[str, Any]:
    """A stored session with its transcript, tool calls, cards and the transcript chain's check."""
    tenant_id = _visible_tenant_id(user, tenant_id)
    doc = usage_store.session_get(tenant_id=tenant_id, session_id=session_id)
    if doc is None:
        raise NotFound("No such session.", code="not_found")
    transcript = transcripts_store.transcript_for_session(tenant_id=tenant_id, session_id=session_id)
    tool_logs = transcripts_store.tool_logs_for_session(tenant_id=tenant_id, session_id=session_id)
    broken_at = transcripts_store.transcript_chain_break(tenant_id=tenant_id, session_id=session_id)
    if not transcript:
        chain = "No transcript stored."
    elif broken_at is None:
        chain = f"Transcript intact: all {len(transcript)} utterances match their hash chain."
    else:
        chain = f"Transcript altered: the chain breaks at utterance {broken_at + 1} (and everything after it)."
    calls = [log for log in tool_logs if log.get("kind", "call") == "call"]
    problems = [_problem(log) for log in tool_logs if log.get("kind") in PROBLEM_KINDS]
    return {
        "session": session_summary(doc),
        "chain": {"intact": broken_at is None, "broken_at": broken_at, "text": chain},
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
                "visual": log.get("visual"),
                "created_at": log.get("createdAt"),
            }
            for log in calls
        ],
        "cards": [log["visual"] for log in calls if log.get("visual")],
        "problems": problems,
    }


# What the relay records when the upstream refuses or fails something (agents/session_faults.py, session.py).
PROBLEM_KINDS = {
    "config_rejected": "The AI service refused the agent's session config: fix the agent in admin",
    "response_failed": "A reply failed",
    "transcription_failed": "The visitor's speech could not be transcribed",
}


def _problem(log: dict[str, Any]) -> dict[str, Any]:
    error = log.get("error")
    if not isinstance(error, dict):
        error = {}
    detail = " ".join(str(part) for part in (error.get("param"), error.get("message")) if part)
    return {
        "kind": log["kind"],
        "text": PROBLEM_KINDS[log["kind"]],
        "code": str(log.get("status") or ""),
        "detail": detail,
        "created_at": log.get("createdAt"),
    }


def _json_default(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def session_export_markdown(detail: dict[str, Any]) -> str:
    """A readable record of one session: what was said, which tools ran, what it cost."""
    session = detail["session"]
    started = session["started_at"].isoformat() if isinstance(session["started_at"], datetime) else ""
    duration = session["duration_seconds"]
    lines = [
        f"# Session {session['session_id']}",
        "",
        f"- Agent: {session['agent']} ({session['channel']})",
        f"- Came from: {session.get('origin') or 'not recorded'}",
        *([f"- Continues session {session['resumed_from']}"] if session.get("resumed_from") else []),
        *([f"- Continued in session {session['resumed_by']}"] if session.get("resumed_by") else []),
        f"- Started: {started}",
        f"- Duration: {round(duration)} s" if duration is not None else "- Duration: unknown",
        f"- Ended: {session['end_reason_text']}",
        f"- Usage: ${session['usage']['dollars']:.4f}, {session['usage']['total_tokens']} tokens",
        f"- {detail['chain']['text']}",
        "",
        "## Transcript",
        "",
    ]
    names = {"user": "Visitor", "assistant": "Agent"}
    for line in detail["transcript"]:
        text = " ".join(str(line["text"]).split())
        lines.append(f"**{names.get(line['role'], line['role'])}:** {text}  ")
    if not detail["transcript"]:
        lines.append("(none stored)")
    lines += ["", "## Tool calls", ""]
    for call in detail["tool_logs"]:
        arguments = json.dumps(call["arguments"], ensure_ascii=False, default=_json_default)
        lines.append(f"- `{call['tool']}` {call['status']} ({call['latency_ms']} ms): arguments `{arguments}`")
        if call.get("result"):
            lines.append(f"  - result: {' '.join(str(call['result']).split())[:500]}")
    if not detail["tool_logs"]:
        lines.append("(none)")
    return "\n".join(lines) + "\n"
