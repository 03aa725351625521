"""Voice relay: N concurrent sessions streaming audio both ways through the real consumer (Daphne or uvicorn +
Channels + AgentSession) against the realtime simulator, and the same load through a bare asyncio relay, in one run.

    .venv/bin/python bench/bench_relay.py [--sessions 20] [--seconds 6] [--tool-calls 3]
        [--server daphne,uvicorn] [--profile build/relay-profile]

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

Each platform phase runs once per `--server` (Daphne as production runs it, `python -m config.server`, and
uvicorn with `--ws websockets`, both serving the same application), printed side by side. `--profile PREFIX`
then samples each server with py-spy under one more throughput load and prints its busiest functions.

Goals (issue 10, ratios in one run): frames per relay CPU-second >= 0.8 of the bare relay; the audio gap during
a tool call <= 1.5 x the simulator's own reference gap; memory per idle session <= 1.2 x the bare relay's; added
p99 < 5 ms. Capacity is printed as sessions per relay core (a visitor streams 25 frames/s up, the agent 20 down).
Exit code 0 when the first server (Daphne by default) meets all of them, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
# Run as a file (`python bench/...`), a script sees only bench/ on its path; the shared helpers live at the root.
sys.path.insert(0, str(ROOT))

from agents.protocol import WS_PATH  # noqa: E402
from bench.relay import profile, report  # noqa: E402
from bench.relay.bare import bare_main  # noqa: E402
from bench.relay.clients import Target  # noqa: E402
from bench.relay.constants import DB_FILE, PACE_MS, REDIS_URL  # noqa: E402
from bench.relay.phases import Counters, phase_latency, phase_throughput, phase_tool  # noqa: E402
from bench.relay.platform_setup import prepare, redis_flush  # noqa: E402
from bench.relay.servers import SlowHandler, mongo_main, simulator_main  # noqa: E402
from tests.support.servers import SERVERS, free_port, server_command, wait_until_serving  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=6.0, help="measuring window of each load phase")
    parser.add_argument("--tool-calls", type=int, default=3)
    parser.add_argument(
        "--server",
        default="daphne,uvicorn",
        help="the ASGI servers to measure side by side, comma-separated: daphne (the default, production's), uvicorn",
    )
    parser.add_argument(
        "--profile", type=Path, help="also sample each server with py-spy under the throughput load (file prefix)"
    )
    args = parser.parse_args()
    servers = [name.strip() for name in args.server.split(",") if name.strip()]
    if not servers or any(name not in SERVERS for name in servers):
        parser.error(f"--server takes {', '.join(SERVERS)}")
    ctx = mp.get_context("spawn")
    children: list[Any] = []
    processes: list[subprocess.Popen[bytes]] = []
    tool_server: ThreadingHTTPServer | None = None
    try:
        redis_flush()
        if os.path.exists(DB_FILE):
            os.unlink(DB_FILE)
        factor, received, sent = ctx.Value("d", 0.0), ctx.Value("q", 0, lock=False), ctx.Value("q", 0, lock=False)

        def spawn(role: Any, *role_args: Any) -> Any:
            queue = ctx.Queue()
            child = ctx.Process(target=role, args=(queue, *role_args), daemon=True)
            child.start()
            children.append(child)
            return queue.get(timeout=30), child

        mongo_uri, _ = spawn(mongo_main)
        sim_port, simulator = spawn(simulator_main, factor, received, sent)
        sim_url = f"ws://127.0.0.1:{sim_port}/v1/realtime"
        bare_port, bare = spawn(bare_main, sim_url)
        bare_url = f"ws://127.0.0.1:{bare_port}/v1/realtime"

        tool_server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
        tool_port = tool_server.server_address[1]
        threading.Thread(target=tool_server.serve_forever, daemon=True).start()

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
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
            # The saturation phase streams audio as fast as the relay takes it, far past real time.
            "VOICE_AUDIO_SPEED_LIMIT": "100000",
        }
        platforms, tool_targets, upstream_open = prepare(env, args.sessions, tool_port, servers=len(servers))
        targets: dict[str, Target] = {
            "bare": Target(
                "bare", bare_url, session_update=upstream_open["session"], greeting=upstream_open["greeting"]
            ),
            "direct": Target(
                "direct", sim_url, session_update=upstream_open["session"], greeting=upstream_open["greeting"]
            ),
        }
        pids: dict[str, int | None] = {"bare": bare.pid, "direct": None}
        tools: dict[str, Target] = {}
        for server, platform, tool_target in zip(servers, platforms, tool_targets, strict=True):
            port = free_port()
            process = subprocess.Popen(server_command(server, port), cwd=ROOT, env={**env, "PORT": str(port)})
            processes.append(process)
            wait_until_serving(port, process, timeout=30)
            platform.url = tool_target.url = f"ws://127.0.0.1:{port}{WS_PATH}"
            targets[server], tools[server], pids[server] = platform, tool_target, process.pid
        counters = Counters(received, sent, simulator.pid)
        return asyncio.run(_run(args, servers, targets, tools, pids, counters, factor))
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        if tool_server is not None:
            tool_server.shutdown()
        for child in children:
            child.terminate()
            child.join(5)


async def _run(
    args: argparse.Namespace,
    servers: list[str],
    targets: dict[str, Target],
    tools: dict[str, Target],
    pids: dict[str, int | None],
    counters: Counters,
    factor: Any,
) -> int:
    n, seconds = args.sessions, args.seconds
    started = time.perf_counter()
    print(f"{n} sessions, {seconds:g} s windows, {os.cpu_count()} CPUs shared by all processes; servers: {servers}")
    tput: dict[str, dict[str, float]] = {}
    for name in ("bare", *servers, "direct"):
        tput[name] = await phase_throughput(targets[name], n, seconds, counters, pids[name])
        t = tput[name]
        print(
            f"throughput {name:8s} {t['fps']:8.0f} frames/s  {t['turns'] / seconds:6.1f} turns/s  "
            f"{report.cores(t)}  {t['frames_per_cpu_s']:8.0f} frames/CPU-s  "
            f"mem/session {t['mem_per_session'] / 1024:7.1f} KiB  {t['frames_per_turn']:.0f} frames/turn"
        )
    bare_t = tput["bare"]
    frames_per_turn = max(1.0, bare_t["frames_per_turn"])  # a typed turn: its 2 frames up and the reply down
    rate = 0.5 * bare_t["fps"]
    lat: dict[str, dict[str, Any]] = {}
    for name in ("direct", "bare", *servers):
        lat[name] = await phase_latency(targets[name], n, seconds, counters, pids[name], rate, frames_per_turn)
        x = lat[name]
        print(
            f"latency    {name:8s} load {x['fps']:8.0f} frames/s  clear->cleared p50 {x['p50'] * 1000:7.2f} ms"
            f"  p99 {x['p99'] * 1000:7.2f} ms  ({x['probes']} probes)  {report.cores(x)}"
        )
    gaps: dict[str, dict[str, Any]] = {}
    for name in servers:
        gap = gaps[name] = await phase_tool(targets[name], tools[name], targets["direct"], n, args.tool_calls, factor)
        print(
            f"tool calls {name:8s} {gap['tool_ms']} ms wall ({gap['statuses']}); {gap['deltas']} listener deltas; "
            f"largest gap beyond {PACE_MS:.0f} ms pacing: {gap['platform_in']:.1f} ms during calls "
            f"(per call {gap['per_call']}), {gap['platform_out']:.1f} ms outside; direct-to-simulator reference "
            f"{gap['direct_in']:.1f} ms during (per call {gap['per_call_direct']}), {gap['direct_out']:.1f} ms outside"
        )
    if args.profile:
        for name in servers:
            pid = pids[name]
            assert pid is not None
            out = Path(f"{args.profile}-{name}.txt")
            # Long enough to cover opening the sessions and the warm-up too; not counted: the sampler costs CPU.
            sampler = profile.record(pid, seconds + 10, out)
            await phase_throughput(targets[name], n, seconds + 8, counters, pid)
            sampler.wait(60)
            profile.print_top(name, out)
    return 0 if report.table(tput, lat, gaps, servers, rate, started) else 1


if __name__ == "__main__":
    sys.exit(main())
