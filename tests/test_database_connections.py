"""Under ASGI every request runs in a thread of its own: the server must not leave a database connection
behind per request, or a busy widget exhausts PostgreSQL's connection slots and bootstrap answers 500."""

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
    await sync_to_async(Tenant.objects.filter(slug="productco").update)(requests_per_minute=REQUESTS * 2)
    statuses: list[int] = []
    remaining = REQUESTS
    async with httpx.AsyncClient(base_url=server.http, timeout=30,
                                 headers={"Origin": server.http, "Content-Type": "application/json"}) as client:

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
