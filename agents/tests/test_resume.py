"""Continuing a conversation after a page change: the resume token, the server's checks against the stored
record, and the seed loaded from MongoDB (agents/resume.py), on the real MongoDB wire server."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agents import resume
from agents.resume import ResumeRefused, resume_seed, resume_token_issue, resume_token_verify, seed_items
from tenants.tokens import TokenInvalid, WidgetClaims, token_issue, token_verify
from transcripts import store as transcripts
from usage import store as usage_store

ORIGIN = "https://shop.example"
TENANT, KEY = 7, 70


def widget(tenant: int = TENANT, key: int = KEY, origin: str = ORIGIN, channel: str = "widget") -> WidgetClaims:
    return WidgetClaims(tenant, key, channel, origin, "jti", int(time.time()) + 300)


def token_for(session_id: str, **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "session_id": session_id,
        "tenant_id": TENANT,
        "key_id": KEY,
        "channel": "widget",
        "origin": ORIGIN,
        "valid_seconds": 3600,
        **overrides,
    }
    return resume_token_issue(**fields)


def stored_session(
    session_id: str,
    lines: list[tuple[str, str]],
    *,
    reason: str = "client_closed",
    tenant: int = TENANT,
    key: int = KEY,
    origin: str = ORIGIN,
    resumed_from: str | None = None,
) -> None:
    """A session as the relay leaves it: its record, its chained transcript, and its end."""
    usage_store.session_start(
        tenant_id=tenant,
        channel="widget",
        session_id=session_id,
        agent_id=1,
        agent_name="Shop assistant",
        model="gpt-realtime",
        key_id=key,
        simulator=True,
        origin=origin,
        resumed_from=resumed_from,
    )
    previous = transcripts.GENESIS
    for seq, (role, text) in enumerate(lines, start=1):
        previous = transcripts.transcript_write(
            tenant_id=tenant,
            channel="widget",
            session_id=session_id,
            item_id=f"item_{seq}",
            role=role,
            text=text,
            seq=seq,
            previous_hash=previous,
            retention_days=30,
        )
    usage_store.session_end(session_id=session_id, reason=reason)


CONVERSATION = [("user", "what is your cheapest product"), ("assistant", "The cheapest is the Trail Cap at €12.")]


def test_a_session_left_by_a_page_change_is_continued_with_its_transcript(mongo: Any) -> None:
    stored_session("vs_first", CONVERSATION)
    seed = resume_seed(token=token_for("vs_first"), widget=widget(), new_session_id="vs_second")
    assert seed.previous_session_id == "vs_first"
    assert seed.messages == CONVERSATION
    record = usage_store.session_get(tenant_id=TENANT, session_id="vs_first")
    assert record and record["resumedBy"] == "vs_second"
    # The items the new upstream session gets: the Realtime API's content type for each role.
    items = seed_items(seed, prefix="abcdef12")
    assert [(i["role"], i["content"][0]["type"], i["content"][0]["text"]) for i in items] == [
        ("user", "input_text", CONVERSATION[0][1]),
        ("assistant", "output_text", CONVERSATION[1][1]),
    ]
    assert all(len(str(i["id"])) <= 32 for i in items)


def test_a_session_is_continued_once_a_replayed_token_starts_afresh(mongo: Any) -> None:
    stored_session("vs_first", CONVERSATION)
    token = token_for("vs_first")
    resume_seed(token=token, widget=widget(), new_session_id="vs_second")
    with pytest.raises(ResumeRefused) as refused:
        resume_seed(token=token, widget=widget(), new_session_id="vs_third")
    assert refused.value.code == "resume_refused"


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(widget(tenant=8), id="another tenant"),
        pytest.param(widget(key=71), id="another key"),
        pytest.param(widget(origin="https://evil.example"), id="another origin"),
        pytest.param(widget(channel="console"), id="another channel"),
    ],
)
def test_a_token_presented_with_another_tenant_key_origin_or_channel_is_refused(
    mongo: Any, claims: WidgetClaims
) -> None:
    stored_session("vs_first", CONVERSATION)
    with pytest.raises(ResumeRefused) as refused:
        resume_seed(token=token_for("vs_first"), widget=claims, new_session_id="vs_second")
    assert refused.value.code == "resume_refused"
    record = usage_store.session_get(tenant_id=TENANT, session_id="vs_first")
    assert record and record["resumedBy"] is None  # nothing claimed: the real visitor may still continue


def test_a_token_naming_another_tenants_session_finds_nothing(mongo: Any) -> None:
    """A token is minted only for the session's own tenant; were one ever signed for a session id of another
    tenant, the record is looked up within the token's tenant and not found."""
    stored_session("vs_theirs", CONVERSATION, tenant=8, key=80)
    with pytest.raises(ResumeRefused, match="no such session"):
        resume_seed(token=token_for("vs_theirs"), widget=widget(), new_session_id="vs_second")


