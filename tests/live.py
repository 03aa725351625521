"""Live fixtures: a real Daphne process serving the project, the realtime simulator as the upstream, and the
demo tenants seeded in the test database. Registered for the whole suite by the root conftest."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connections
from websockets.asyncio.client import ClientConnection, connect

from agents.simulator import start_in_thread
from tenants.models import Tenant, WidgetKey
from tenants.tokens import token_issue

ORIGIN = "http://127.0.0.1:8000"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    url, stop = start_in_thread(audio_realtime_factor=8.0)
    yield url
    stop()


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/voice/"


def wait_until_serving(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("daphne did not start in time")


@pytest.fixture
def live_server_factory(
    transactional_db: None, settings: Any, simulator_url: str, redis_conn: Any, mongo: Any
) -> Iterator[Any]:
    """Start a real Daphne process on the test database, configured through its environment as in production."""
    started: list[LiveServer] = []

    def start(port: int | None = None, **env: str) -> LiveServer:
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
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
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
    from demo.seed import demo_seed

    def start(**env: str) -> LiveServer:
        port = free_port()
        settings.PORT = port
        settings.PUBLIC_BASE_URL = f"http://127.0.0.1:{port}"
        settings.HTTPTOOLS_ALLOW_LOOPBACK = True
        settings.HTTPTOOLS_ALLOWED_PORTS = [port]
        demo_seed()
        return live_server_factory(port, PUBLIC_BASE_URL=settings.PUBLIC_BASE_URL, **env)

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


@dataclass
class VoiceClient:
    """A visitor's socket: records every event it receives."""

    ws: ClientConnection
    events: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, event: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(event))

    async def say(self, text: str) -> None:
        await self.send(
            {
                "type": "conversation.item.create",
                "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
            }
        )

    async def until(self, predicate: Any, timeout: float = 15.0) -> dict[str, Any]:
        """Read events until one matches; returns it."""
        async with asyncio.timeout(timeout):
            while True:
                event = json.loads(await self.ws.recv())
                self.events.append(event)
                if predicate(event):
                    return event

    async def until_type(self, kind: str, timeout: float = 15.0) -> dict[str, Any]:
        return await self.until(lambda e: e.get("type") == kind, timeout)

    def types(self) -> list[str]:
        return [e.get("type", "") for e in self.events]


async def open_voice(server: LiveServer, token: str) -> VoiceClient:
    ws = await connect(
        server.ws,
        subprotocols=["voice.v1", f"token.{token}"],  # type: ignore[list-item]
        origin=server.http,
        max_size=None,
    )  # type: ignore[arg-type]
    return VoiceClient(ws)
