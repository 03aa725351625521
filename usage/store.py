"""realtime_sessions, usage_daily and usage_events in MongoDB; every read is scoped by tenant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from config import mongo
from usage import pricing

SESSIONS = "realtime_sessions"
USAGE_DAILY = "usage_daily"
USAGE_EVENTS = "usage_events"
TOKEN_KINDS = (*pricing.PRICED_KINDS, "total")


def require_tenant(tenant_id: Any) -> int:
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool) or tenant_id <= 0:
        raise ValueError("a tenant id is required for every usage query")
    return tenant_id


_require_tenant = require_tenant
# Usage events in flight on a total (usage.ledger.MARKER): bookkeeping, not shown to readers.
HIDDEN = {"_id": 0, "meteringEvents": 0}


def session_start(
    *,
    tenant_id: int,
    channel: str,
    session_id: str,
    agent_id: int,
    agent_name: str,
    model: str,
    key_id: int | None,
    simulator: bool,
    email_hash: str | None = None,
    transcription_model: str | None = None,
    model_switches: list[str] | None = None,
    origin: str | None = None,
    resumed_from: str | None = None,
) -> None:
    """The session's record; `model_switches` says which retired model the agent named and what replaced it;
    `resumed_from` is the session this one continues (agents/resume.py)."""
    now = datetime.now(UTC)
    mongo.collection(SESSIONS).update_one(
        {"_id": session_id},
        {
            "$setOnInsert": {
                "tenantId": _require_tenant(tenant_id),
                "channel": channel,
                "sessionId": session_id,
                "agentId": agent_id,
                "agent": agent_name,
                "model": model,
                "transcriptionModel": transcription_model,
                "modelSwitches": model_switches or [],
                "keyId": key_id,
                "simulator": simulator,
                "emailHash": email_hash,
                "origin": origin,
                "resumedFrom": resumed_from,
                "resumedBy": None,
                "status": "live",
                "startedAt": now,
                "lastSeenAt": now,
                "endedAt": None,
                "endReason": None,
                "usage": {
                    **dict.fromkeys(TOKEN_KINDS, 0),
                    "dollars": 0.0,
                    "responses": 0,
                    "transcriptions": 0,
                    "estimated": 0,
                },
            }
        },
        upsert=True,
    )


def session_identify(*, session_id: str, email_hash: str) -> None:
    """Tag a session that began anonymous with the visitor's emailHash (they gave it to a tool)."""
    mongo.collection(SESSIONS).update_one({"_id": session_id, "emailHash": None}, {"$set": {"emailHash": email_hash}})


def session_touch(*, session_id: str) -> None:
    mongo.collection(SESSIONS).update_one(
        {"_id": session_id, "status": "live"}, {"$set": {"lastSeenAt": datetime.now(UTC)}}
    )


def session_end(*, session_id: str, reason: str, stale_before: datetime | None = None) -> dict[str, Any] | None:
    """Mark a live session ended, once: the conditional update means two callers never both win."""
    query: dict[str, Any] = {"_id": session_id, "status": "live"}
    if stale_before is not None:
        query["lastSeenAt"] = {"$lt": stale_before}
    return mongo.collection(SESSIONS).find_one_and_update(
        query,
        {"$set": {"status": "ended", "endedAt": datetime.now(UTC), "endReason": reason}},
        return_document=ReturnDocument.AFTER,
    )


def sessions_stale(*, before: datetime, limit: int = 500) -> list[dict[str, Any]]:
    """Live sessions whose heartbeat stopped (across tenants: only the reaper calls this)."""
    cursor = (
        mongo.collection(SESSIONS)
        .find({"status": "live", "lastSeenAt": {"$lt": before}}, {"_id": 1, "tenantId": 1})
        .limit(limit)
    )
    return list(cursor)


def sessions_recent(*, tenant_id: int, limit: int = 20) -> list[dict[str, Any]]:
    cursor = (
        mongo.collection(SESSIONS)
        .find({"tenantId": _require_tenant(tenant_id)}, HIDDEN)
        .sort("startedAt", DESCENDING)
        .limit(max(1, min(limit, 200)))
    )
    return list(cursor)


SESSION_FILTERS = {"agent_id": "agentId", "channel": "channel", "end_reason": "endReason", "email_hash": "emailHash"}