def test_a_record_opened_through_another_key_or_origin_is_refused(mongo: Any) -> None:
    stored_session("vs_key", CONVERSATION, key=71)
    stored_session("vs_origin", CONVERSATION, origin="https://other.example")
    for session_id in ("vs_key", "vs_origin"):
        with pytest.raises(ResumeRefused, match="another key or origin"):
            resume_seed(token=token_for(session_id), widget=widget(), new_session_id="vs_second")


@pytest.mark.parametrize("reason", ["visitor_ended", "idle_timeout", "max_duration", "budget", "key_revoked"])
def test_a_session_ended_for_good_is_not_continued(mongo: Any, reason: str) -> None:
    stored_session("vs_first", CONVERSATION, reason=reason)
    with pytest.raises(ResumeRefused, match="ended for good") as refused:
        resume_seed(token=token_for("vs_first"), widget=widget(), new_session_id="vs_second")
    assert refused.value.code == "resume_refused"


def test_a_session_ended_more_than_the_window_ago_is_expired(mongo: Any) -> None:
    stored_session("vs_first", CONVERSATION)
    later = datetime.now(UTC) + timedelta(seconds=resume.RESUME_WINDOW_SECONDS + 60)
    with pytest.raises(ResumeRefused) as refused:
        resume_seed(token=token_for("vs_first"), widget=widget(), new_session_id="vs_second", now=later)
    assert refused.value.code == "resume_expired"
    just_in = datetime.now(UTC) + timedelta(seconds=resume.RESUME_WINDOW_SECONDS - 60)
    assert resume_seed(token=token_for("vs_first"), widget=widget(), new_session_id="vs_2", now=just_in).messages


def test_an_expired_token_is_expired_and_a_forged_one_refused(mongo: Any) -> None:
    stored_session("vs_first", CONVERSATION)
    old = token_for("vs_first", valid_seconds=60, now=time.time() - 3600)
    with pytest.raises(ResumeRefused) as refused:
        resume_seed(token=old, widget=widget(), new_session_id="vs_second")
    assert refused.value.code == "resume_expired"
    header, payload, _ = token_for("vs_first").split(".")
    with pytest.raises(ResumeRefused) as forged:
        resume_token_verify(f"{header}.{payload}.AAAA")
    assert forged.value.code == "resume_refused"


def test_resume_and_widget_tokens_are_not_interchangeable(settings: Any) -> None:
    widget_token, _ = token_issue(tenant_id=TENANT, key_id=KEY, channel="widget", origin=ORIGIN)
    with pytest.raises(ResumeRefused):
        resume_token_verify(widget_token)
    with pytest.raises(TokenInvalid):
        token_verify(token_for("vs_first"))


def test_a_live_session_is_not_continued(mongo: Any) -> None:
    usage_store.session_start(
        tenant_id=TENANT,
        channel="widget",
        session_id="vs_live",
        agent_id=1,
        agent_name="Shop assistant",
        model="gpt-realtime",
        key_id=KEY,
        simulator=True,
        origin=ORIGIN,
    )
    with pytest.raises(ResumeRefused, match="still live"):
        resume_seed(token=token_for("vs_live"), widget=widget(), new_session_id="vs_second", wait_seconds=0.2)


def test_a_continuation_of_a_continuation_remembers_both_and_the_seed_is_capped(mongo: Any) -> None:
    first = [("user" if n % 2 == 0 else "assistant", f"line {n}") for n in range(30)]
    stored_session("vs_first", first)
    second = [("user", "and one more thing"), ("assistant", "Of course.")] * 10
    stored_session("vs_second", second, resumed_from="vs_first")
    seed = resume_seed(token=token_for("vs_second"), widget=widget(), new_session_id="vs_third")
    assert len(seed.messages) == resume.SEED_MAX_ITEMS
    assert seed.messages == (first + second)[-resume.SEED_MAX_ITEMS :]  # the newest, in order

    long_lines = [("user", "x" * 5000), ("assistant", "y" * 5000), ("user", "z" * 5000)]
    stored_session("vs_long", long_lines)
    capped = resume_seed(token=token_for("vs_long"), widget=widget(), new_session_id="vs_fourth")
    assert capped.messages == long_lines[1:]  # the oldest dropped to stay within SEED_MAX_CHARS
