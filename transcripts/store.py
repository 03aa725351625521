"""Transcripts and tool logs in MongoDB. Every document carries tenantId, channel and sessionId, and every
read is scoped by tenant: a query without one is an error, not "all tenants"."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

from config import mongo

TRANSCRIPTS = "transcripts"
TOOL_LOGS = "tool_logs"
GENESIS = "0" * 64


def _require_tenant(tenant_id: Any) -> int:
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool) or tenant_id <= 0:
        raise ValueError("a tenant id is required for every transcript query")
    return tenant_id


def _require_session(session_id: Any) -> str:
    if not isinstance(session_id, str) or not session_id:
        raise ValueError("session id must be a non-empty string")
    return session_id


_WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS_PER_UTTERANCE = 200


def search_words(text: str) -> list[str]:
    """The distinct lower-case words of a text, as stored for search and as a search is split."""
    words: list[str] = []
    for word in _WORD.findall(text.casefold()):
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS_PER_UTTERANCE]


def utterance_hash(*, previous: str, seq: int, item_id: str, role: str, text: str, created_at: datetime) -> str:
    """Each utterance hashes its predecessor's hash, so editing any stored utterance breaks the chain."""
    material = json.dumps([previous, seq, item_id, role, text, created_at.isoformat(timespec="milliseconds")])
    return hashlib.sha256(material.encode()).hexdigest()


