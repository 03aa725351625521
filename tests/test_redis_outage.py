"""Redis goes down and comes back: a real redis-server of this test's own is stopped and restarted.

While it is down, bootstrap's rate check answers from the process's own limiter (and says so), anything that
admits spend (opening a conversation, its lease, the budget) refuses with the retryable busy notice, and a
live conversation goes on. When it returns everything works again without a restart, and the budget counter
catches up with the spend metered during the outage, even when Redis lost its data.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from agents import protocol
from config.asgi import application
from config.embedded import EmbeddedRedis
from tests.support.factories import make_agent, make_key, make_tenant
from tests.support.servers import free_port
from usage import budgets, limits, rate_limits, store
from usage.refusals import refusal_counts

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN = "http://127.0.0.1:8000"
HEADERS = [(b"origin", ORIGIN.encode()), (b"host", b"127.0.0.1:8000")]


@pytest.fixture
def own_redis(settings: Any) -> Iterator[EmbeddedRedis]:
    """A redis-server for this test alone (stopping the run's shared one would disturb nothing else, but this
    one may also lose its data file)."""
    server = EmbeddedRedis(data_dir=Path(tempfile.mkdtemp(prefix="va-redis-outage-")), port=free_port())
    server.start()
    settings.REDIS_URL = server.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    yield server
    server.stop()


@pytest.fixture
def shop(own_redis: EmbeddedRedis, settings: Any, simulator_url: str, mongo: Any) -> dict[str, Any]:
    settings.REALTIME_URL = simulator_url
    settings.OPENAI_API_KEY = ""
    tenant = make_tenant(slug="shop", allowed_origins=ORIGIN, requests_per_minute=3)
    make_agent(tenant, greeting="")
    return {"tenant": tenant, "key": make_key(tenant)}


def bootstrap(shop: dict[str, Any], ip: str) -> Any:
    return Client().post(
        "/api/widget/bootstrap",
        {"key": shop["key"].public_id},
        content_type="application/json",
        REMOTE_ADDR=ip,
        HTTP_ORIGIN=ORIGIN,
    )


async def open_socket(shop: dict[str, Any], ip: str) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    """A visitor bootstraps (from `ip`) and opens a conversation; returns the socket and its first event."""
    token = (await sync_to_async(bootstrap)(shop, ip)).json()["token"]
    socket = WebsocketCommunicator(
        application, protocol.WS_PATH, headers=HEADERS, subprotocols=[protocol.SUBPROTOCOL, f"token.{token}"]
    )
    connected, _ = await socket.connect(timeout=20)
    assert connected
    return socket, await socket.receive_json_from(timeout=20)


async def say(socket: WebsocketCommunicator, text: str) -> dict[str, Any]:
    """Type a line and wait for the answer's response.done."""
    await socket.send_json_to(
        {
            "type": "conversation.item.create",
            "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
        }
    )
    while True:
        event = await socket.receive_json_from(timeout=30)
        if event["type"] == "response.done":
            return event


async def test_redis_down_then_back_degrades_and_recovers_without_a_restart(
    own_redis: EmbeddedRedis, shop: dict[str, Any], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant_id = shop["tenant"].pk
    live, hello = await open_socket(shop, "198.51.100.1")
    assert hello["type"] == "platform.session"
    live_id = hello["sessionId"]

    own_redis.stop()

    # Bootstrap falls back to this process's limiter, says so, and still limits (3 per minute per IP).
    fallbacks = rate_limits.fallback_count()
    monkeypatch.setattr(rate_limits, "_last_warning", -rate_limits.WARN_EVERY_SECONDS)  # an earlier test's warning
    with caplog.at_level(logging.WARNING, logger="usage.rate_limits"):
        statuses = [(await sync_to_async(bootstrap)(shop, "198.51.100.2")) for _ in range(4)]
    assert [response.status_code for response in statuses] == [200, 200, 200, 429]
    assert int(statuses[3]["Retry-After"]) >= 1
    assert rate_limits.fallback_count() >= fallbacks + 4  # every check answered locally is counted
    assert "falling back to the per-process limiter" in caplog.text

    # Opening a conversation admits spend: refused with the retryable busy notice.
    refused_before = refusal_counts().get((tenant_id, "redis_unavailable"), 0)
    token = statuses[0].json()["token"]
    socket = WebsocketCommunicator(
        application, protocol.WS_PATH, headers=HEADERS, subprotocols=[protocol.SUBPROTOCOL, f"token.{token}"]
    )
    connected, _ = await socket.connect(timeout=20)
    assert connected
    notice = await socket.receive_json_from(timeout=20)
    assert (notice["type"], notice["code"], notice["retryable"]) == ("platform.notice", "busy", True)
    assert notice["message"] == protocol.BUSY
    assert (await socket.receive_output(timeout=20))["code"] == protocol.CLOSE_REFUSED
    assert refusal_counts()[(tenant_id, "redis_unavailable")] == refused_before + 1
    with pytest.raises(limits.LimitUnavailable):
        await sync_to_async(limits.lease_acquire)(tenant_id=tenant_id, session_id="vs_x", limit=5)

    # The conversation that was already live goes on, and its spend is metered in MongoDB.
    done = await say(live, "hello")
    assert done["response"]["status"] == "completed"

    own_redis.start()

    # Back: Redis answers again, with no restart of this process.
    fallbacks = rate_limits.fallback_count()
    assert (await sync_to_async(bootstrap)(shop, "198.51.100.3")).status_code == 200
    assert rate_limits.fallback_count() == fallbacks
    second, hello = await open_socket(shop, "198.51.100.4")
    assert hello["type"] == "platform.session"
    await second.disconnect()

    # The budget counter caught up with the response metered while Redis was down.
    async def recorded() -> float:
        return await sync_to_async(store.usage_dollars)(tenant_id=tenant_id, period=budgets.periods_of()[0])

    assert await recorded() > 0
    spent = await sync_to_async(budgets.spent_usd)(tenant_id=tenant_id, period=budgets.periods_of()[0])
    assert float(spent) == pytest.approx(await recorded(), abs=1e-6)

    # Redis comes back empty (its data file lost): the spend is rebuilt from MongoDB, not restarted at zero,
    # and the live conversation takes its lease back on its next heartbeat.
    own_redis.stop()
    (own_redis.data_dir / "redis.db").unlink()
    own_redis.start()
    assert await sync_to_async(limits.leases_active)(tenant_id=tenant_id) == 0
    spent = await sync_to_async(budgets.spent_usd)(tenant_id=tenant_id, period=budgets.periods_of()[1])
    assert float(spent) == pytest.approx(await recorded(), abs=1e-6)
    assert not await sync_to_async(limits.lease_renew)(tenant_id=tenant_id, session_id=live_id)  # taken back
    assert await sync_to_async(limits.leases_active)(tenant_id=tenant_id) == 1
    await live.disconnect()
    assert await sync_to_async(limits.leases_active)(tenant_id=tenant_id) == 0
    assert not await sync_to_async(limits.lease_renew)(tenant_id=tenant_id, session_id=live_id)  # stays released
    assert await sync_to_async(limits.leases_active)(tenant_id=tenant_id) == 0
