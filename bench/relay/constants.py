"""The relay benchmark's settings, wire messages and goals, shared by its modules."""

from __future__ import annotations

import base64
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

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
# Goals, as ratios to what the same run measures without the platform (issue 10), and the added p99.
GOAL_CPU_RATIO = 0.8  # frames per relay CPU-second, of the bare relay's
GOAL_GAP_RATIO = 1.5  # audio gap during a tool call, of the simulator's own reference gap
GOAL_MEMORY_RATIO = 1.2  # memory per idle session, of the bare relay's
GOAL_P99_MS = 5.0
# How an operator plans capacity: a visitor streams this many frames up, the agent this many down.
VISITOR_FRAMES_PER_SECOND, AGENT_FRAMES_PER_SECOND = 25, 20
