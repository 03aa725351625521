"""An identified visitor's session: `users` upserted by emailHash, and the session, its transcript, tool logs
and usage tagged with the emailHash; the e-mail itself only in `users`, only when the tenant keeps it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ValidationError

from agents.recorder import recorder
from agents.session_records import SessionRecords, VisitorIdentity
from config.asgi import application
from tenants.identity import email_hash
from tenants.models import Tenant
from tenants.tokens import token_issue
from tests.support.factories import build_tool, make_agent, make_key, make_live_session, make_tenant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.slow]

ORIGIN = "http://127.0.0.1:8000"
HEADERS = [(b"origin", ORIGIN.encode()), (b"host", b"127.0.0.1:8000")]
EMAIL = "ada@example.com"
HASH = email_hash(EMAIL)


@pytest.fixture
def shop(settings: Any, simulator_url: str, mongo: Any, redis_conn: Any) -> Any:
    settings.REALTIME_URL = simulator_url
    settings.OPENAI_API_KEY = ""
    tenant = make_tenant(slug="shop", allowed_origins=ORIGIN)
    make_agent(tenant, greeting="")
    make_key(tenant)
    return mongo


def identified_token(*, keep_email: bool) -> str:
    tenant = Tenant.objects.get(slug="shop")
    Tenant.objects.filter(pk=tenant.pk).update(store_visitor_email=keep_email)
    token, _ = token_issue(
        tenant_id=tenant.pk,
        key_id=tenant.widget_keys.get().pk,
        channel="widget",
        origin=ORIGIN,
        agent_id=tenant.agents.get().pk,
        email_hash=HASH,
        email=EMAIL if keep_email else None,
    )
    return token


async def converse(token: str) -> str:
    socket = WebsocketCommunicator(
        application, "/ws/voice/", headers=HEADERS, subprotocols=["voice.v1", f"token.{token}"]
    )
    connected, _ = await socket.connect(timeout=10)
    assert connected
    hello = await socket.receive_json_from(timeout=5)
    await socket.send_json_to(
        {
            "type": "conversation.item.create",
            "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello"}]},
        }
    )
    while json.loads(await socket.receive_from(timeout=10))["type"] != "response.done":
        pass
    await socket.disconnect()
    assert await recorder().drain(within=10)
    return str(hello["sessionId"])


async def test_an_identified_session_upserts_the_user_and_tags_every_record_with_the_hash_only(shop: Any) -> None:
    session_id = await converse(await sync_to_async(identified_token)(keep_email=False))

    users = list(shop.users.find({}, {"_id": 0}))
    assert len(users) == 1
    user = users[0]
    assert user["emailHash"] == HASH and user["email"] is None and user["channel"] == "widget"
    assert user["createdAt"] and user["updatedAt"]
    assert shop.realtime_sessions.find_one({"_id": session_id})["emailHash"] == HASH
    transcript = list(shop.transcripts.find({"sessionId": session_id}))
    assert transcript and all(line["emailHash"] == HASH for line in transcript)
    events = list(shop.usage_events.find({"sessionId": session_id}))
    assert events and all(event["emailHash"] == HASH for event in events)
    everything = json.dumps(
        [list(shop[name].find({}, {"_id": 0})) for name in shop.list_collection_names()], default=str
    )
    assert EMAIL not in everything


async def test_a_tenant_that_keeps_addresses_has_them_in_users_only_and_a_second_session_is_the_same_user(
    shop: Any,
) -> None:
    first = await converse(await sync_to_async(identified_token)(keep_email=True))
    created = shop.users.find_one({})["createdAt"]
    second = await converse(await sync_to_async(identified_token)(keep_email=True))

    users = list(shop.users.find({}))
    assert len(users) == 1 and users[0]["email"] == EMAIL
    assert users[0]["createdAt"] == created and users[0]["updatedAt"] > created  # $setOnInsert vs $set
    for name in ("realtime_sessions", "transcripts", "usage_events", "tool_logs"):
        assert not shop[name].count_documents({"email": {"$exists": True}}), name
        assert EMAIL not in json.dumps(list(shop[name].find({}, {"_id": 0})), default=str), name
    assert {first, second} == {s["_id"] for s in shop.realtime_sessions.find({"emailHash": HASH})}


async def test_an_email_given_to_a_marked_tool_identifies_an_anonymous_session(shop: Any) -> None:
    tenant = await sync_to_async(Tenant.objects.get)(slug="shop")
    await sync_to_async(make_live_session)(tenant_id=tenant.pk, session_id="vs_anon")
    records = SessionRecords(
        tenant_id=tenant.pk, channel="widget", session_id="vs_anon", retention_days=1, identity=VisitorIdentity()
    )

    records.email_given("not an e-mail")
    records.email_given(" Grace@Example.com ")
    records.tool_log({"kind": "tool", "tool": "subscribe", "status": "ok"})
    assert await recorder().drain(within=10)

    grace = email_hash("grace@example.com")
    assert [user["emailHash"] for user in shop.users.find({})] == [grace]
    assert shop.users.find_one({})["email"] is None
    assert shop.realtime_sessions.find_one({"_id": "vs_anon"})["emailHash"] == grace
    assert shop.tool_logs.find_one({"sessionId": "vs_anon"})["emailHash"] == grace


async def test_a_descriptor_marks_only_a_string_argument_as_the_visitors_email(shop: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"query": {"type": "string"}, "email": {"type": "string"}, "count": {"type": "integer"}},
        "additionalProperties": False,
    }
    good = build_tool(arguments_schema=schema, visitor_email_argument="email")
    await sync_to_async(good.clean)()
    for wrong in ("count", "missing"):
        with pytest.raises(ValidationError) as refused:
            await sync_to_async(build_tool(arguments_schema=schema, visitor_email_argument=wrong).clean)()
        assert "visitor_email_argument" in refused.value.message_dict
