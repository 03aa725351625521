"""This app is named `httptools`, like the HTTP parser on PyPI that uvicorn imports. Both are the top-level
module `httptools`, so whichever comes first on sys.path hides the other. The parser must therefore not be
installed, and the server we run must not import it (docs/operations.md, "Serving the app").
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

import httptools
from tests.support.servers import free_port

PROJECT = Path(__file__).resolve().parents[2]
PROJECT_DISTRIBUTION = "voiceagents"
# A plain ASGI app, no Django: whatever imports `httptools` in this process is the server itself.
PROBE_APP = """
import sys


async def application(scope, receive, send):
    body = b"imported" if "httptools" in sys.modules else b"not imported"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})
"""


def test_the_name_httptools_is_this_app():
    assert Path(httptools.__file__).resolve().parent == PROJECT / "httptools"


def test_no_installed_distribution_but_this_project_provides_httptools():
    providers = set(importlib.metadata.packages_distributions().get("httptools", []))
    assert providers <= {PROJECT_DISTRIBUTION}, (
        f"{sorted(providers - {PROJECT_DISTRIBUTION})} installs a top-level httptools (the PyPI HTTP parser, "
        "e.g. through uvicorn[standard]); it and this app cannot both be imported: uninstall it"
    )


@pytest.mark.slow
def test_daphne_serves_a_request_without_importing_httptools(tmp_path):
    (tmp_path / "probe_app.py").write_text(textwrap.dedent(PROBE_APP))
    port = free_port()
    # Started from the project folder, as in production, so this app is the httptools on sys.path.
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "probe_app:application"],
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    answer = None
    try:
        deadline = time.monotonic() + 20
        while answer is None and process.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    answer = response.read()
            except OSError:
                time.sleep(0.1)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert answer == b"not imported", errors.decode()[-2000:]
