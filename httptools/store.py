"""tool_logs in MongoDB: one document per tool call (and per card button click). Writes are synchronous
(pymongo); async callers run them in a thread. Every read is scoped by tenant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from config import mongo

COLLECTION = "tool_logs"


def tool_log_write(
    *, tenant_id: int, channel: str, session_id: str, call_id: str, tool: str, tool_version: int,
    arguments: Any, status: str, http_status: int | None, latency_ms: float, response_bytes: int,
    error_class: str | None,
) -> None:
    """Insert one call record; `arguments` must already have secrets redacted (the executor does it)."""
    mongo.collection(COLLECTION).insert_one({
        "kind": "call",
        "tenantId": int(tenant_id),
        "channel": str(channel),
        "sessionId": str(session_id),
        "callId": str(call_id),
        "tool": str(tool),
        "toolVersion": int(tool_version),
        "arguments": arguments,
        "status": str(status),
        "httpStatus": http_status,
        "latencyMs": round(float(latency_ms), 2),
        "responseBytes": int(response_bytes),
        "errorClass": error_class,
        "createdAt": datetime.now(UTC),
    })


def visual_action_log(*, tenant_id: int, channel: str, session_id: str, action: str, say: str) -> None:
    """Record a card button click (the widget sends its `data-say` text as a user turn)."""
    mongo.collection(COLLECTION).insert_one({
        "kind": "visual_action",
        "tenantId": int(tenant_id),
        "channel": str(channel),
        "sessionId": str(session_id),
        "action": str(action)[:64],
        "say": str(say)[:500],
        "createdAt": datetime.now(UTC),
    })


def tool_logs_for_session(*, tenant_id: int, session_id: str, limit: int = 200) -> list[dict[str, Any]]:
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool):
        raise TypeError("tenant_id must be an int")  # a missing tenant is an error, not "all tenants"
    cursor = mongo.collection(COLLECTION).find(
        {"tenantId": tenant_id, "sessionId": str(session_id)}, {"_id": 0}
    ).sort("createdAt", ASCENDING).limit(limit)
    return list(cursor)


def tool_logs_ensure_indexes() -> None:
    """Indexes for the session view and per-tenant browsing; retention (TTL) is set by the janitor owner."""
    collection = mongo.collection(COLLECTION)
    collection.create_index([("tenantId", ASCENDING), ("sessionId", ASCENDING), ("createdAt", ASCENDING)])
    collection.create_index([("tenantId", ASCENDING), ("tool", ASCENDING), ("createdAt", DESCENDING)])
