"""The platform under test: the throwaway database migrated and seeded, limits raised, the slow tool added, widget
tokens issued; and the flush of the bench's Redis database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any

from bench.relay.clients import Target
from bench.relay.constants import ORIGIN, ROOT, TOOL_NAME


def prepare(
    env: dict[str, str], n: int, tool_port: int, servers: int = 1
) -> tuple[list[Target], list[Target], dict[str, Any]]:
    """Migrate and seed the throwaway database, raise limits, add the slow tool; returns the platform targets of
    each server (load on Cypress, which has no tools; tool calls on ProductCo; single-use tokens, so each server
    gets its own) and what the platform sends upstream on open."""
    for command in (["migrate", "--verbosity", "0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    os.environ.update(env)
    # Deferred: Django needs the environment set just above, and the models the app registry setup() fills.
    import django

    django.setup()
    from agents.models import AgentTool
    from agents.plans import session_plan_build
    from httptools.models import HttpTool
    from tenants.models import Tenant, WidgetKey
    from tenants.tokens import token_issue

    Tenant.objects.filter(slug__in=["cypress", "productco"]).update(
        max_concurrent_sessions=10 * n * servers + 50,
        daily_budget_usd=Decimal("100000"),
        idle_timeout_seconds=600,
        # Every bench session opens from 127.0.0.1 within a minute or two.
        requests_per_minute=10_000,
        key_requests_per_minute=100_000,
        tenant_requests_per_minute=100_000,
    )
    productco = Tenant.objects.get(slug="productco")
    tool, _ = HttpTool.objects.update_or_create(
        tenant=productco,
        name=TOOL_NAME,
        defaults={
            "description": "Bench probe that answers slowly.",
            "method": "GET",
            "base_url": f"http://127.0.0.1:{tool_port}",
            "path_template": "/slow",
            "timeout_seconds": 5,
        },
    )
    AgentTool.objects.get_or_create(agent=productco.agents.order_by("pk").first(), tool=tool)

    def target(slug: str, count: int) -> Target:
        tenant = Tenant.objects.get(slug=slug)
        key = WidgetKey.objects.get(public_id=f"pk_demo_{slug}")
        agent = tenant.agents.order_by("pk").first()
        assert agent is not None
        tokens = [
            token_issue(
                tenant_id=tenant.pk, key_id=key.pk, channel="widget", origin=ORIGIN, agent_id=agent.pk, minutes=30
            )[0]
            for _ in range(count)
        ]
        return Target("platform", "", tokens=tokens)

    cypress = Tenant.objects.get(slug="cypress")
    plan = session_plan_build(agent=cypress.agents.order_by("pk").first(), channel="widget")
    return (
        [target("cypress", 6 * n + 20) for _ in range(servers)],
        [target("productco", 2) for _ in range(servers)],
        {"session": plan.realtime_config, "greeting": plan.greeting},
    )


def redis_flush() -> None:
    with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
        sock.sendall(b"SELECT 8\r\nFLUSHDB\r\n")
        time.sleep(0.05)
        if b"-ERR" in sock.recv(64):
            raise RuntimeError("could not flush Redis db 8")
