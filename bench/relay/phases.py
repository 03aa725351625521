"""The three measurements: saturated throughput (and memory per session), added latency under an open-loop load,
and the audio gap while a tool call runs.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from typing import Any

import psutil

from bench.relay.clients import Client, Target, close_all, open_all, open_loop, saturate
from bench.relay.constants import LONG_TEXT, PACE_MS, PROBE_EVERY, TOOL_TEXT


@dataclass
class Counters:
    received: Any
    sent: Any
    simulator_pid: int = 0

    def total(self) -> int:
        return int(self.received.value + self.sent.value)


def _cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def _rss(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss)


async def phase_throughput(
    target: Target, n: int, seconds: float, counters: Counters, pid: int | None
) -> dict[str, float]:
    if pid is not None:  # warm up lazy imports and caches before the memory baseline
        await close_all(await open_all(target, 2))
        await asyncio.sleep(0.5)
    before = _rss(pid) if pid is not None else 0
    clients = await open_all(target, n)
    await asyncio.sleep(0.5)
    after = _rss(pid) if pid is not None else 0
    stop = asyncio.Event()
    load = asyncio.gather(*(saturate(c, stop) for c in clients))
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
    await close_all(clients)
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


async def phase_latency(
    target: Target, n: int, seconds: float, counters: Counters, pid: int | None, rate: float, frames_per_turn: float
) -> dict[str, Any]:
    clients = await open_all(target, n)
    per_session = rate / n
    probes = 2 / PROBE_EVERY  # a clear and its answer
    turns = (per_session - probes) / 2 / frames_per_turn
    appends = max(0.0, (per_session - probes) / 2)
    stop = asyncio.Event()
    load = asyncio.gather(*(open_loop(c, stop, appends, turns) for c in clients))
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
    await close_all(clients)
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


async def phase_tool(
    platform: Target, tool_target: Target, direct: Target, n: int, calls: int, factor: Any
) -> dict[str, Any]:
    factor.value = 0.0  # greetings at once
    listeners = await open_all(platform, max(1, n - 1))
    references = await open_all(direct, 4)
    caller = (await open_all(tool_target, 1))[0]
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
    await close_all(listeners + references + [caller])

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
