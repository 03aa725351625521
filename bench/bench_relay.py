"""Voice relay: N concurrent sessions streaming audio both ways through the real consumer (Daphne + Channels +
AgentSession) against the realtime simulator, and the same load through a bare asyncio relay, in one run.

    .venv/bin/python bench/bench_relay.py [--sessions 20] [--seconds 6] [--tool-calls 3]

Everything runs on 127.0.0.1, each server in its own process: the simulator, the bare relay (about 40 lines,
`websockets`, no parsing), Daphne serving the project (DEBUG=1, throwaway SQLite, SecantusDB in memory, Redis
127.0.0.1:6379 db 8, flushed first), and the load clients in this process.

What is measured (frames are WebSocket messages; counted inside the simulator process, so a frame the platform
filters out still counts as handled and every path is counted the same way):

* throughput: every session runs two closed loops: 10 appends of 40 ms PCM16 24 kHz silence then an
  `input_audio_buffer.clear` (one batch in flight), and a typed "hello" turn whose unpaced audio reply is read to
  `response.done` before the next. Frames/s = simulator frames received + sent in the window. Also frames per
  CPU-second of the relay process (the per-frame cost, less sensitive to the 2 shared cores), and the same load
  sent straight to the simulator (its ceiling).
* added latency: the same sessions under an open-loop load of half the bare relay's measured frames/s; each
  session sends `input_audio_buffer.clear` every 200 ms and times `input_audio_buffer.cleared` (a control event:
  on the platform it takes the parsed path, so it is an upper bound for audio frames, which are not parsed).
  Added = percentile through the relay minus the same percentile straight to the simulator under the same load.
* memory per session: relay process RSS after opening N sessions (greeting done, idle) minus before, / N.
* audio gap during tool calls: simulator paced at 1x (a 100 ms chunk every 100 ms). Listener sessions (N-1 through
  the platform, 4 straight to the simulator as reference) stream a 20 s reply while another platform session
  makes 500 ms tool calls (an HttpTool on a local HTTP server that sleeps 500 ms). Reported: the largest
  inter-arrival time of audio deltas minus the 100 ms pacing, over deltas arriving while a tool call runs.

Goals (issue): throughput >= 0.5 of the bare relay; added p99 < 5 ms at half the bare relay's capacity; no audio
gap over 5 ms while a 500 ms tool call runs. Exit code 0 when all are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# Run as a file (`python bench/...`), a script sees only bench/ on its path; the shared helpers live at the root.
sys.path.insert(0, str(ROOT))

from tests.support.servers import free_port, wait_until_serving  # noqa: E402
from tests.support.voice import voice_connect  # noqa: E402

ORIGIN = "http://127.0.0.1:8000"
REDIS_URL = "redis://127.0.0.1:6379/8"
DB_FILE = "/tmp/bench-relay.sqlite3"
TOOL_NAME = "bench_slow_probe"
TOOL_TEXT = "bench slow probe"
TOOL_SLEEP = 0.5
PACE_MS = 100.0  # the simulator's output chunk at 1x
BATCH = 10
PROBE_EVERY = 0.2
LONG_TEXT = ("hello " * 60).strip()  # a 20 s reply at 60 ms per character
SILENCE = json.dumps(
    {"type": "input_audio_buffer.append", "audio": base64.b64encode(bytes(1920)).decode()}, separators=(",", ":")
)  # the exact wire shape: the platform's unparsed hot path
CLEAR = json.dumps({"type": "input_audio_buffer.clear"})
GOAL_THROUGHPUT, GOAL_P99_MS, GOAL_GAP_MS = 0.5, 5.0, 5.0


# --- child processes: simulator (counting frames, pace switchable) and the bare relay ---------------------------


def _simulator_main(ready: Any, factor: Any, received: Any, sent: Any) -> None:
    from agents.simulator import RealtimeSimulator
    from agents.simulator import session as sim

    emit, handle = sim.RealtimeSession.emit, sim.RealtimeSession.handle

    async def counted_emit(self: Any, type_: str, **fields: Any) -> None:
        sent.value += 1
        await emit(self, type_, **fields)

    async def counted_handle(self: Any, raw: Any) -> None:
        received.value += 1
        await handle(self, raw)

    sim.RealtimeSession.emit, sim.RealtimeSession.handle = counted_emit, counted_handle  # type: ignore[method-assign]
    sim.RealtimeSession.realtime_factor = property(lambda self: factor.value, lambda self, value: None)  # type: ignore

    async def run() -> None:
        server = RealtimeSimulator()
        ready.put(await server.start("127.0.0.1", 0))
        await asyncio.Future()

    asyncio.run(run())


# The bare relay: what a minimal relay costs. The visitor leg is uncompressed like Daphne's; the upstream leg uses
# the same `connect` options as AgentSession.open.
def _bare_main(ready: Any, upstream: str) -> None:
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed

    async def pump(source: Any, target: Any) -> None:
        try:
            async for message in source:
                await target.send(message)
        except ConnectionClosed:
            pass

    async def handler(client: Any) -> None:
        query = urlsplit(client.request.path).query
        headers = {"Authorization": client.request.headers.get("Authorization", "")}
        async with connect(
            f"{upstream}?{query}", additional_headers=headers, max_size=None, open_timeout=10, close_timeout=2
        ) as up:
            tasks = [asyncio.create_task(pump(client, up)), asyncio.create_task(pump(up, client))]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                task.cancel()

    async def run() -> None:
        async with serve(handler, "127.0.0.1", 0, max_size=None, compression=None) as server:
            ready.put(next(iter(server.sockets)).getsockname()[1])
            await asyncio.Future()

    asyncio.run(run())


def _mongo_main(ready: Any) -> None:
    from secantus import SecantusDBServer

    server = SecantusDBServer(port=0, storage_path=":memory:")
    server.start()
    ready.put(f"mongodb://{server.address[0]}:{server.address[1]}/bench_relay")
    server.wait()


# --- the slow tool's HTTP endpoint ----------------------------------------------------------------------------


class _SlowHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(TOOL_SLEEP)
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


# --- clients ------------------------------------------------------------------------------------------------


@dataclass
class Target:
    """How to open one session on one path: `platform` (Daphne), `bare` or `direct` (the simulator itself)."""

    name: str
    url: str
    tokens: list[str] = field(default_factory=list)
    session_update: dict[str, Any] | None = None
    greeting: str = ""


def _kind(raw: str) -> str:
    head = raw[:64]
    start = head.find('"type"')
    if start < 0:
        return ""
    first = head.find('"', head.find(":", start) + 1)
    return head[first + 1 : head.find('"', first + 1)]


class Client:
    def __init__(self, ws: Any, target: Target) -> None:
        self.ws, self.target = ws, target
        self.cleared = asyncio.Event()
        self.done = asyncio.Event()
        self.clears_in_flight = 0
        self.probe_sent: list[float] = []
        self.rtts: list[float] = []
        self.measuring = False
        self.turns = 0
        self.appends = 0
        self.clears = 0
        self.deltas: list[float] = []
        self.record_deltas = False
        self.tool_events: list[tuple[str, float]] = []
        self.tool_finished = asyncio.Event()
        self.reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def open(cls, target: Target, token: str | None = None) -> Client:
        from websockets.asyncio.client import connect

        if target.name == "platform":
            assert token is not None
            ws = await voice_connect(target.url, token, origin=ORIGIN, compression=None)
        else:
            ws = await connect(
                f"{target.url}?model=gpt-realtime",
                additional_headers={"Authorization": "Bearer sk-bench"},
                max_size=None,
                compression=None,
            )
        client = cls(ws, target)
        if target.name != "platform":  # do upstream what the platform does on open
            await ws.send(json.dumps({"type": "session.update", "session": target.session_update}))
            if target.greeting:
                await ws.send(
                    json.dumps(
                        {
                            "type": "response.create",
                            "response": {"instructions": f"Greet the visitor with exactly: {target.greeting}"},
                        }
                    )
                )
        return client

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                kind = _kind(raw)
                if kind == "response.output_audio.delta":
                    if self.record_deltas:
                        self.deltas.append(time.perf_counter())
                elif kind == "input_audio_buffer.cleared":
                    now = time.perf_counter()
                    self.clears_in_flight -= 1
                    if self.probe_sent:
                        sent = self.probe_sent.pop(0)
                        if self.measuring and sent:
                            self.rtts.append(now - sent)
                    self.cleared.set()
                elif kind == "response.done":
                    self.turns += 1
                    self.done.set()
                elif kind == "platform.tool":
                    status = json.loads(raw)["status"]
                    self.tool_events.append((status, time.perf_counter()))
                    if status in ("ok", "error"):
                        self.tool_finished.set()
                elif kind == "platform.ended":
                    print(f"  session ended: {raw[:120]}", file=sys.stderr)
        except ConnectionClosed:
            pass

    async def say(self, text: str) -> None:
        self.done.clear()
        await self.ws.send(
            json.dumps(
                {
                    "type": "conversation.item.create",
                    "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
                }
            )
        )
        if self.target.name != "platform":
            await self.ws.send(json.dumps({"type": "response.create"}))

    async def append(self) -> None:
        self.appends += 1
        await self.ws.send(SILENCE)

    async def clear(self, probe: bool) -> None:
        self.clears += 1
        self.clears_in_flight += 1
        self.probe_sent.append(time.perf_counter() if probe else 0.0)
        await self.ws.send(CLEAR)

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def _open_all(target: Target, count: int) -> list[Client]:
    clients = []
    for _ in range(count):  # one at a time: admission is not what is measured
        clients.append(await Client.open(target, target.tokens.pop() if target.tokens else None))
    await asyncio.wait_for(asyncio.gather(*(c.done.wait() for c in clients)), 20)  # greetings done
    return clients


async def _close_all(clients: list[Client]) -> None:
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    await asyncio.sleep(0.5)


async def _saturate(client: Client, stop: asyncio.Event) -> None:
    async def up() -> None:
        while not stop.is_set():
            for _ in range(BATCH):
                await client.append()
            client.cleared.clear()
            await client.clear(probe=False)
            while client.clears_in_flight > 1 and not stop.is_set():
                await client.cleared.wait()
                client.cleared.clear()

    async def down() -> None:
        while not stop.is_set():
            await client.say("hello")
            await client.done.wait()

    await asyncio.gather(up(), down())


async def _open_loop(client: Client, stop: asyncio.Event, appends_per_s: float, turns_per_s: float) -> None:
    async def every(period: float, action: Any) -> None:
        await asyncio.sleep(period * (0.1 + 0.9 * (hash(client) % 97) / 97))  # spread the sessions
        due = time.perf_counter()
        while not stop.is_set():
            await action()
            due += period
            await asyncio.sleep(max(0.0, due - time.perf_counter()))

    async def turn() -> None:
        if client.done.is_set():  # one response at a time, as a visitor would
            await client.say("hello")

    client.done.set()
    jobs = [every(PROBE_EVERY, lambda: client.clear(probe=True))]
    if appends_per_s > 0:
        jobs.append(every(1 / appends_per_s, client.append))
    if turns_per_s > 0:
        jobs.append(every(1 / turns_per_s, turn))
    await asyncio.gather(*jobs)


@dataclass
class Counters:
    received: Any
    sent: Any
    simulator_pid: int = 0

    def total(self) -> int:
        return int(self.received.value + self.sent.value)


def _cpu(pid: int | None) -> float:
    import psutil

    if pid is None:
        return 0.0
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _rss(pid: int) -> int:
    import psutil

    return int(psutil.Process(pid).memory_info().rss)


async def _phase_throughput(
    target: Target, n: int, seconds: float, counters: Counters, pid: int | None
) -> dict[str, float]:
    if pid is not None:  # warm up lazy imports and caches before the memory baseline
        await _close_all(await _open_all(target, 2))
        await asyncio.sleep(0.5)
    before = _rss(pid) if pid is not None else 0
    clients = await _open_all(target, n)
    await asyncio.sleep(0.5)
    after = _rss(pid) if pid is not None else 0
    stop = asyncio.Event()
    load = asyncio.gather(*(_saturate(c, stop) for c in clients))
    await asyncio.sleep(1.0)  # warm-up

    def snap() -> tuple[int, float, int, int, float, float, float]:
        return (
            counters.total(),
            _cpu(pid),
            sum(c.turns for c in clients),
            sum(c.appends + 2 * c.clears for c in clients),
            time.perf_counter(),
            _cpu(counters.simulator_pid),
            _cpu(os.getpid()),
        )

    frames0, cpu0, turns0, up0, t0, sim0, me0 = snap()
    await asyncio.sleep(seconds)
    frames1, cpu1, turns1, up1, t1, sim1, me1 = snap()
    stop.set()
    for c in clients:
        c.cleared.set()
        c.done.set()
    await asyncio.wait_for(load, 10)
    await _close_all(clients)
    frames = frames1 - frames0
    return {
        "fps": frames / (t1 - t0),
        "cpu": cpu1 - cpu0,
        "frames_per_cpu_s": frames / (cpu1 - cpu0) if cpu1 > cpu0 else 0.0,
        "turns": turns1 - turns0,
        "frames": frames,
        "sim_cores": (sim1 - sim0) / (t1 - t0),
        "bench_cores": (me1 - me0) / (t1 - t0),
        "relay_cores": (cpu1 - cpu0) / (t1 - t0),
        "frames_per_turn": (frames - (up1 - up0)) / max(turns1 - turns0, 1),
        "mem_per_session": (after - before) / n,
    }


async def _phase_latency(
    target: Target, n: int, seconds: float, counters: Counters, pid: int | None, rate: float, frames_per_turn: float
) -> dict[str, Any]:
    clients = await _open_all(target, n)
    per_session = rate / n
    probes = 2 / PROBE_EVERY  # a clear and its answer
    turns = (per_session - probes) / 2 / frames_per_turn
    appends = max(0.0, (per_session - probes) / 2)
    stop = asyncio.Event()
    load = asyncio.gather(*(_open_loop(c, stop, appends, turns) for c in clients))
    await asyncio.sleep(1.0)
    for c in clients:
        c.measuring = True
    frames0, t0, cpu0, sim0, me0 = (
        counters.total(),
        time.perf_counter(),
        _cpu(pid),
        _cpu(counters.simulator_pid),
        _cpu(os.getpid()),
    )
    await asyncio.sleep(seconds)
    frames1, t1, cpu1, sim1, me1 = (
        counters.total(),
        time.perf_counter(),
        _cpu(pid),
        _cpu(counters.simulator_pid),
        _cpu(os.getpid()),
    )
    for c in clients:
        c.measuring = False
    stop.set()
    await asyncio.wait_for(load, 10)
    await asyncio.sleep(0.3)
    await _close_all(clients)
    rtts = sorted(r for c in clients for r in c.rtts)
    return {
        "fps": (frames1 - frames0) / (t1 - t0),
        "p50": _pct(rtts, 50),
        "p99": _pct(rtts, 99),
        "probes": len(rtts),
        "relay_cores": (cpu1 - cpu0) / (t1 - t0),
        "sim_cores": (sim1 - sim0) / (t1 - t0),
        "bench_cores": (me1 - me0) / (t1 - t0),
    }


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


async def _phase_tool(
    platform: Target, tool_target: Target, direct: Target, n: int, calls: int, factor: Any
) -> dict[str, Any]:
    factor.value = 0.0  # greetings at once
    listeners = await _open_all(platform, max(1, n - 1))
    references = await _open_all(direct, 4)
    caller = (await _open_all(tool_target, 1))[0]
    factor.value = 1.0
    for c in listeners + references:
        c.record_deltas = True
        await c.say(LONG_TEXT)
    await asyncio.sleep(1.5)
    windows = []
    for _ in range(calls):
        caller.tool_events.clear()
        caller.tool_finished.clear()
        await caller.say(TOOL_TEXT)
        await asyncio.wait_for(caller.tool_finished.wait(), 10)
        running = next(t for s, t in caller.tool_events if s == "running")
        finished = next(t for s, t in caller.tool_events if s in ("ok", "error"))
        statuses = [s for s, _ in caller.tool_events]
        windows.append((running, finished, statuses[-1]))
        await asyncio.sleep(1.0)
    factor.value = 0.0
    for c in listeners + references:
        c.record_deltas = False
    await _close_all(listeners + references + [caller])

    def worst(clients: list[Client], inside: bool, only: Any = None) -> float:
        excess = 0.0
        chosen = windows if only is None else [only]
        for c in clients:
            for previous, current in zip(c.deltas, c.deltas[1:], strict=False):
                hit = any(start <= current and previous <= end + 0.005 for start, end, _ in chosen)
                if hit == inside:
                    excess = max(excess, (current - previous) * 1000 - PACE_MS)
        return excess

    return {
        "platform_in": worst(listeners, True),
        "direct_in": worst(references, True),
        "platform_out": worst(listeners, False),
        "direct_out": worst(references, False),
        "per_call": [round(worst(listeners, True, w), 1) for w in windows],
        "per_call_direct": [round(worst(references, True, w), 1) for w in windows],
        "tool_ms": [round((end - start) * 1000) for start, end, _ in windows],
        "statuses": [status for _, _, status in windows],
        "deltas": sum(len(c.deltas) for c in listeners),
    }


# --- setup --------------------------------------------------------------------------------------------------


def _prepare(env: dict[str, str], n: int, tool_port: int) -> tuple[Target, Target, dict[str, Any]]:
    """Migrate and seed the throwaway database, raise limits, add the slow tool; returns the platform targets
    (load on Cypress, which has no tools; tool calls on ProductCo) and what the platform sends upstream on open."""
    for command in (["migrate", "--verbosity", "0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    os.environ.update(env)
    import django

    django.setup()
    from decimal import Decimal

    from agents.models import AgentTool
    from agents.plans import session_plan_build
    from httptools.models import HttpTool
    from tenants.models import Tenant, WidgetKey
    from tenants.tokens import token_issue

    Tenant.objects.filter(slug__in=["cypress", "productco"]).update(
        max_concurrent_sessions=10 * n + 50, daily_budget_usd=Decimal("100000"), idle_timeout_seconds=600
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
        target("cypress", 6 * n + 20),
        target("productco", 2),
        {"session": plan.realtime_config, "greeting": plan.greeting},
    )


def _redis_flush() -> None:
    with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
        sock.sendall(b"SELECT 8\r\nFLUSHDB\r\n")
        time.sleep(0.05)
        if b"-ERR" in sock.recv(64):
            raise RuntimeError("could not flush Redis db 8")


def _cores(x: dict[str, Any]) -> str:
    return f"cores: relay {x['relay_cores']:.2f} sim {x['sim_cores']:.2f} clients {x['bench_cores']:.2f}"


def _row(metric: str, bare: str, platform: str, ratio: str, goal: str, met: str) -> str:
    return f"{metric:<44} {bare:>12} {platform:>12} {ratio:>7}  {goal:<26} {met}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=6.0, help="measuring window of each load phase")
    parser.add_argument("--tool-calls", type=int, default=3)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    children: list[Any] = []
    daphne: subprocess.Popen[bytes] | None = None
    tool_server: ThreadingHTTPServer | None = None
    try:
        _redis_flush()
        if os.path.exists(DB_FILE):
            os.unlink(DB_FILE)
        factor, received, sent = ctx.Value("d", 0.0), ctx.Value("q", 0, lock=False), ctx.Value("q", 0, lock=False)

        def spawn(role: Any, *role_args: Any) -> Any:
            queue = ctx.Queue()
            child = ctx.Process(target=role, args=(queue, *role_args), daemon=True)
            child.start()
            children.append(child)
            return queue.get(timeout=30), child

        mongo_uri, _ = spawn(_mongo_main)
        sim_port, simulator = spawn(_simulator_main, factor, received, sent)
        sim_url = f"ws://127.0.0.1:{sim_port}/v1/realtime"
        bare_port, bare = spawn(_bare_main, sim_url)
        bare_url = f"ws://127.0.0.1:{bare_port}/v1/realtime"

        tool_server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
        tool_port = tool_server.server_address[1]
        threading.Thread(target=tool_server.serve_forever, daemon=True).start()

        from cryptography.fernet import Fernet

        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "PORT": str(port),
            "VAR_DIR": tempfile.mkdtemp(prefix="bench-relay-var-"),
            "DJANGO_SECRET_KEY": os.urandom(32).hex(),
            "WIDGET_TOKEN_SECRET": os.urandom(32).hex(),
            "SECRETS_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "DATABASE_URL": f"sqlite:///{DB_FILE}",
            "MONGODB_URI": mongo_uri,
            "REDIS_URL": REDIS_URL,
            "REALTIME_URL": sim_url,
            "OPENAI_API_KEY": "",
            "LOG_LEVEL": "WARNING",
            "HTTPTOOLS_ALLOW_LOOPBACK": "1",
            "HTTPTOOLS_ALLOWED_PORTS": str(tool_port),
        }
        platform, tool_target, upstream_open = _prepare(env, args.sessions, tool_port)
        app = "config.asgi:application"
        daphne = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "--access-log", os.devnull, app],
            cwd=ROOT,
            env=env,
        )
        wait_until_serving(port, daphne, timeout=30)
        platform.url = tool_target.url = f"ws://127.0.0.1:{port}/ws/voice/"
        targets = {
            "platform": platform,
            "bare": Target(
                "bare", bare_url, session_update=upstream_open["session"], greeting=upstream_open["greeting"]
            ),
            "direct": Target(
                "direct", sim_url, session_update=upstream_open["session"], greeting=upstream_open["greeting"]
            ),
        }
        pids = {"platform": daphne.pid, "bare": bare.pid, "direct": None}
        counters = Counters(received, sent, simulator.pid)
        return asyncio.run(_run(args, targets, tool_target, pids, counters, factor))
    finally:
        if daphne is not None:
            daphne.terminate()
            try:
                daphne.wait(10)
            except subprocess.TimeoutExpired:
                daphne.kill()
        if tool_server is not None:
            tool_server.shutdown()
        for child in children:
            child.terminate()
            child.join(5)


async def _run(
    args: argparse.Namespace,
    targets: dict[str, Target],
    tool_target: Target,
    pids: dict[str, int | None],
    counters: Counters,
    factor: Any,
) -> int:
    n, seconds = args.sessions, args.seconds
    started = time.perf_counter()
    print(f"{n} sessions, {seconds:g} s windows, {os.cpu_count()} CPUs shared by all processes")
    tput: dict[str, dict[str, float]] = {}
    for name in ("bare", "platform", "direct"):
        tput[name] = await _phase_throughput(targets[name], n, seconds, counters, pids[name])
        t = tput[name]
        print(
            f"throughput {name:8s} {t['fps']:8.0f} frames/s  {t['turns'] / seconds:6.1f} turns/s  "
            f"{_cores(t)}  {t['frames_per_cpu_s']:8.0f} frames/CPU-s  "
            f"mem/session {t['mem_per_session'] / 1024:7.1f} KiB  {t['frames_per_turn']:.0f} frames/turn"
        )
    bare_t = tput["bare"]
    frames_per_turn = max(1.0, bare_t["frames_per_turn"])  # a typed turn: its 2 frames up and the reply down
    rate = 0.5 * bare_t["fps"]
    lat: dict[str, dict[str, Any]] = {}
    for name in ("direct", "bare", "platform"):
        lat[name] = await _phase_latency(targets[name], n, seconds, counters, pids[name], rate, frames_per_turn)
        x = lat[name]
        print(
            f"latency    {name:8s} load {x['fps']:8.0f} frames/s  clear->cleared p50 {x['p50'] * 1000:7.2f} ms"
            f"  p99 {x['p99'] * 1000:7.2f} ms  ({x['probes']} probes)  {_cores(x)}"
        )
    gap = await _phase_tool(targets["platform"], tool_target, targets["direct"], n, args.tool_calls, factor)
    print(
        f"tool calls {gap['tool_ms']} ms wall ({gap['statuses']}); {gap['deltas']} listener deltas; "
        f"largest gap beyond {PACE_MS:.0f} ms pacing: platform {gap['platform_in']:.1f} ms during calls "
        f"(per call {gap['per_call']}), "
        f"{gap['platform_out']:.1f} ms outside; direct-to-simulator reference {gap['direct_in']:.1f} ms during "
        f"(per call {gap['per_call_direct']}),"
        f" {gap['direct_out']:.1f} ms outside"
    )

    ratio_t = tput["platform"]["fps"] / bare_t["fps"]
    ratio_cpu = tput["platform"]["frames_per_cpu_s"] / bare_t["frames_per_cpu_s"]
    added = {
        name: {q: (lat[name][q] - lat["direct"][q]) * 1000 for q in ("p50", "p99")} for name in ("bare", "platform")
    }
    mem = {name: tput[name]["mem_per_session"] / 1024 for name in ("bare", "platform")}
    met_t, met_p99 = ratio_t >= GOAL_THROUGHPUT, added["platform"]["p99"] < GOAL_P99_MS
    met_gap = gap["platform_in"] <= GOAL_GAP_MS

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b > 0 else "-"

    print()
    print(_row("metric", "bare relay", "platform", "ratio", "goal", "met?"))
    print(
        _row(
            "relayed frames/s (saturated, both ways)",
            f"{bare_t['fps']:.0f}",
            f"{tput['platform']['fps']:.0f}",
            f"{ratio_t:.2f}",
            f">= {GOAL_THROUGHPUT} of bare",
            "yes" if met_t else "NO",
        )
    )
    print(
        _row(
            "frames per relay CPU-second",
            f"{bare_t['frames_per_cpu_s']:.0f}",
            f"{tput['platform']['frames_per_cpu_s']:.0f}",
            f"{ratio_cpu:.2f}",
            "(info)",
            "",
        )
    )
    print(
        _row(
            f"added latency p50 @ {rate:.0f} frames/s",
            f"{added['bare']['p50']:.2f} ms",
            f"{added['platform']['p50']:.2f} ms",
            ratio(added["platform"]["p50"], added["bare"]["p50"]),
            "(info)",
            "",
        )
    )
    print(
        _row(
            f"added latency p99 @ {rate:.0f} frames/s",
            f"{added['bare']['p99']:.2f} ms",
            f"{added['platform']['p99']:.2f} ms",
            ratio(added["platform"]["p99"], added["bare"]["p99"]),
            f"< {GOAL_P99_MS:g} ms",
            "yes" if met_p99 else "NO",
        )
    )
    print(
        _row(
            "memory per session (idle)",
            f"{mem['bare']:.0f} KiB",
            f"{mem['platform']:.0f} KiB",
            ratio(mem["platform"], mem["bare"]),
            "(info)",
            "",
        )
    )
    print(
        _row(
            "audio gap beyond pacing, 500 ms tool call",
            "-",
            f"{gap['platform_in']:.1f} ms",
            "-",
            f"<= {GOAL_GAP_MS:g} ms",
            "yes" if met_gap else "NO",
        )
    )
    print(
        f"(direct-to-simulator throughput ceiling: {tput['direct']['fps']:.0f} frames/s; "
        f"gap reference straight from the simulator: {gap['direct_in']:.1f} ms; "
        f"run took {time.perf_counter() - started:.0f} s)"
    )
    return 0 if met_t and met_p99 and met_gap else 1


if __name__ == "__main__":
    sys.exit(main())