def sessions_find(
    *,
    tenant_id: int,
    filters: dict[str, Any],
    started_from: datetime | None = None,
    started_before: datetime | None = None,
    session_ids: list[str] | None = None,
    skip: int = 0,
    limit: int = 25,
) -> tuple[list[dict[str, Any]], int]:
    """A page of a tenant's sessions, newest first, and how many match. `filters` takes the keys of
    SESSION_FILTERS with scalar values only (a dict would be an operator)."""
    query: dict[str, Any] = {"tenantId": _require_tenant(tenant_id)}
    for name, value in filters.items():
        if name not in SESSION_FILTERS or isinstance(value, dict | list):
            raise ValueError(f"unknown or non-scalar session filter {name!r}")
        query[SESSION_FILTERS[name]] = value
    if started_from or started_before:
        query["startedAt"] = {
            **({"$gte": started_from} if started_from else {}),
            **({"$lt": started_before} if started_before else {}),
        }
    if session_ids is not None:
        query["_id"] = {"$in": [str(s) for s in session_ids]}
    collection = mongo.collection(SESSIONS)
    cursor = (
        collection.find(query, HIDDEN).sort("startedAt", DESCENDING).skip(max(0, skip)).limit(max(1, min(limit, 200)))
    )
    return list(cursor), collection.count_documents(query)


def session_get(*, tenant_id: int, session_id: str) -> dict[str, Any] | None:
    if not isinstance(session_id, str):
        return None
    return mongo.collection(SESSIONS).find_one({"_id": session_id, "tenantId": _require_tenant(tenant_id)}, HIDDEN)


def session_claim_resume(*, tenant_id: int, session_id: str, by: str) -> bool:
    """Mark an ended session as continued by `by`, once: a second claim (a replayed resume token, a duplicated
    tab) finds it taken. Records written before continuations existed have no `resumedBy` (None matches)."""
    claimed = mongo.collection(SESSIONS).find_one_and_update(
        {"_id": session_id, "tenantId": _require_tenant(tenant_id), "status": "ended", "resumedBy": None},
        {"$set": {"resumedBy": by}},
        projection={"_id": 1},
    )
    return claimed is not None


def usage_daily_for(*, tenant_id: int, day: str) -> list[dict[str, Any]]:
    return list(mongo.collection(USAGE_DAILY).find({"tenantId": _require_tenant(tenant_id), "day": day}, HIDDEN))


def usage_dollars(*, tenant_id: int, period: str) -> float:
    """A tenant's recorded dollars in a UTC day (YYYY-MM-DD) or month (YYYY-MM), every channel and model."""
    # Half-open ("-32" sorts after every day of the month): see _days on the wire server and `$lte`.
    day = {"$gte": f"{period}-01", "$lt": f"{period}-32"} if len(period) == 7 else period
    rows = mongo.collection(USAGE_DAILY).find({"tenantId": _require_tenant(tenant_id), "day": day}, {"dollars": 1})
    return sum(float(row.get("dollars") or 0) for row in rows)


def indexes() -> dict[str, list[IndexModel]]:
    return {
        SESSIONS: [
            IndexModel([("tenantId", ASCENDING), ("startedAt", DESCENDING)], name="by_tenant_recent"),
            # The reaper's query: live sessions by heartbeat age.
            IndexModel([("status", ASCENDING), ("lastSeenAt", ASCENDING)], name="live_by_heartbeat"),
            # The janitor's question "has this user a session since the retention cutoff?".
            IndexModel(
                [("tenantId", ASCENDING), ("emailHash", ASCENDING), ("startedAt", DESCENDING)], name="by_tenant_user"
            ),
        ],
        USAGE_DAILY: [
            IndexModel(
                [("tenantId", ASCENDING), ("day", ASCENDING), ("channel", ASCENDING), ("model", ASCENDING)],
                unique=True,
                name="one_row_per_day",
            ),
        ],
        USAGE_EVENTS: [
            IndexModel([("tenantId", ASCENDING), ("day", ASCENDING)], name="by_tenant_day"),
            # Invoices' and analytics' per-user sections: a tenant's identified usage by day.
            IndexModel(
                [("tenantId", ASCENDING), ("emailHash", ASCENDING), ("day", ASCENDING)], name="by_tenant_user_day"
            ),
            # usage_repair's query: events a crash or an outage left half-applied, oldest first.
            IndexModel([("complete", ASCENDING), ("createdAt", ASCENDING)], name="unfinished"),
            IndexModel(
                [("createdAt", ASCENDING)],
                expireAfterSeconds=int(timedelta(days=400).total_seconds()),
                name="retention",
            ),
        ],
    }


