"""HTTP tool executor overhead: a guarded call (validate, render, guard, send, map) against a bare httpx call.

    .venv/bin/python bench/bench_executor.py [--calls 2000] [--rounds 2]

Both sides GET the same JSON from one local server (its own process, keep-alive HTTP/1.1). The baseline is a
shared `httpx.AsyncClient` doing `get(...).json()`; the guarded side is `arguments_parse` + `tool_trace`
(argument validation, request rendering, the SSRF guard with a pinned transport, bounded read and response
mapping). Calls are interleaved in small batches so drift hits both sides alike. Redis (idempotency) and the
MongoDB tool_logs write are not part of the per-call path measured here. Goal: p50 ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.3
BODY = json.dumps(
    {
        "results": [
            {
                "id": f"p-{i:03d}",
                "name": f"Trail Runner {i}",
                "price": 80 + i,
                "currency": "EUR",
                "category": "shoes",
                "options": ["40", "41", "42", "43"],
                "stock": 5,
                "description": "A light trail shoe. " * 4,
                "images": [f"https://cdn.example.com/p{i}-1.jpg", f"https://cdn.example.com/p{i}-2.jpg"],
            }
            for i in range(8)
        ],
        "count": 8,
    }
).encode()


# --- server process ---------------------------------------------------------------------------------------


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + str(len(BODY)).encode() + b"\r\n\r\n"
    )
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            writer.write(head + BODY)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _serve() -> None:
    server = await asyncio.start_server(_handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


# --- client side ------------------------------------------------------------------------------------------


def _setup_django(port: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")  # development secrets under var/; nothing here needs production settings
    sys.path.insert(0, str(ROOT))
    # Deferred, like the project imports below: Django needs the environment set above, the models the app
    # registry that django.setup() fills.
    import django

    django.setup()
    from django.conf import settings

    logging.getLogger("httpx").setLevel(logging.WARNING)  # its per-request INFO line would slow the baseline
    settings.HTTPTOOLS_ALLOW_LOOPBACK = True
    settings.HTTPTOOLS_ALLOWED_PORTS = [*settings.HTTPTOOLS_ALLOWED_PORTS, port]


def _tool(port: int, *, visual: bool) -> Any:
    from httptools.models import HttpTool

    tool = HttpTool(
        tenant_id=1,
        name="search_products",
        description="Search the catalog.",
        method="GET",
        base_url=f"http://127.0.0.1:{port}",
        path_template="/api/products",
        query_params={"query": "{query}", "sort": "{sort}", "limit": "8"},
        arguments_schema={
            "type": "object",
            "properties": {
                "query": {"type": "string", "maxLength": 100},
                "sort": {"type": "string", "enum": ["relevance", "cheapest", "priciest"]},
            },
            "additionalProperties": False,
        },
        response_mapping={"items": "results", "fields": ["id", "name", "price", "options"], "max_items": 5},
        visual="product_cards" if visual else "",
        visual_props={"products": "results"} if visual else {},
    )
    tool.clean()  # the save-time rules, without the database
    return tool


async def _measure(port: int, calls: int, rounds: int) -> dict[str, list[float]]:
    from httptools.executor import arguments_parse, tool_trace

    plain, carded = _tool(port, visual=False), _tool(port, visual=True)
    arguments_json = '{"query": "trail runner", "sort": "cheapest"}'
    url = f"http://127.0.0.1:{port}/api/products"

    async with httpx.AsyncClient(trust_env=False) as client:

        async def bare() -> None:
            response = await client.get(url, params={"query": "trail runner", "sort": "cheapest", "limit": "8"})
            response.json()

        async def guarded() -> None:
            trace = await tool_trace(tool=plain, arguments=arguments_parse(plain, arguments_json), secrets={})
            assert trace.result.ok, trace.detail

        async def guarded_card() -> None:
            trace = await tool_trace(tool=carded, arguments=arguments_parse(carded, arguments_json), secrets={})
            assert trace.result.ok and trace.result.html, trace.detail

        sides = {"bare httpx": bare, "guarded": guarded, "guarded + card": guarded_card}
        timings: dict[str, list[float]] = {name: [] for name in sides}
        for fn in sides.values():  # warm up connections, caches and compiled validators
            for _ in range(200):
                await fn()
        batch = 20
        for _ in range(rounds):
            for _ in range(calls // batch):
                for name, fn in sides.items():
                    for _ in range(batch):
                        started = time.perf_counter()
                        await fn()
                        timings[name].append((time.perf_counter() - started) * 1e6)
    return timings


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per side per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve())
        return 0
    server = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        _setup_django(port)
        timings = asyncio.run(_measure(port, args.calls, args.rounds))
    finally:
        server.terminate()
        server.wait(5)
    base = statistics.median(timings["bare httpx"])
    print(f"{'side':<16} {'p50 µs':>9} {'p90 µs':>9} {'p99 µs':>9} {'ratio p50':>10}")
    for name, values in timings.items():
        p50 = statistics.median(values)
        print(f"{name:<16} {p50:>9.0f} {_pct(values, 0.9):>9.0f} {_pct(values, 0.99):>9.0f} {p50 / base:>10.2f}")
    ratio = statistics.median(timings["guarded"]) / base
    verdict = "meets" if ratio <= GOAL else "misses"
    print(f"guarded/bare p50 ratio: {ratio:.2f} ({verdict} the goal of <= {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
