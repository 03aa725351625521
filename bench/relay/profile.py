"""Sampling the relay server under load with py-spy (dev extra), and the functions that take its CPU."""

from __future__ import annotations

import collections
import shutil
import subprocess
import sys
import time
from pathlib import Path


def py_spy() -> str | None:
    """The py-spy next to this interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """Start sampling `pid` for `seconds` into `out` (collapsed stacks, one `frame;frame;... count` a line).
    --gil: only the thread holding the GIL, i.e. Python doing work (threads waiting on MongoDB, Redis or a lock
    are not); --nonblocking: the process is not paused to sample, so the load it serves is not slowed."""
    binary = py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed: pip install py-spy (it is in the dev extra)")
    sampling = ["--duration", str(int(seconds)), "--rate", "200", "--format", "raw", "--nonblocking", "--gil"]
    return subprocess.Popen(
        [binary, "record", "--pid", str(pid), *sampling, "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _short(frame: str) -> str:
    # "function (path/to/module.py:123)" -> "function (module.py)"; samples of one function add up across lines.
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    parts = Path(path).parts
    for anchor in ("site-packages", "wt-socket", "main"):
        if anchor in parts:
            parts = parts[parts.index(anchor) + 1 :]
            break
    return f"{name} ({'/'.join(parts[-3:])})"


def top(out: Path, *, limit: int = 15) -> list[tuple[str, float, float]]:
    """(function, self %, inclusive %) of the busiest functions, by self time, the idle event loop left out."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = [_short(frame) for frame in stack.split(";") if frame and not frame.startswith("process ")]
        frames = [frame for frame in frames if not frame.startswith("thread ")]
        if not frames or frames[-1].startswith("EpollSelector.select ("):
            continue  # the event loop waiting for I/O is not work
        count = int(count_text)
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if not total:
        return []
    return [(name, 100 * n / total, 100 * inclusive[name] / total) for name, n in own.most_common(limit)]


def print_top(server: str, out: Path, limit: int = 15) -> None:
    rows = top(out, limit=limit)
    for _ in range(10):  # py-spy may still be writing the file when it has exited
        if rows:
            break
        time.sleep(0.5)
        rows = top(out, limit=limit)
    print(f"\nprofile of {server} under the throughput load (py-spy, busy samples; {out}):")
    print(f"{'self %':>7} {'incl %':>7}  function")
    for name, own, inclusive in rows:
        print(f"{own:7.1f} {inclusive:7.1f}  {name}")
