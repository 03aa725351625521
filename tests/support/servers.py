"""Server processes on 127.0.0.1: how to start Daphne or uvicorn, a free port, waiting until it serves, a live
server's handle.

Standard library and the (Django-free) protocol module only: the benches import this outside pytest and Django."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

from agents.protocol import WS_PATH

SERVERS = ("daphne", "uvicorn")


def server_command(server: str, port: int, app: str = "config.asgi:application") -> list[str]:
    """Serve the application on 127.0.0.1:port: Daphne as production runs it (config/server.py), or uvicorn
    as docs/operations.md runs it."""
    if server == "daphne":
        listen = ["-b", "127.0.0.1", "-p", str(port)]
        return [sys.executable, "-m", "config.server", *listen, "--access-log", os.devnull, app]
    if server != "uvicorn":
        raise ValueError(f"unknown server {server!r}; one of {SERVERS}")
    # --http h11: uvicorn's default parser would import the project's own httptools app (docs/operations.md).
    listen = ["--host", "127.0.0.1", "--port", str(port), "--http", "h11", "--ws", "websockets"]
    quiet = ["--ws-max-size", "1048576", "--no-access-log", "--log-level", "warning"]
    return [sys.executable, "-m", "uvicorn", *listen, *quiet, app]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Return once the server answers /healthz; raise if the process exits first or the time runs out.

    The default is generous: Daphne starts in about a second, but parallel test workers on two busy cores have
    taken more than 20 s to import Django (the wait ends as soon as the server answers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start in time")


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}{WS_PATH}"
