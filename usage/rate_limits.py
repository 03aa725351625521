"""Rate limits: the `limits` library's moving window, stored in Redis, behind one function.

A moving window keeps the time of each admitted request (a Redis list per counter, at most `limit` long) and
admits one more only while fewer than `limit` fall inside the last minute, so no two adjacent minutes can
admit double the way a fixed window does at its edge. The library's Lua does the check and the insert in one
atomic step, so processes sharing Redis never admit past the limit together.

When Redis is down a check that admits no spend (bootstrap) may fail open to the same strategy in this
process's memory, and says so (log, `fallback_count()`); a check that admits spend (opening a session) fails
closed with `LimitUnavailable`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from config import redis
from usage import refusals
from usage.limits import LimitUnavailable

logger = logging.getLogger(__name__)

KEY_PREFIX = "rl"


@dataclass(frozen=True)
class RateLimit:
    """One counter: `scope` names it in refusal counts (ip, key, tenant), `key` identifies it in Redis."""

    scope: str
    key: str
    per_minute: int


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0  # whole seconds until the refused counter admits again
    scope: str = ""  # which limit refused


_lock = threading.Lock()
_redis_limiters: dict[int, MovingWindowRateLimiter] = {}
_local_limiter: MovingWindowRateLimiter | None = None
_fallbacks = 0


def _redis_limiter() -> MovingWindowRateLimiter:
    """A limiter on the shared django-redis pool (config.redis owns the connections)."""
    pool = redis.connection().connection_pool
    with _lock:
        limiter = _redis_limiters.get(id(pool))
        if limiter is None:
            storage = RedisStorage(settings.REDIS_URL, connection_pool=pool, key_prefix=KEY_PREFIX)
            limiter = _redis_limiters[id(pool)] = MovingWindowRateLimiter(storage)
        return limiter


def _process_limiter() -> MovingWindowRateLimiter:
    """This process's own limiter, made on first use (its storage runs an expiry thread)."""
    global _local_limiter
    with _lock:
        if _local_limiter is None:
            _local_limiter = MovingWindowRateLimiter(MemoryStorage())
        return _local_limiter


WARN_EVERY_SECONDS = 10.0
_last_warning = -WARN_EVERY_SECONDS


def _should_warn(last: float) -> tuple[bool, float]:
    now = time.monotonic()
    return (True, now) if now - last >= WARN_EVERY_SECONDS else (False, last)


def fallback_count() -> int:
    """How many checks this process answered from its own memory because Redis was down."""
    return _fallbacks


def _check(limiter: MovingWindowRateLimiter, limits: list[RateLimit]) -> RateDecision:
    for limit in limits:
        item = RateLimitItemPerMinute(max(1, limit.per_minute))
        if not limiter.hit(item, limit.key):
            reset_at, _remaining = limiter.get_window_stats(item, limit.key)
            # The oldest admission leaves the window just after reset_at (the window includes its edge).
            return RateDecision(False, max(1, math.floor(reset_at - time.time()) + 1), limit.scope)
    return RateDecision(True)


def rate_limits_hit(*, tenant_id: int, reason_prefix: str, limits: list[RateLimit], fail_open: bool) -> RateDecision:
    """Count one request against each limit in order, stopping at the first that refuses (it is counted as
    `<reason_prefix>_<scope>` for the tenant). Redis down: `fail_open` uses this process's limiter, otherwise
    raises LimitUnavailable."""
    global _fallbacks
    try:
        decision = _check(_redis_limiter(), limits)
    except RedisError as exc:
        if not fail_open:
            refusals.refusal_count(tenant_id=tenant_id, reason="redis_unavailable")
            raise LimitUnavailable("rate limits are unavailable") from exc
        global _last_warning
        with _lock:
            _fallbacks += 1
            warn, _last_warning = _should_warn(_last_warning)
        if warn:  # once per interval, not once per request: an outage must not flood the log
            logger.warning(
                "rate limit falling back to the per-process limiter: redis unavailable (%s checks so far)", _fallbacks
            )
        decision = _check(_process_limiter(), limits)
    if not decision.allowed:
        refusals.refusal_count(tenant_id=tenant_id, reason=f"{reason_prefix}_{decision.scope}")
    return decision
