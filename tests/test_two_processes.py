"""Two platform processes (two Daphne servers on different ports sharing Redis, MongoDB and PostgreSQL) act
as one: the concurrent-session cap holds across both, a key revoked in admin ends live sessions on both, and
the reaper ends a killed process's sessions once. The session timers run at a small scale (a heartbeat of
about 2 s) so the drill is short; nothing here asserts a duration."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse
from websockets.exceptions import ConnectionClosed

from tenants.models import Tenant, WidgetKey
from tests.support.factories import make_user
from tests.support.live import widget_token
from tests.support.servers import LiveServer
from tests.support.voice import VoiceClient, open_voice
from usage import limits, services
from usage import store as usage_store

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.slow]

SCALE = "0.05"  # heartbeat 45 s -> 2.25 s on both servers
CAP = 2


@pytest.fixture
def two_servers(demo_server: Any, live_server_factory: Any, settings: Any) -> tuple[LiveServer, LiveServer]:
    first = demo_server(SESSION_TIME_SCALE=SCALE)
    second = live_server_factory(PUBLIC_BASE_URL=settings.PUBLIC_BASE_URL, SESSION_TIME_SCALE=SCALE)
    Tenant.objects.filter(slug="productco").update(max_concurrent_sessions=CAP)
    return first, second


async def try_open(server: LiveServer) -> tuple[VoiceClient, str | None]:
    """Open a visitor's socket on `server`: (client, session id) if admitted, (client, None) if refused."""
    client = await open_voice(server, await sync_to_async(widget_token)("productco"))
    first = await client.until(lambda e: e.get("type") in ("platform.session", "platform.notice"), timeout=60)
    return client, first.get("sessionId") if first["type"] == "platform.session" else None


async def closed(client: VoiceClient, timeout: float = 60) -> None:
    """Read until the server closes the socket (bounded, not a timing assertion: a failure, not a measure)."""
    with pytest.raises(ConnectionClosed):
        await client.until(lambda e: False, timeout=timeout)


def session_doc(session_id: str) -> dict[str, Any] | None:
    tenant_id = Tenant.objects.get(slug="productco").pk
    return usage_store.session_get(tenant_id=tenant_id, session_id=session_id)


async def doc_when(session_id: str, status: str, timeout: float = 30) -> dict[str, Any] | None:
    """The session's record once it has `status`: the server's recorder writes it just after the socket opens or
    closes. Bounded, not a timing assertion: the last record read is returned either way."""
    doc = None
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            while True:
                doc = await sync_to_async(session_doc)(session_id)
                if doc is not None and doc["status"] == status:
                    return doc
                await asyncio.sleep(0.2)
    return doc


async def test_n_plus_one_opens_over_two_processes_admit_exactly_n(two_servers: Any) -> None:
    first, second = two_servers

    opened = await asyncio.gather(try_open(first), try_open(second), try_open(first))

    admitted = [session_id for _, session_id in opened if session_id]
    assert len(admitted) == CAP
    for client, _ in opened:
        await client.ws.close()


async def test_a_key_revoked_in_admin_ends_live_sessions_on_both_processes(two_servers: Any) -> None:
    first, second = two_servers
    (one, one_id), (two, two_id) = await asyncio.gather(try_open(first), try_open(second))
    assert one_id and two_id

    def revoke_in_admin() -> None:
        staff = Client()
        staff.force_login(make_user(superuser=True))
        key = WidgetKey.objects.get(public_id="pk_demo_productco")
        changelist = reverse("admin:tenants_widgetkey_changelist")
        response = staff.post(changelist, {"action": "revoke", "_selected_action": [key.pk]})
        assert response.status_code == 302

    await sync_to_async(revoke_in_admin)()

    await asyncio.gather(closed(one), closed(two))
    for session_id in (one_id, two_id):
        doc = await doc_when(session_id, "ended")
        assert doc is not None and doc["status"] == "ended" and doc["endReason"] == "key_revoked"


async def test_the_reaper_ends_a_killed_processs_sessions_once(two_servers: Any) -> None:
    first, second = two_servers
    (survivor, survivor_id), (_victim, victim_id) = await asyncio.gather(try_open(first), try_open(second))
    assert survivor_id and victim_id

    # Kill only once the session's record is there, or nothing is left to reap.
    assert (await doc_when(victim_id, "live") or {}).get("status") == "live"
    second.process.send_signal(signal.SIGKILL)  # no clean-up runs: its session stays "live", its lease held
    second.process.wait()
    stale_after = 3 * 45 * float(SCALE)  # three of the servers' heartbeats without a renewal

    async def reap_until_one() -> int:
        async with asyncio.timeout(60):
            while True:
                reaped = await sync_to_async(services.sessions_reap)(stale_after_seconds=stale_after)
                if reaped:
                    return reaped
                await asyncio.sleep(0.5)

    assert await reap_until_one() == 1
    assert await sync_to_async(services.sessions_reap)(stale_after_seconds=stale_after) == 0
    victim_doc = await sync_to_async(session_doc)(victim_id)
    assert victim_doc["status"] == "ended" and victim_doc["endReason"] == "heartbeat_lost"
    # The other process's session was not the reaper's: it is live, or ended by its own timers (idle, scaled).
    survivor_doc = await sync_to_async(session_doc)(survivor_id)
    assert survivor_doc["endReason"] != "heartbeat_lost"
    tenant_id = await sync_to_async(lambda: Tenant.objects.get(slug="productco").pk)()
    held = 1 if survivor_doc["status"] == "live" else 0
    assert await sync_to_async(limits.leases_active)(tenant_id=tenant_id) == held  # the victim's lease is free
    await survivor.ws.close()
