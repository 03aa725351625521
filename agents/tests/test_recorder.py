"""Records survive a MongoDB outage: kept in order and written when it returns."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from secantus import SecantusDBServer

from agents import recorder as recorder_module
from agents.recorder import RecordWriter
from config import mongo as mongo_module
from tenants.models import Tenant
from tests.support.servers import free_port
from transcripts import store


@pytest.mark.asyncio
async def test_records_written_while_mongodb_is_down_arrive_when_it_returns(settings: Any, tmp_path: Any) -> None:
    port = free_port()
    settings.MONGODB_URI = f"mongodb://127.0.0.1:{port}/recorder_test"
    mongo_module.close()
    writer = RecordWriter()
    try:
        for seq in range(1, 4):
            writer.submit(store.tool_log_write, document={"tenantId": 1, "sessionId": "vs_1", "seq": seq})
        await asyncio.sleep(3)  # one server-selection timeout (2 s) has passed
        assert writer.stats.retried >= 1 and len(writer.pending) == 3  # kept, not dropped
        server = SecantusDBServer(port=port, storage_path=str(tmp_path / "mongo"))
        server.start()
        try:
            assert await writer.drain(within=20)
            docs = await asyncio.to_thread(lambda: list(mongo_module.collection("tool_logs").find({}, {"seq": 1})))
            assert [doc["seq"] for doc in docs] == [1, 2, 3]
            assert writer.stats.dropped == 0
        finally:
            mongo_module.close()
            server.stop()
    finally:
        mongo_module.close()


@pytest.mark.django_db
def test_readyz_reports_the_record_writers_counters(client: Any, mongo: Any, redis_conn: Any) -> None:
    async def submit_and_drain() -> None:
        writer = recorder_module.recorder()
        writer.submit(store.tool_log_write, document={"tenantId": 1, "sessionId": "vs_1"})
        await writer.drain(within=10)
        writer.stats.dropped += 2  # as if the bounded queue had overflowed twice
        if writer._task is not None:  # the writer idles forever; stop it before its loop closes
            writer._task.cancel()
            await asyncio.gather(writer._task, return_exceptions=True)

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(submit_and_drain())
        records = client.get("/readyz").json()["records"]
        assert records["written"] >= 1 and records["dropped"] >= 2 and records["pending"] == 0
    finally:
        loop.close()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the connection pool is PostgreSQL's")
async def test_a_record_write_that_reads_sql_hands_its_pooled_connection_back() -> None:
    """Budget steps and prices read SQL inside record writes. A worker thread that keeps its pooled connection
    holds it for good: a few such threads drain the pool and every later query waits, then fails."""

    def checked_out() -> int:
        stats = connection.pool.get_stats()
        return int(stats["pool_size"]) - int(stats["pool_available"])

    await sync_to_async(Tenant.objects.count)()  # the pool exists and this thread holds its own connection
    before = await sync_to_async(checked_out)()
    writer = RecordWriter()
    for _ in range(8):
        writer.submit(Tenant.objects.count)
    assert await writer.drain()
    assert await sync_to_async(checked_out)() == before
