"""Server processes on 127.0.0.1: a free port, waiting until Daphne serves, a live server's handle.

Standard library and the (Django-free) protocol module only: the benches import this outside pytest and Django."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass

from agents.protocol import WS_PATH


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Return once the server answers /healthz; raise if the process exits first or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("daphne did not start in time")


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
