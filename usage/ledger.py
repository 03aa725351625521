"""The usage ledger: each response's usage event is written first, with its amounts, then applied exactly once
to the daily total, the session's total and the budget counters.

MongoDB gives no transaction across documents here (a standalone server has none at all), so each application
is atomic on its own document instead: the `$inc` and a marker of the event id go in one update, filtered on
the marker being absent, and the event notes which applications are done. A retry (the recorder's, or
`usage_repair` run by the janitor) redoes only what is missing. Whatever write a crash or an outage cuts,
every response ends up counted exactly once when writing resumes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pymongo.errors import DuplicateKeyError

from config import mongo
from usage import budgets, limits
from usage.store import SESSIONS, TOKEN_KINDS, USAGE_DAILY, USAGE_EVENTS, require_tenant

logger = logging.getLogger(__name__)

# Event ids applied to a total whose event does not yet say so; emptied as soon as the event does.
MARKER = "meteringEvents"
REPAIR_BATCH = 500


def usage_record(
    *,
    tenant_id: int,
    channel: str,
    session_id: str,
    model: str,
    response_id: str,
    counts: dict[str, int],
    dollars: Decimal,
    at: datetime,
    email_hash: str | None = None,
    estimated: bool = False,
    transcription: bool = False,
) -> bool:
    """Record one response's usage and apply it; True when this call counted it in the daily total (False for
    a replay of a response already counted). `at` is when its `response.done` arrived: it sets the day."""
    event = {
        "_id": f"{session_id}:{response_id}",
        "tenantId": require_tenant(tenant_id),
        "channel": channel,
        "sessionId": session_id,
        "responseId": response_id,
        "model": model,
        "day": at.astimezone(UTC).strftime("%Y-%m-%d"),
        "counts": {kind: int(counts.get(kind, 0)) for kind in TOKEN_KINDS},
        "dollars": float(dollars),
        "kind": "transcription" if transcription else "response",
        "estimated": estimated,  # reckoned from what was streamed: its response.done never came
        "createdAt": at,
        "emailHash": email_hash,
        "applied": {"daily": False, "session": False, "spend": False},
        "complete": False,
    }
    events = mongo.collection(USAGE_EVENTS)
    try:
        events.insert_one(event)
    except DuplicateKeyError:
        stored = events.find_one({"_id": event["_id"]})
        if stored is None or stored.get("complete", True):  # events from before the ledger were applied whole
            return False
        event = stored  # a half-done write: finish it with the amounts first recorded
    return event_apply(event)


def event_apply(event: dict[str, Any]) -> bool:
    """Apply what the event does not yet say is applied; True when it was added to the daily total now."""
    applied = dict(event.get("applied") or {})
    event_id, dollars = event["_id"], float(event["dollars"])
    counts = {kind: int(event["counts"].get(kind, 0)) for kind in TOKEN_KINDS}
    tally = "transcriptions" if event.get("kind") == "transcription" else "responses"
    counted = False
    if not applied.get("daily"):
        counted = _add_once(
            USAGE_DAILY,
            _daily_key(event),
            {**{f"tokens.{kind}": n for kind, n in counts.items()}, "dollars": dollars, tally: 1},
            event_id,
            create={"createdAt": event["createdAt"]},
        )
    if not applied.get("session"):
        _add_once(
            SESSIONS,
            {"_id": event["sessionId"]},
            {
                **{f"usage.{kind}": n for kind, n in counts.items()},
                "usage.dollars": dollars,
                f"usage.{tally}": 1,
                "usage.estimated": int(bool(event.get("estimated"))),
            },
            event_id,
            create=None,  # no session record (ended and expired) means no session total to add to
        )
    if not (applied.get("daily") and applied.get("session")):
        mongo.collection(USAGE_EVENTS).update_one(
            {"_id": event_id}, {"$set": {"applied.daily": True, "applied.session": True}}
        )
    for name, key in ((USAGE_DAILY, _daily_key(event)), (SESSIONS, {"_id": event["sessionId"]})):
        mongo.collection(name).update_one({**key, MARKER: event_id}, {"$pull": {MARKER: event_id}})
    if not applied.get("spend"):
        try:
            budgets.spend_record(
                tenant_id=event["tenantId"],
                # Rounded as a counter seeded from usage_daily's dollars is, so the two never drift apart.
                micro_dollars=round(Decimal(str(dollars)) * 1_000_000),
                moment=event["createdAt"],
                event_id=event_id,
            )
        except limits.LimitUnavailable:
            # Redis went away between the add and the seed of a missing counter: usage_repair finishes it.
            logger.warning("budget counter not seeded for %s: redis unavailable; repaired later", event_id)
            return counted
    mongo.collection(USAGE_EVENTS).update_one({"_id": event_id}, {"$set": {"applied.spend": True, "complete": True}})
    return counted


def _daily_key(event: dict[str, Any]) -> dict[str, Any]:
    return {"tenantId": event["tenantId"], "day": event["day"], "channel": event["channel"], "model": event["model"]}


def _add_once(
    name: str, key: dict[str, Any], increments: dict[str, Any], event_id: str, *, create: dict[str, Any] | None
) -> bool:
    """`$inc` one document by an event's amounts unless that event is already marked on it; True if added."""
    collection = mongo.collection(name)
    update = {"$inc": increments, "$push": {MARKER: event_id}}
    if collection.update_one({**key, MARKER: {"$ne": event_id}}, update).matched_count:
        return True
    if collection.find_one({**key, MARKER: event_id}, {"_id": 1}) is not None:
        return False  # added before a crash cut the write that would have noted it on the event
    if create is None:
        return False
    collection.update_one(key, {"$setOnInsert": create}, upsert=True)  # the day's first response
    return bool(collection.update_one({**key, MARKER: {"$ne": event_id}}, update).matched_count)


def usage_repair(*, older_than_seconds: float = 60.0, limit: int = REPAIR_BATCH) -> int:
    """Finish usage events a crash or an outage left half-applied (oldest first); returns how many.

    Events younger than `older_than_seconds` are left to the writer still working on them; applying one twice
    would be harmless anyway."""
    before = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
    unfinished = {"complete": False, "createdAt": {"$lt": before}}
    repaired = 0
    for event in list(mongo.collection(USAGE_EVENTS).find(unfinished).sort("createdAt").limit(limit)):
        event_apply(event)
        repaired += 1
    return repaired
