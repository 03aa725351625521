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
from bench.relay import report  # noqa: E402
from bench.relay.bare import bare_main  # noqa: E402
from bench.relay.clients import Target  # noqa: E402
from bench.relay.constants import DB_FILE, PACE_MS, REDIS_URL  # noqa: E402
from bench.relay.phases import Counters, phase_latency, phase_throughput, phase_tool  # noqa: E402
from bench.relay.platform_setup import prepare, redis_flush  # noqa: E402
from bench.relay.servers import SlowHandler, mongo_main, simulator_main  # noqa: E402
from tests.support.servers import free_port, wait_until_serving  # noqa: E402


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
            # The saturation phase streams audio as fast as the relay takes it, far past real time.
            "VOICE_AUDIO_SPEED_LIMIT": "100000",
        }
        platform, tool_target, upstream_open = prepare(env, args.sessions, tool_port)
        app = "config.asgi:application"
        daphne = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "--access-log", os.devnull, app],
            cwd=ROOT,
            env=env,
        )
        wait_until_serving(port, daphne, timeout=30)
        platform.url = tool_target.url = f"ws://127.0.0.1:{port}{WS_PATH}"
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
    for name in ("direct", "bare", "platform"):
        lat[name] = await phase_latency(targets[name], n, seconds, counters, pids[name], rate, frames_per_turn)
        x = lat[name]
        print(
            f"latency    {name:8s} load {x['fps']:8.0f} frames/s  clear->cleared p50 {x['p50'] * 1000:7.2f} ms"
            f"  p99 {x['p99'] * 1000:7.2f} ms  ({x['probes']} probes)  {report.cores(x)}"
        )
    gap = await phase_tool(targets["platform"], tool_target, targets["direct"], n, args.tool_calls, factor)
    print(
        f"tool calls {gap['tool_ms']} ms wall ({gap['statuses']}); {gap['deltas']} listener deltas; "
        f"largest gap beyond {PACE_MS:.0f} ms pacing: platform {gap['platform_in']:.1f} ms during calls "
        f"(per call {gap['per_call']}), "
        f"{gap['platform_out']:.1f} ms outside; direct-to-simulator reference {gap['direct_in']:.1f} ms during "
        f"(per call {gap['per_call_direct']}),"
        f" {gap['direct_out']:.1f} ms outside"
    )
    return 0 if report.table(tput, lat, gap, rate, started) else 1


if __name__ == "__main__":
    sys.exit(main())
