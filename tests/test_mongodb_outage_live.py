"""MongoDB down during a live conversation: the conversation goes on, its records wait in the bounded
recorder and are written once MongoDB is back, none lost and none doubled. The real SecantusDB server the
live Daphne process writes to is stopped mid-conversation and restarted on the same port and data."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from secantus import SecantusDBServer

from config import mongo as mongo_module
from tenants.models import Tenant
from tests.support.live import widget_token
from tests.support.servers import free_port
from tests.support.voice import open_voice
from transcripts import store as transcripts
from usage import store as usage_store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.slow]

LINES = ["hello there, who are you?", "what are your opening hours", "thank you, that is all"]


class RestartableMongo:
    """A SecantusDB server on a fixed port and data directory that can be stopped and started again."""

    def __init__(self, data: Path) -> None:
        self.port, self.data = free_port(), data
        self.server: SecantusDBServer | None = None

    def start(self) -> None:
        self.server = SecantusDBServer(port=self.port, storage_path=str(self.data))
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def own_mongodb(settings: Any, tmp_path: Path) -> Iterator[RestartableMongo]:
    """This test's own MongoDB, for the test process and the live server alike (listed before demo_server)."""
    mongo = RestartableMongo(tmp_path / "mongo")
    mongo.start()
    settings.MONGODB_URI = f"mongodb://127.0.0.1:{mongo.port}/outage_test"
    mongo_module.close()
    yield mongo
    mongo_module.close()
    mongo.stop()


def completed(event: dict[str, Any]) -> bool:
    return event.get("type") == "response.done" and event["response"]["status"] == "completed"


async def wait_for(predicate: Any, timeout: float) -> Any:
    """Poll a synchronous check: the records arrive a moment after MongoDB is back, off the audio path."""
    async with asyncio.timeout(timeout):
        while True:
            value = await sync_to_async(predicate)()
            if value:
                return value
            await asyncio.sleep(0.5)


async def test_a_conversation_outlives_a_mongodb_outage_and_every_record_arrives_once(
    own_mongodb: RestartableMongo, demo_server: Any
) -> None:
    live = await sync_to_async(demo_server)()
    tenant_id = await sync_to_async(lambda: Tenant.objects.get(slug="productco").pk)()
    client = await open_voice(live, await sync_to_async(widget_token)("productco"))
    session_id = (await client.until_type("platform.session"))["sessionId"]
    await client.say(LINES[0])
    await client.until(completed, timeout=60)

    await asyncio.to_thread(own_mongodb.stop)
    for line in LINES[1:]:  # the conversation goes on while MongoDB is away
        await client.say(line)
        await client.until(completed, timeout=60)
    await asyncio.sleep(3)  # the recorder has tried and failed (a 2 s server-selection timeout) meanwhile
    await asyncio.to_thread(own_mongodb.start)
    await client.ws.close()

    answered = len([event for event in client.events if completed(event)])

    def recorded() -> dict[str, Any] | None:
        session = usage_store.session_get(tenant_id=tenant_id, session_id=session_id)
        done = session and session["status"] == "ended" and session["usage"]["responses"] >= answered
        return session if done else None

    session = await wait_for(recorded, timeout=120)
    utterances = await sync_to_async(transcripts.transcript_for_session)(tenant_id=tenant_id, session_id=session_id)
    said = [u["text"] for u in utterances if u["role"] == "user"]
    assert said == LINES  # each line once, in order: none lost, none doubled
    assert len({u["itemId"] for u in utterances}) == len(utterances)
    assert len([u for u in utterances if u["role"] == "assistant"]) >= answered  # the greeting is one more
    assert await sync_to_async(transcripts.transcript_verify_chain)(tenant_id=tenant_id, session_id=session_id)
    events = await sync_to_async(
        lambda: mongo_module.collection(usage_store.USAGE_EVENTS).count_documents({"sessionId": session_id})
    )()
    day = session["startedAt"].strftime("%Y-%m-%d")
    daily = await sync_to_async(usage_store.usage_daily_for)(tenant_id=tenant_id, day=day)
    # Every response metered once: as many events as responses, and both totals count each event once.
    assert events >= answered
    assert session["usage"]["responses"] == sum(row["responses"] for row in daily) == events