def sessions_live_by_tenant() -> dict[int, int]:
    """Live sessions per tenant id, across tenants: only `/metrics` calls this (index live_by_heartbeat)."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"status": "live"}},
        {"$group": {"_id": "$tenantId", "live": {"$sum": 1}}},
    ]
    return {int(row["_id"]): int(row["live"]) for row in mongo.collection(SESSIONS).aggregate(pipeline)}


def session_users_since(*, tenant_id: int, email_hashes: list[str], since: datetime) -> set[str]:
    """Which of these users have a session that started at or after `since` (index by_tenant_user)."""
    if not email_hashes:
        return set()
    query = {"tenantId": _require_tenant(tenant_id), "emailHash": {"$in": email_hashes}, "startedAt": {"$gte": since}}
    return {str(value) for value in mongo.collection(SESSIONS).distinct("emailHash", query)}


def _days(first_day: str, last_day: str) -> dict[str, str]:
    """first_day <= day <= last_day as a half-open range ($lt the next day). The wire server's compound-index
    scan drops rows equal to a `$lte` bound when more key fields follow, so the last day would go missing."""
    following = (date.fromisoformat(last_day) + timedelta(days=1)).isoformat()
    return {"$gte": first_day, "$lt": following}


def usage_daily_between(*, tenant_id: int, first_day: str, last_day: str) -> list[dict[str, Any]]:
    """The tenant's usage_daily rows with first_day <= day <= last_day (index one_row_per_day)."""
    query = {"tenantId": _require_tenant(tenant_id), "day": _days(first_day, last_day)}
    return list(mongo.collection(USAGE_DAILY).find(query, HIDDEN).sort([("day", ASCENDING)]))


def usage_by_user_pipeline(*, tenant_id: int, first_day: str, last_day: str) -> list[dict[str, Any]]:
    """The tenant's usage events in the days given, summed per emailHash (index by_tenant_day: tenantId, day)."""
    return [
        {"$match": {"tenantId": _require_tenant(tenant_id), "day": _days(first_day, last_day)}},
        {
            "$group": {
                "_id": "$emailHash",
                "dollars": {"$sum": "$dollars"},
                "tokens": {"$sum": "$counts.total"},
                "responses": {"$sum": 1},
                "sessions": {"$addToSet": "$sessionId"},
            }
        },
    ]


def usage_by_user_between(*, tenant_id: int, first_day: str, last_day: str) -> list[dict[str, Any]]:
    """The tenant's usage events in the days given, summed per emailHash (None: anonymous)."""
    pipeline = usage_by_user_pipeline(tenant_id=tenant_id, first_day=first_day, last_day=last_day)
    rows = []
    for row in mongo.collection(USAGE_EVENTS).aggregate(pipeline):
        rows.append(
            {
                "emailHash": row["_id"],
                "dollars": float(row["dollars"]),
                "tokens": int(row["tokens"]),
                "responses": int(row["responses"]),
                "sessions": len(row["sessions"]),
            }
        )
    return rows


# ---- analytics: one aggregation per tenant, each led by an equality on tenantId and a range on an indexed field


def daily_totals_pipeline(*, tenant_id: int, first_day: str, last_day: str) -> list[dict[str, Any]]:
    """Dollars and tokens per day (index one_row_per_day: tenantId, day, ...)."""
    return [
        {"$match": {"tenantId": _require_tenant(tenant_id), "day": _days(first_day, last_day)}},
        {"$group": {"_id": "$day", "dollars": {"$sum": "$dollars"}, "tokens": {"$sum": "$tokens.total"}}},
    ]


def sessions_daily_pipeline(*, tenant_id: int, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Sessions started per UTC day and their minutes (index by_tenant_recent: tenantId, startedAt)."""
    minutes = {"$divide": [{"$subtract": [{"$ifNull": ["$endedAt", "$lastSeenAt"]}, "$startedAt"]}, 60_000]}
    return [
        {"$match": {"tenantId": _require_tenant(tenant_id), "startedAt": {"$gte": since, "$lt": until}}},
        {
            "$group": {
                "_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$startedAt"}},
                "sessions": {"$sum": 1},
                "minutes": {"$sum": minutes},
            }
        },
    ]


def sessions_by_reason_pipeline(*, tenant_id: int, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Sessions started in the range by end reason, None for live ones (index by_tenant_recent)."""
    return [
        {"$match": {"tenantId": _require_tenant(tenant_id), "startedAt": {"$gte": since, "$lt": until}}},
        {"$group": {"_id": "$endReason", "sessions": {"$sum": 1}}},
    ]


def daily_totals(*, tenant_id: int, first_day: str, last_day: str) -> list[dict[str, Any]]:
    pipeline = daily_totals_pipeline(tenant_id=tenant_id, first_day=first_day, last_day=last_day)
    return list(mongo.collection(USAGE_DAILY).aggregate(pipeline))


def sessions_daily(*, tenant_id: int, since: datetime, until: datetime) -> list[dict[str, Any]]:
    pipeline = sessions_daily_pipeline(tenant_id=tenant_id, since=since, until=until)
    return list(mongo.collection(SESSIONS).aggregate(pipeline))


def sessions_by_reason(*, tenant_id: int, since: datetime, until: datetime) -> list[dict[str, Any]]:
    pipeline = sessions_by_reason_pipeline(tenant_id=tenant_id, since=since, until=until)
    return list(mongo.collection(SESSIONS).aggregate(pipeline))
