"""The janitor removes identified users with no session newer than their tenant's retention, and only those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from config import mongo
from tests.support.factories import make_tenant
from usage import services, store, users

pytestmark = pytest.mark.django_db


def session_at(*, tenant_id: int, session_id: str, email_hash: str, started: datetime) -> None:
    store.session_start(
        tenant_id=tenant_id,
        channel="widget",
        session_id=session_id,
        agent_id=1,
        agent_name="A",
        model="gpt-realtime",
        key_id=1,
        simulator=True,
        email_hash=email_hash,
    )
    mongo.collection(store.SESSIONS).update_one({"_id": session_id}, {"$set": {"startedAt": started}})


def test_idle_users_go_and_recent_ones_stay_per_tenant_retention(mongo: Any, redis_conn: Any) -> None:
    now = datetime.now(UTC)
    short = make_tenant(slug="short", transcript_retention_days=7)
    long = make_tenant(slug="long", transcript_retention_days=90)
    for tenant, email_hash, days_ago in (
        (short, "h-old", 10),
        (short, "h-new", 2),
        (long, "h-old", 10),  # same visitor hash, another tenant with a longer retention
    ):
        seen = now - timedelta(days=days_ago)
        users.user_upsert(tenant_id=tenant.pk, email_hash=email_hash, email=None, channel="widget", now=seen)
        session_at(
            tenant_id=tenant.pk, session_id=f"vs_{tenant.slug}_{email_hash}", email_hash=email_hash, started=seen
        )
    # A user whose record looks idle but who has a recent session is kept: the session decides.
    users.user_upsert(
        tenant_id=short.pk, email_hash="h-back", email=None, channel="widget", now=now - timedelta(days=30)
    )
    session_at(tenant_id=short.pk, session_id="vs_back", email_hash="h-back", started=now - timedelta(days=1))
    services.indexes_ensure()

    summary = services.janitor_run()

    assert summary["users_removed"] == 1
    remaining = {(doc["tenantId"], doc["emailHash"]) for doc in mongo.users.find({})}
    assert remaining == {(short.pk, "h-new"), (short.pk, "h-back"), (long.pk, "h-old")}
    assert services.janitor_run()["users_removed"] == 0


def test_users_are_unique_per_tenant_and_hash(mongo: Any) -> None:
    services.indexes_ensure()
    for _ in range(3):
        users.user_upsert(tenant_id=1, email_hash="h", email=None, channel="widget")
    users.user_upsert(tenant_id=2, email_hash="h", email=None, channel="console")

    assert mongo.users.count_documents({}) == 2
    index = mongo.users.index_information()["one_user_per_tenant"]
    assert index["unique"] and index["key"] == [("tenantId", 1), ("emailHash", 1)]
