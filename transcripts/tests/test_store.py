"""Transcripts: createdAt written once, hash-chained per session, always scoped by tenant."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from transcripts import store


def _write(item_id: str, text: str, seq: int, previous: str, now: datetime | None = None) -> str:
    return store.transcript_write(
        tenant_id=1,
        channel="widget",
        session_id="vs_1",
        item_id=item_id,
        role="user",
        text=text,
        seq=seq,
        previous_hash=previous,
        retention_days=30,
        now=now,
    )


def test_created_at_is_never_overwritten_by_a_later_write_of_the_same_utterance(mongo: Any) -> None:
    _write("item_1", "hello", 1, store.GENESIS)
    first = mongo["transcripts"].find_one({"itemId": "item_1"})
    time.sleep(0.01)
    _write("item_1", "hello", 1, store.GENESIS)
    second = mongo["transcripts"].find_one({"itemId": "item_1"})
    assert second["createdAt"] == first["createdAt"]
    assert second["updatedAt"] > first["updatedAt"]
    assert mongo["transcripts"].count_documents({}) == 1


def test_a_later_edit_of_a_stored_utterance_breaks_the_chain(mongo: Any) -> None:
    first = _write("item_1", "I want shoes", 1, store.GENESIS)
    _write("item_2", "Which size?", 2, first)
    assert store.transcript_verify_chain(tenant_id=1, session_id="vs_1")
    mongo["transcripts"].update_one({"itemId": "item_1"}, {"$set": {"text": "I want a refund"}})
    assert not store.transcript_verify_chain(tenant_id=1, session_id="vs_1")


def test_the_hash_does_not_depend_on_sub_millisecond_time(mongo: Any) -> None:
    moment = datetime(2026, 11, 27, 10, 0, 0, 123456, tzinfo=UTC)
    _write("item_1", "hi", 1, store.GENESIS, now=moment)
    assert store.transcript_verify_chain(tenant_id=1, session_id="vs_1")


def test_a_query_without_a_tenant_is_an_error_and_other_tenants_see_nothing(mongo: Any) -> None:
    _write("item_1", "hello", 1, store.GENESIS)
    assert store.transcript_for_session(tenant_id=2, session_id="vs_1") == []
    for bad in (None, 0, "1", True):
        with pytest.raises(ValueError):
            store.transcript_for_session(tenant_id=bad, session_id="vs_1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.transcript_for_session(tenant_id=1, session_id={"$ne": ""})  # type: ignore[arg-type]


def test_tool_logs_carry_the_tenant_retention_and_are_read_per_session(mongo: Any) -> None:
    store.tool_log_write({"tenantId": 1, "channel": "widget", "sessionId": "vs_1", "tool": "t"}, retention_days=2)
    [log] = store.tool_logs_for_session(tenant_id=1, session_id="vs_1")
    assert log["tool"] == "t" and "expireAt" not in log
    stored = mongo["tool_logs"].find_one({})
    assert (stored["expireAt"] - stored["createdAt"]).days == 2
    assert store.tool_logs_for_session(tenant_id=2, session_id="vs_1") == []
