"""The figures: the cores line of each phase and the final table of bare relay, platform, ratio, goal and met?."""

from __future__ import annotations

import time
from typing import Any

from bench.relay.constants import GOAL_GAP_MS, GOAL_P99_MS, GOAL_THROUGHPUT


def cores(x: dict[str, Any]) -> str:
    return f"cores: relay {x['relay_cores']:.2f} sim {x['sim_cores']:.2f} clients {x['bench_cores']:.2f}"


def row(metric: str, bare: str, platform: str, ratio: str, goal: str, met: str) -> str:
    return f"{metric:<44} {bare:>12} {platform:>12} {ratio:>7}  {goal:<26} {met}"


def table(
    tput: dict[str, dict[str, float]], lat: dict[str, dict[str, Any]], gap: dict[str, Any], rate: float, started: float
) -> bool:
    """Print the table and the closing line; returns whether every goal is met."""
    bare_t = tput["bare"]
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
    print(row("metric", "bare relay", "platform", "ratio", "goal", "met?"))
    print(
        row(
            "relayed frames/s (saturated, both ways)",
            f"{bare_t['fps']:.0f}",
            f"{tput['platform']['fps']:.0f}",
            f"{ratio_t:.2f}",
            f">= {GOAL_THROUGHPUT} of bare",
            "yes" if met_t else "NO",
        )
    )
    print(
        row(
            "frames per relay CPU-second",
            f"{bare_t['frames_per_cpu_s']:.0f}",
            f"{tput['platform']['frames_per_cpu_s']:.0f}",
            f"{ratio_cpu:.2f}",
            "(info)",
            "",
        )
    )
    print(
        row(
            f"added latency p50 @ {rate:.0f} frames/s",
            f"{added['bare']['p50']:.2f} ms",
            f"{added['platform']['p50']:.2f} ms",
            ratio(added["platform"]["p50"], added["bare"]["p50"]),
            "(info)",
            "",
        )
    )
    print(
        row(
            f"added latency p99 @ {rate:.0f} frames/s",
            f"{added['bare']['p99']:.2f} ms",
            f"{added['platform']['p99']:.2f} ms",
            ratio(added["platform"]["p99"], added["bare"]["p99"]),
            f"< {GOAL_P99_MS:g} ms",
            "yes" if met_p99 else "NO",
        )
    )
    print(
        row(
            "memory per session (idle)",
            f"{mem['bare']:.0f} KiB",
            f"{mem['platform']:.0f} KiB",
            ratio(mem["platform"], mem["bare"]),
            "(info)",
            "",
        )
    )
    print(
        row(
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
    return met_t and met_p99 and met_gap
