"""Where the widget was last seen live: the last accepted bootstrap per (key, origin) of a tenant.

Written by every accepted bootstrap, so it must stay cheap: one Redis HSET, and at most one per (key, origin)
per process per `WRITE_EVERY_SECONDS` (so "last seen" is exact to about a minute). It is a convenience for
the install page and the setup checklist, never a gate: a Redis error skips the write (logged), it never
refuses a visitor.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.exceptions import RedisError

from config import redis

logger = logging.getLogger(__name__)

WRITE_EVERY_SECONDS = 60.0
_KEY = "widget:seen:{tenant_id}"
_last_written: dict[tuple[int, int, str], float] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Sighting:
    key_id: int
    origin: str
    seen_at: datetime


def sighting_record(*, tenant_id: int, key_id: int, origin: str) -> None:
    """Note an accepted bootstrap of this key from this origin (throttled per process)."""
    now = time.monotonic()
    marker = (tenant_id, key_id, origin)
    with _lock:
        if _last_written.get(marker, -WRITE_EVERY_SECONDS) > now - WRITE_EVERY_SECONDS:
            return
        if len(_last_written) > 50_000:
            _last_written.clear()  # bounded memory
        _last_written[marker] = now
    try:
        redis.connection().hset(_KEY.format(tenant_id=tenant_id), f"{key_id} {origin}", int(time.time()))
    except RedisError as exc:
        logger.warning("widget sighting not recorded (tenant %s): %s", tenant_id, type(exc).__name__)


def sightings_read(*, tenant_id: int) -> list[Sighting]:
    """Every (key, origin) this tenant's widget was seen on, newest first; empty when Redis is unavailable."""
    try:
        raw = redis.connection().hgetall(_KEY.format(tenant_id=tenant_id))
    except RedisError as exc:
        logger.warning("widget sightings not readable (tenant %s): %s", tenant_id, type(exc).__name__)
        return []
    sightings = []
    for field, value in raw.items():
        key_part, _, origin = (field.decode() if isinstance(field, bytes) else str(field)).partition(" ")
        if not key_part.isdigit() or not origin:
            continue
        seen_at = datetime.fromtimestamp(int(value), tz=UTC)
        sightings.append(Sighting(key_id=int(key_part), origin=origin, seen_at=seen_at))
    return sorted(sightings, key=lambda sighting: sighting.seen_at, reverse=True)


def sightings_forget_throttle() -> None:
    """Tests: let the next bootstrap write again at once."""
    with _lock:
        _last_written.clear()