def transcript_write(
    *,
    tenant_id: int,
    channel: str,
    session_id: str,
    item_id: str,
    role: str,
    text: str,
    seq: int,
    previous_hash: str,
    retention_days: int,
    now: datetime | None = None,
    email_hash: str | None = None,
) -> str:
    """Store one utterance once, tagged with the identified visitor's emailHash if any. createdAt is set on insert
    only; a repeat only moves updatedAt."""
    _require_tenant(tenant_id)
    moment = now or datetime.now(UTC)
    created = moment.replace(microsecond=moment.microsecond // 1000 * 1000)  # MongoDB keeps milliseconds
    digest = utterance_hash(previous=previous_hash, seq=seq, item_id=item_id, role=role, text=text, created_at=created)
    result = mongo.collection(TRANSCRIPTS).find_one_and_update(
        {"tenantId": tenant_id, "sessionId": session_id, "itemId": item_id},
        {
            "$setOnInsert": {
                "tenantId": tenant_id,
                "channel": channel,
                "sessionId": session_id,
                "itemId": item_id,
                "role": role,
                "text": text,
                "seq": seq,
                "createdAt": created,
                "prevHash": previous_hash,
                "hash": digest,
                "expireAt": created + timedelta(days=retention_days),
                "emailHash": email_hash,
                # Full-text search without a text index (SecantusDB has none): a multikey index on the words.
                "words": search_words(text),
            },
            "$set": {"updatedAt": datetime.now(UTC)},
        },
        upsert=True,
        return_document=True,
    )
    return str(result["hash"]) if result else digest


def transcript_for_session(*, tenant_id: int, session_id: str) -> list[dict[str, Any]]:
    cursor = (
        mongo.collection(TRANSCRIPTS)
        .find(
            {"tenantId": _require_tenant(tenant_id), "sessionId": _require_session(session_id)},
            {"_id": 0, "expireAt": 0},
        )
        .sort("seq", ASCENDING)
    )
    return list(cursor)


def transcript_chain_break(*, tenant_id: int, session_id: str) -> int | None:
    """The seq of the first utterance that no longer hashes to what was written (edited, removed or
    reordered), or None when the chain is intact."""
    previous = GENESIS
    for doc in transcript_for_session(tenant_id=tenant_id, session_id=session_id):
        expected = utterance_hash(
            previous=previous,
            seq=doc["seq"],
            item_id=doc["itemId"],
            role=doc["role"],
            text=doc["text"],
            created_at=doc["createdAt"],
        )
        if doc.get("prevHash") != previous or doc.get("hash") != expected:
            return int(doc["seq"])
        previous = doc["hash"]
    return None


def transcript_verify_chain(*, tenant_id: int, session_id: str) -> bool:
    """True when every stored utterance still hashes to what was written, in order."""
    return transcript_chain_break(tenant_id=tenant_id, session_id=session_id) is None


def session_ids_saying(*, tenant_id: int, text: str, limit: int = 1000) -> list[str]:
    """Sessions of a tenant with an utterance containing every word of `text` (newest first)."""
    words = search_words(text)[:10]
    if not words:
        return []
    cursor = (
        mongo.collection(TRANSCRIPTS)
        .find({"tenantId": _require_tenant(tenant_id), "words": {"$all": words}}, {"_id": 0, "sessionId": 1})
        .sort("createdAt", DESCENDING)
        .limit(limit)
    )
    seen: list[str] = []
    for doc in cursor:
        if doc["sessionId"] not in seen:
            seen.append(doc["sessionId"])
    return seen


def tool_log_write(document: dict[str, Any], *, retention_days: int = 30) -> None:
    """One document per tool call or card click; the caller has already redacted secrets from it."""
    _require_tenant(document.get("tenantId"))
    created = document.setdefault("createdAt", datetime.now(UTC))
    document["expireAt"] = created + timedelta(days=retention_days)
    mongo.collection(TOOL_LOGS).insert_one(document)


def tool_logs_for_session(*, tenant_id: int, session_id: str) -> list[dict[str, Any]]:
    cursor = (
        mongo.collection(TOOL_LOGS)
        .find(
            {"tenantId": _require_tenant(tenant_id), "sessionId": _require_session(session_id)},
            {"_id": 0, "expireAt": 0},
        )
        .sort("createdAt", ASCENDING)
    )
    return list(cursor)


def indexes() -> dict[str, list[IndexModel]]:
    """Indexes for these collections; expireAt carries each tenant's retention (TTL at the stored time)."""
    return {
        TRANSCRIPTS: [
            IndexModel(
                [("tenantId", ASCENDING), ("sessionId", ASCENDING), ("itemId", ASCENDING)],
                unique=True,
                name="utterance_once",
            ),
            IndexModel([("tenantId", ASCENDING), ("words", ASCENDING)], name="by_tenant_words"),
            IndexModel([("tenantId", ASCENDING), ("sessionId", ASCENDING), ("seq", ASCENDING)], name="by_session"),
            IndexModel([("expireAt", ASCENDING)], expireAfterSeconds=0, name="retention"),
        ],
        TOOL_LOGS: [
            IndexModel(
                [("tenantId", ASCENDING), ("sessionId", ASCENDING), ("createdAt", ASCENDING)], name="by_session"
            ),
            IndexModel([("tenantId", ASCENDING), ("createdAt", DESCENDING)], name="by_tenant_recent"),
            # Analytics' tool figures: a tenant's calls (not card actions) in a date range.
            IndexModel(
                [("tenantId", ASCENDING), ("kind", ASCENDING), ("createdAt", ASCENDING)], name="calls_by_tenant"
            ),
            IndexModel([("expireAt", ASCENDING)], expireAfterSeconds=0, name="retention"),
        ],
    }


def tool_stats_pipeline(*, tenant_id: int, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Tool calls of one tenant in [since, until) per tool (index calls_by_tenant: tenantId, kind, createdAt)."""
    return [
        {
            "$match": {
                "tenantId": _require_tenant(tenant_id),
                "createdAt": {"$gte": since, "$lt": until},
                "kind": "call",
            }
        },
        {
            "$group": {
                "_id": "$tool",
                "calls": {"$sum": 1},
                "errors": {"$sum": {"$cond": [{"$eq": ["$status", "ok"]}, 0, 1]}},
                "latencies": {"$push": "$latencyMs"},
            }
        },
    ]


def tool_stats(*, tenant_id: int, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Per tool: calls, errors and every latency in ms (the caller takes percentiles)."""
    rows = mongo.collection(TOOL_LOGS).aggregate(tool_stats_pipeline(tenant_id=tenant_id, since=since, until=until))
    return [
        {
            "tool": str(row["_id"]),
            "calls": int(row["calls"]),
            "errors": int(row["errors"]),
            "latencies": [float(value) for value in row["latencies"] if isinstance(value, int | float)],
        }
        for row in rows
    ]
