"""The beat jobs run in a real Celery worker against the real Redis broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from django.conf import settings as django_settings

from tests.support.factories import make_live_session
from usage import limits, store
from usage.tasks import reap_stale_sessions


def test_the_reaper_task_runs_in_a_celery_worker_and_ends_a_stale_session(mongo: Any, redis_conn: Any) -> None:
    make_live_session(tenant_id=5150, session_id="vs_stale", last_seen_seconds_ago=600)
    assert limits.lease_acquire(tenant_id=5150, session_id="vs_stale", limit=3)
    environment = {
        **os.environ,
        "DEBUG": "1",
        "REDIS_URL": django_settings.REDIS_URL,
        "MONGODB_URI": django_settings.MONGODB_URI,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=django_settings.BASE_DIR,
        env=environment,
    )
    try:
        reap_stale_sessions.delay()
        # The worker ends the session and then frees its lease: wait for both, the outcome a tenant sees.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            session = store.session_get(tenant_id=5150, session_id="vs_stale")
            leases = limits.leases_active(tenant_id=5150)
            if session and session["status"] == "ended" and leases == 0:
                break
            time.sleep(0.2)
        assert session and session["endReason"] == "heartbeat_lost"
        assert leases == 0
    finally:
        worker.terminate()
        worker.wait(10)
