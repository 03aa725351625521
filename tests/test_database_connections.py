"""The server's database connections: bounded under load, and recovered after PostgreSQL drops them.

Under ASGI every request runs in a thread of its own: a connection left behind per request exhausts
PostgreSQL's slots and bootstrap answers 500. And a restart or failover of PostgreSQL drops every open
connection: the next request and the next tool call must get a working one, not the dead one."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from tenants.models import Tenant
from tests.support.live import widget_token
from tests.support.servers import LiveServer
from tests.support.voice import VoiceClient, open_voice

pytestmark = [pytest.mark.asyncio, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REQUESTS = 300
CONCURRENCY = 24
POOL_SIZE = 4
SERVER_NAME = "va-connections-test"  # the server's sessions in pg_stat_activity (libpq reads PGAPPNAME)


def server_connections(pid: int) -> int:
    """Database connections the server process holds open right now."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [SERVER_NAME])
            return int(cursor.fetchone()[0])
    database = Path(connection.settings_dict["NAME"]).resolve()
    fds = Path(f"/proc/{pid}/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == str(database))


async def test_a_burst_of_bootstraps_holds_a_bounded_number_of_database_connections(demo_server: Any) -> None:
    server = await sync_to_async(demo_server)(DATABASE_POOL_SIZE=str(POOL_SIZE), PGAPPNAME=SERVER_NAME)
    await sync_to_async(Tenant.objects.filter(slug="productco").update)(
        requests_per_minute=REQUESTS * 2, key_requests_per_minute=REQUESTS * 2, tenant_requests_per_minute=REQUESTS * 2
    )
    statuses: list[int] = []
    remaining = REQUESTS
    async with httpx.AsyncClient(
        base_url=server.http, timeout=30, headers={"Origin": server.http, "Content-Type": "application/json"}
    ) as client:

        async def visitor() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                response = await client.post("/api/widget/bootstrap", content='{"key": "pk_demo_productco"}')
                statuses.append(response.status_code)

        await asyncio.gather(*(visitor() for _ in range(CONCURRENCY)))
    assert sorted(set(statuses)) == [200], {status: statuses.count(status) for status in set(statuses)}
    held = await sync_to_async(server_connections)(server.process.pid)
    assert held <= POOL_SIZE, f"the server holds {held} database connections after {REQUESTS} requests"


def server_connections_drop() -> int:
    """What a PostgreSQL restart does to the server: every one of its connections is cut."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s", [SERVER_NAME]
        )
        return int(cursor.fetchone()[0])


async def bootstrap(server: LiveServer) -> int:
    async with httpx.AsyncClient(base_url=server.http, timeout=30) as client:
        response = await client.post(
            "/api/widget/bootstrap",
            content='{"key": "pk_demo_productco"}',
            headers={"Origin": server.http, "Content-Type": "application/json"},
        )
        return response.status_code


async def tool_turn(client: VoiceClient) -> dict[str, Any]:
    """Ask for the cheapest product; returns the finished tool event once the spoken answer is done."""
    await client.say("what is your cheapest product")
    tool = await client.until(lambda e: e.get("type") == "platform.tool" and e.get("status") != "running")
    await client.until(lambda e: e.get("type") == "response.done" and e["response"]["status"] == "completed")
    return tool


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="cuts PostgreSQL server connections")


@postgres_only
async def test_bootstrap_answers_after_postgresql_drops_the_servers_connections(demo_server: Any) -> None:
    server = await sync_to_async(demo_server)(PGAPPNAME=SERVER_NAME)
    assert await bootstrap(server) == 200
    assert await sync_to_async(server_connections_drop)() >= 1
    assert [await bootstrap(server) for _ in range(3)] == [200, 200, 200]


@postgres_only
async def test_a_tool_call_works_after_postgresql_drops_the_servers_connections(demo_server: Any) -> None:
    server = await sync_to_async(demo_server)(PGAPPNAME=SERVER_NAME)
    client = await open_voice(server, await sync_to_async(widget_token)("productco"))
    await client.until_type("platform.session")
    first = await tool_turn(client)  # reads the tenant's API key secret from the database
    assert (first["tool"], first["status"]) == ("search_products", "ok")
    assert await sync_to_async(server_connections_drop)() >= 1
    second = await tool_turn(client)
    assert (second["tool"], second["status"]) == ("search_products", "ok"), second
    await client.ws.close()
