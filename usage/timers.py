"""The live-session timers that depend on each other, all derived from `SESSION_HEARTBEAT_SECONDS`.

A live session renews its record (`lastSeenAt`) and its concurrent-session lease every heartbeat. Three missed
heartbeats mean its process is gone: the reaper then ends the session, and by then the lease has expired on
its own. `SESSION_TIME_SCALE` scales every one of them, so a crash drill at a small scale is short too. Read
at call time, so a test or a drill that changes the settings changes them all.
"""

from __future__ import annotations

from django.conf import settings

MISSED_HEARTBEATS = 3


def heartbeat_seconds() -> float:
    """How often a live session renews its record and lease and rechecks revocation and budget."""
    return float(settings.SESSION_HEARTBEAT_SECONDS) * float(settings.SESSION_TIME_SCALE)


def stale_after_seconds() -> float:
    """A live session not seen for this long is reaped as crashed."""
    return heartbeat_seconds() * MISSED_HEARTBEATS


def lease_ttl_seconds() -> float:
    """A lease not renewed for this long frees its slot, even if nothing reaps it (a crashed process)."""
    return heartbeat_seconds() * MISSED_HEARTBEATS
