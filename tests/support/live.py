"""Live fixtures: a real Daphne process serving the project, the realtime simulator as the upstream, and the
demo tenants seeded in the test database. Registered for the whole suite by the root conftest."""

from __future__ import annotations

import importlib
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.db import connections

from agents.simulator import start_in_thread
from demo.seed import demo_seed
from tenants.models import Tenant, WidgetKey
from tenants.tokens import token_issue
from tests.support.servers import LiveServer, free_port, server_command, wait_until_serving

ORIGIN = "http://127.0.0.1:8000"


def database_url(settings_dict: dict[str, Any]) -> str:
    """The test database as a DATABASE_URL for a server process."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def simulator_url() -> Iterator[str]:
    url, stop = start_in_thread(audio_realtime_factor=8.0, voice="tone")
    yield url
    stop()


@pytest.fixture
def live_server_factory(
    transactional_db: None, settings: Any, simulator_url: str, redis_conn: Any, mongo: Any
) -> Iterator[Any]:
    """Start a real server process (Daphne, or uvicorn with server="uvicorn") on the test database, configured
    through its environment as in production."""
    started: list[LiveServer] = []

    def start(port: int | None = None, *, server: str = "daphne", **env: str) -> LiveServer:
        port = port or free_port()
        environment = {
            **os.environ,
            "DEBUG": "1",
            "PORT": str(port),
            "DATABASE_URL": database_url(connections["default"].settings_dict),
            "MONGODB_URI": settings.MONGODB_URI,
            "REDIS_URL": settings.REDIS_URL,
            "REALTIME_URL": simulator_url,
            "OPENAI_API_KEY": "",
            "HTTPTOOLS_ALLOW_LOOPBACK": "1" if settings.HTTPTOOLS_ALLOW_LOOPBACK else "0",
            "HTTPTOOLS_ALLOWED_PORTS": ",".join(str(p) for p in settings.HTTPTOOLS_ALLOWED_PORTS),
            "LOG_LEVEL": "WARNING",
            **env,
        }
        process = subprocess.Popen(
            server_command(server, port),
            cwd=settings.BASE_DIR,
            env=environment,
        )
        server = LiveServer(port=port, process=process)
        started.append(server)
        wait_until_serving(port, process)
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(5)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture
def demo_server(live_server_factory: Any, settings: Any) -> Any:
    """Seed the demo tenants with tools pointing at the live server's own /demo/ APIs, then start it.

    Returns a function taking extra environment for the server process (e.g. SESSION_TIME_SCALE)."""

    def start(server: str = "daphne", **env: str) -> LiveServer:
        port = free_port()
        settings.PORT = port
        settings.PUBLIC_BASE_URL = f"http://127.0.0.1:{port}"
        settings.HTTPTOOLS_ALLOW_LOOPBACK = True
        settings.HTTPTOOLS_ALLOWED_PORTS = [port]
        # The test database was emptied by transactional tests, the migration's model catalogue too.
        importlib.import_module("usage.migrations.0004_catalogue_rows").add_rows(apps, None)
        demo_seed()
        return live_server_factory(port, server=server, PUBLIC_BASE_URL=settings.PUBLIC_BASE_URL, **env)

    return start


@pytest.fixture
def demo_live(demo_server: Any) -> LiveServer:
    """The demo tenants and a live server with default settings."""
    return demo_server()


def widget_token(slug: str = "productco", *, origin: str = ORIGIN, minutes: int = 5) -> str:
    tenant = Tenant.objects.get(slug=slug)
    key = WidgetKey.objects.get(public_id=f"pk_demo_{slug}")
    agent = tenant.agents.order_by("pk").first()
    token, _ = token_issue(
        tenant_id=tenant.pk,
        key_id=key.pk,
        channel="widget",
        origin=origin,
        agent_id=agent.pk if agent else None,
        minutes=minutes,
    )
    return token
