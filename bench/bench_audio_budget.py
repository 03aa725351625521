"""The audio budget's cost on the relay's hot path: one `AudioBudget.take` per visitor append.

    .venv/bin/python bench/bench_audio_budget.py [--frames 200000]

Compares `take()` with the shape check the hot path already does on every append (`is_append_wire` on a
60 ms frame, what the widget sends; the regex it replaced is printed too), and counts the memory left behind
by the frames with tracemalloc.
Goals: `take()` costs at most a quarter of the shape check, and keeps no memory per frame (under 1 KiB after
all frames). Pure CPU in one process; no server.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.audio_budget import APPEND_ENVELOPE, AudioBudget
from agents.protocol import APPEND_WIRE, is_append_wire

COST_GOAL = 0.25
MEMORY_GOAL = 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200_000)
    args = parser.parse_args()
    frame = '{"type":"input_audio_buffer.append","audio":"' + base64.b64encode(bytes(2880)).decode() + '"}'
    budget = AudioBudget(chars_per_second=1e12)  # never refuses: the path every real-time frame takes
    chars = len(frame) - APPEND_ENVELOPE

    started = time.perf_counter()
    for _ in range(args.frames):
        APPEND_WIRE.fullmatch(frame)
    regex = (time.perf_counter() - started) / args.frames

    started = time.perf_counter()
    for _ in range(args.frames):
        is_append_wire(frame)
    shape = (time.perf_counter() - started) / args.frames

    started = time.perf_counter()
    for _ in range(args.frames):
        budget.take(chars)
    take = (time.perf_counter() - started) / args.frames

    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for _ in range(args.frames):
        budget.take(chars)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    kept = sum(stat.size_diff for stat in after.compare_to(before, "filename") if "audio_budget" in str(stat))

    ratio = take / shape
    print(f"{'per append':<28}{'ns':>10}")
    print(f"{'APPEND_WIRE.fullmatch (was)':<28}{regex * 1e9:>10.0f}")
    print(f"{'is_append_wire':<28}{shape * 1e9:>10.0f}")
    print(f"{'AudioBudget.take':<28}{take * 1e9:>10.0f}")
    print(f"take / shape check: {ratio:.2f} (goal <= {COST_GOAL}) {'met' if ratio <= COST_GOAL else 'NOT met'}")
    verdict = "met" if kept < MEMORY_GOAL else "NOT met"
    print(f"memory kept after {args.frames} frames: {kept} B (goal < {MEMORY_GOAL}) {verdict}")
    return 0 if ratio <= COST_GOAL and kept < MEMORY_GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
