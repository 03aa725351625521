"""The console's sessions browser: filters, word search in transcripts, pages, a session's detail with the
hash-chain check, and its export as JSON and Markdown; all inside the tenants the staff user may see."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from config import mongo as mongo_module
from tenants.identity import email_hash
from tests.support.factories import make_agent, make_tenant, make_user
from transcripts import store as transcripts_store
from usage import store as usage_store

pytestmark = pytest.mark.django_db
SEARCH = "/api/console/session-search"


@pytest.fixture
def world(redis_conn: Any, mongo: Any) -> dict[str, Any]:
    shop = make_tenant(slug="shop", name="ShopCo")
    other = make_tenant(slug="other", name="OtherCo")
    operator = make_user(username="operator", staff=True)
    shop.operators.add(operator)
    return {
        "shop": shop,
        "other": other,
        "sales": make_agent(shop, name="Sales"),
        "support": make_agent(shop, name="Support"),
        "other_agent": make_agent(other, name="Other agent"),
        "operator": operator,
    }


def store(
    tenant: Any,
    agent: Any,
    session_id: str,
    lines: list[tuple[str, str]],
    *,
    channel: str = "widget",
    reason: str | None = "client_closed",
    email: str | None = None,
    days_ago: int = 0,
) -> None:
    usage_store.session_start(
        tenant_id=tenant.pk,
        channel=channel,
        session_id=session_id,
        agent_id=agent.pk,
        agent_name=agent.name,
        model="gpt-realtime",
        key_id=None,
        simulator=True,
        email_hash=email_hash(email) if email else None,
        origin="https://shop.example.com",
    )
    started = datetime.now(UTC) - timedelta(days=days_ago, minutes=5)
    sessions = mongo_module.collection(usage_store.SESSIONS)
    sessions.update_one({"_id": session_id}, {"$set": {"startedAt": started}})
    if reason:
        usage_store.session_end(session_id=session_id, reason=reason)
        sessions.update_one({"_id": session_id}, {"$set": {"endedAt": started + timedelta(seconds=95)}})
    previous = transcripts_store.GENESIS
    for seq, (role, text) in enumerate(lines):
        previous = transcripts_store.transcript_write(
            tenant_id=tenant.pk,
            channel=channel,
            session_id=session_id,
            item_id=f"{session_id}_{seq}",
            role=role,
            text=text,
            seq=seq,
            previous_hash=previous,
            retention_days=30,
        )


def search(client: Client, tenant: Any, **params: Any) -> Any:
    return client.get(SEARCH, {"tenant_id": tenant.pk, **params})


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["sessionId"] for item in response.json()["items"]]


@pytest.fixture
def client_of(world: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(world["operator"])
    return client


def test_each_filter_narrows_the_sessions(world: dict[str, Any], client_of: Client) -> None:
    shop = world["shop"]
    store(shop, world["sales"], "s1", [("user", "Do you sell tents?")], email="ann@example.com")
    store(shop, world["support"], "s2", [("user", "Where is my order?")], reason="idle_timeout")
    store(shop, world["sales"], "s3", [("user", "Hello")], channel="console", days_ago=3)
    store(shop, world["sales"], "s4", [("user", "Still talking")], reason=None)

    assert ids(search(client_of, shop)) == ["s4", "s2", "s1", "s3"]  # newest first
    assert ids(search(client_of, shop, agent_id=world["support"].pk)) == ["s2"]
    assert ids(search(client_of, shop, channel="console")) == ["s3"]
    assert ids(search(client_of, shop, end_reason="idle_timeout")) == ["s2"]
    assert ids(search(client_of, shop, user="Ann@Example.com ")) == ["s1"]  # normalised like the widget's
    assert ids(search(client_of, shop, user=email_hash("ann@example.com"))) == ["s1"]
    assert ids(search(client_of, shop, user="not an address")) == []
    today = datetime.now(UTC).date()
    assert ids(search(client_of, shop, date_to=(today - timedelta(days=2)).isoformat())) == ["s3"]
    assert ids(search(client_of, shop, date_from=(today - timedelta(days=1)).isoformat())) == ["s4", "s2", "s1"]


def test_words_said_find_the_sessions_that_said_them(world: dict[str, Any], client_of: Client) -> None:
    shop = world["shop"]
    store(shop, world["sales"], "tents", [("user", "Do you sell TENTS?"), ("assistant", "Yes, three tents.")])
    store(shop, world["sales"], "order", [("user", "Where is my order?")])
    store(world["other"], world["other_agent"], "foreign", [("user", "tents please")])

    assert ids(search(client_of, shop, q="tents")) == ["tents"]
    assert ids(search(client_of, shop, q="sell tents")) == ["tents"]  # every word, in one utterance
    assert ids(search(client_of, shop, q="tents order")) == []
    assert ids(search(client_of, shop, q="  ")) == ["order", "tents"]  # blank search: no filter


def test_the_list_comes_in_pages(world: dict[str, Any], client_of: Client) -> None:
    for number in range(27):
        store(world["shop"], world["sales"], f"p{number:02d}", [])

    first, second = search(client_of, world["shop"]).json(), search(client_of, world["shop"], page=2).json()

    assert (first["total"], first["pages"], len(first["items"])) == (27, 2, 25)
    assert len(second["items"]) == 2
    assert not {i["sessionId"] for i in first["items"]} & {i["sessionId"] for i in second["items"]}


def test_bad_filters_are_refused_not_run(world: dict[str, Any], client_of: Client) -> None:
    for params in [{"channel": "fax"}, {"end_reason": "$ne"}, {"date_from": "yesterday"}, {"page": 0}]:
        assert search(client_of, world["shop"], **params).status_code == 422, params


def test_a_session_detail_says_how_it_went_and_whether_the_transcript_is_intact(
    world: dict[str, Any], client_of: Client
) -> None:
    store(world["shop"], world["sales"], "d1", [("user", "Hi"), ("assistant", "Hello!"), ("user", "Bye")])
    url = "/api/console/sessions/d1"

    detail = client_of.get(url, {"tenant_id": world["shop"].pk}).json()
    assert detail["session"]["endReasonText"] == "The visitor left or closed the page"
    assert detail["session"]["durationSeconds"] == pytest.approx(95, abs=1)
    assert "audio_input" in detail["session"]["usage"]["byKind"]
    assert detail["session"]["origin"] == "https://shop.example.com"
    assert detail["chain"] == {
        "intact": True,
        "brokenAt": None,
        "text": "Transcript intact: all 3 utterances match their hash chain.",
    }

    mongo_module.collection(transcripts_store.TRANSCRIPTS).update_one(
        {"sessionId": "d1", "seq": 1}, {"$set": {"text": "Edited"}}
    )
    detail = client_of.get(url, {"tenant_id": world["shop"].pk}).json()
    assert detail["chain"]["intact"] is False and detail["chain"]["brokenAt"] == 1
    assert "breaks at utterance 2" in detail["chain"]["text"]


def test_a_continued_session_names_the_session_it_continues_and_is_named_by_it(
    world: dict[str, Any], client_of: Client
) -> None:
    store(world["shop"], world["sales"], "c1", [("user", "Do you sell tents?"), ("assistant", "Yes.")])
    store(world["shop"], world["sales"], "c2", [("user", "And sleeping bags?")])
    sessions = mongo_module.collection(usage_store.SESSIONS)
    sessions.update_one({"_id": "c2"}, {"$set": {"resumedFrom": "c1"}})
    sessions.update_one({"_id": "c1"}, {"$set": {"resumedBy": "c2"}})

    later = client_of.get("/api/console/sessions/c2", {"tenant_id": world["shop"].pk}).json()["session"]
    earlier = client_of.get("/api/console/sessions/c1", {"tenant_id": world["shop"].pk}).json()["session"]
    assert later["resumedFrom"] == "c1" and later["resumedBy"] is None
    assert earlier["resumedBy"] == "c2" and earlier["resumedFrom"] is None
    markdown = client_of.get(
        "/api/console/sessions/c2/export", {"tenant_id": world["shop"].pk, "format": "md"}
    ).content.decode()
    assert "- Continues session c1" in markdown


def test_a_session_exports_as_json_and_markdown(world: dict[str, Any], client_of: Client) -> None:
    store(world["shop"], world["sales"], "e1", [("user", "Do you sell tents?"), ("assistant", "Yes.")])
    url = "/api/console/sessions/e1/export"

    as_json = client_of.get(url, {"tenant_id": world["shop"].pk, "format": "json"})
    as_markdown = client_of.get(url, {"tenant_id": world["shop"].pk, "format": "md"})

    assert as_json["Content-Disposition"] == 'attachment; filename="session-e1.json"'
    data = json.loads(as_json.content)
    assert [line["text"] for line in data["transcript"]] == ["Do you sell tents?", "Yes."]
    assert data["session"]["usage"]["dollars"] == 0.0
    text = as_markdown.content.decode()
    assert as_markdown["Content-Type"].startswith("text/markdown")
    assert text.startswith("# Session e1\n") and "**Visitor:** Do you sell tents?" in text and "**Agent:** Yes." in text


def test_another_tenants_sessions_stay_invisible(world: dict[str, Any], client_of: Client) -> None:
    store(world["other"], world["other_agent"], "x1", [("user", "secret plans")])
    other = world["other"].pk

    assert search(client_of, world["other"]).status_code == 404
    assert client_of.get("/api/console/sessions/x1", {"tenant_id": other}).status_code == 404
    assert client_of.get("/api/console/sessions/x1/export", {"tenant_id": other}).status_code == 404
    assert client_of.get("/api/console/session-filters", {"tenant_id": other}).status_code == 404
    # Asking under one's own tenant for the other's session id finds nothing either.
    assert client_of.get("/api/console/sessions/x1", {"tenant_id": world["shop"].pk}).status_code == 404
    assert ids(search(client_of, world["shop"], q="secret plans")) == []
