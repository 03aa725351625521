"""Metering, budgets, the heartbeat reaper and the janitor. Celery tasks and the `janitor` command call these."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from config import metrics, mongo
from tenants.models import Tenant
from transcripts import store as transcripts_store
from usage import budgets, catalogue, ledger, limits, pricing, store, timers, users
from usage.models import ModelPrice

logger = logging.getLogger(__name__)


def price_for(model: str) -> ModelPrice:
    """The catalogue row of exactly this model; a model without one is priced as the dearest row, loudly."""
    return catalogue.price_for(model)


def usage_meter(
    *,
    tenant_id: int,
    channel: str,
    session_id: str,
    model: str,
    response_id: str,
    usage: dict[str, Any],
    price: ModelPrice | None,
    email_hash: str | None = None,
    estimated: bool = False,
    at: datetime | None = None,
) -> Decimal | None:
    """Record one response's usage exactly once (daily total, session total, budget); returns its dollars, or
    None when it was already counted. `at` is when its `response.done` arrived: the day it counts on.

    `estimated` marks usage reckoned from what was streamed, for a response whose `response.done` never came."""
    counts = pricing.token_counts(usage)
    dollars = pricing.cost_usd(counts, price or price_for(model))
    return _record(
        tenant_id=tenant_id,
        channel=channel,
        session_id=session_id,
        model=model,
        usage_id=response_id,
        counts=counts,
        dollars=dollars,
        estimated=estimated,
        email_hash=email_hash,
        at=at,
    )


def transcription_meter(
    *,
    tenant_id: int,
    channel: str,
    session_id: str,
    model: str,
    item_id: str,
    usage: dict[str, Any],
    price: ModelPrice | None,
    email_hash: str | None = None,
    at: datetime | None = None,
) -> Decimal | None:
    """Record one input transcription once, at the transcription model's price; it counts against the budget."""
    counts = pricing.transcription_counts(usage)
    dollars = pricing.transcription_cost_usd(counts, price or price_for(model))
    return _record(
        tenant_id=tenant_id,
        channel=channel,
        session_id=session_id,
        model=model,
        usage_id=f"transcription:{item_id}",
        counts=counts,
        dollars=dollars,
        estimated=False,
        transcription=True,
        email_hash=email_hash,
        at=at,
    )


def _record(
    *,
    tenant_id: int,
    channel: str,
    session_id: str,
    model: str,
    usage_id: str,
    counts: dict[str, int],
    dollars: Decimal,
    estimated: bool,
    transcription: bool = False,
    email_hash: str | None = None,
    at: datetime | None = None,
) -> Decimal | None:
    if not ledger.usage_record(
        tenant_id=tenant_id,
        channel=channel,
        session_id=session_id,
        model=model,
        response_id=usage_id,
        counts=counts,
        dollars=dollars,
        at=at or datetime.now(UTC),
        email_hash=email_hash,
        estimated=estimated,
        transcription=transcription,
    ):
        return None
    return dollars


def budget_remaining(*, tenant_id: int, daily_budget_usd: Decimal) -> Decimal:
    """Dollars left today; raises limits.LimitUnavailable when the guard cannot be read (fail closed)."""
    return daily_budget_usd - budgets.spent_usd(tenant_id=tenant_id, period=budgets.periods_of()[0])


def session_finish(*, session_id: str, reason: str, stale_before: datetime | None = None) -> dict[str, Any] | None:
    """End a live session once and count its reason for /metrics; None when it had already ended."""
    ended = store.session_end(session_id=session_id, reason=reason, stale_before=stale_before)
    if ended is not None:
        metrics.shared_count("sessions_ended", reason=reason)
    return ended


def sessions_reap(*, stale_after_seconds: float | None = None) -> int:
    """End live sessions whose heartbeat stopped (crashed process) and free their leases; each once."""
    stale = timers.stale_after_seconds() if stale_after_seconds is None else stale_after_seconds
    before = datetime.now(UTC) - timedelta(seconds=stale)
    reaped = 0
    for doc in store.sessions_stale(before=before):
        ended = session_finish(session_id=doc["_id"], reason="heartbeat_lost", stale_before=before)
        if ended is not None:  # another janitor may have claimed it first
            limits.lease_release(tenant_id=ended["tenantId"], session_id=doc["_id"])
            reaped += 1
    return reaped


def visitor_identify(*, tenant_id: int, channel: str, session_id: str, email_hash: str, email: str | None) -> None:
    """An identified visitor's session began (or they gave their e-mail to a tool): upsert the user, and tag
    the session if it began anonymous. `email` is None unless the tenant keeps addresses."""
    users.user_upsert(tenant_id=tenant_id, email_hash=email_hash, email=email, channel=channel)
    store.session_identify(session_id=session_id, email_hash=email_hash)


def users_expire(*, now: datetime | None = None) -> int:
    """Remove each tenant's users with no session newer than the tenant's retention; returns how many."""
    moment = now or datetime.now(UTC)
    removed = 0
    for tenant_id, retention_days in Tenant.objects.values_list("pk", "transcript_retention_days"):
        cutoff = moment - timedelta(days=retention_days)
        while True:
            idle = users.users_idle_since(tenant_id=tenant_id, before=cutoff)
            # updatedAt moves with every session, but a session's start is the authority: check it.
            recent = store.session_users_since(tenant_id=tenant_id, email_hashes=idle, since=cutoff)
            gone = users.users_delete(tenant_id=tenant_id, email_hashes=[h for h in idle if h not in recent])
            removed += gone
            if gone == 0:
                break
    return removed


def indexes_ensure() -> int:
    """Create every MongoDB index (TTL ones carry per-tenant retention via expireAt). Idempotent."""

    created = 0
    for owner in (store, transcripts_store, users):
        for collection, models in owner.indexes().items():
            mongo.collection(collection).create_indexes(models)
            created += len(models)
    return created


def janitor_run() -> dict[str, int]:
    """The periodic clean-up: indexes present, stale sessions reaped, half-applied usage finished, idle users
    removed. Returns a summary."""
    return {
        "indexes": indexes_ensure(),
        "reaped_sessions": sessions_reap(),
        "repaired_usage": ledger.usage_repair(),
        "users_removed": users_expire(),
    }


def _today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")
