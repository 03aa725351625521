"""Atomic Redis guards: concurrent-session leases and the spend counters (rate limits: `usage.rate_limits`).

Anything that admits spend (a lease, the budget) fails closed with a retryable error when Redis is down.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.exceptions import RedisError

from config import redis
from usage import timers

logger = logging.getLogger(__name__)

# Lease = member of a sorted set scored by expiry; expired members are dropped before counting.
_LEASE_ACQUIRE_LUA = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
  return 1
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) * 2)
return 1
"""

# Renewing a lease that is gone (Redis restarted without its data) takes it back: the session is live and was
# admitted, and until it renews, new opens may briefly see a free slot; opens then wait for the count to drop.
# A released lease leaves a marker (KEYS[2]) so a renewal racing with the session's end never revives it.
_LEASE_RENEW_LUA = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local held = redis.call('ZSCORE', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
if held then return 1 end
return 0
"""

_scripts: dict[tuple[int, str], Any] = {}


def _script(source: str) -> Any:
    """A registered script (EVALSHA after the first call) on the current connection."""
    connection = redis.connection()
    key = (id(connection), source)
    if key not in _scripts:
        _scripts[key] = connection.register_script(source)
    return _scripts[key]


class LimitUnavailable(Exception):
    """Redis is down and the guard admits spend, so it refuses (retry shortly)."""


def _lease_ttl_ms() -> int:
    return max(1, int(timers.lease_ttl_seconds() * 1000))


def _lease_key(tenant_id: int) -> str:
    return f"lease:{tenant_id}"


def _released_key(session_id: str) -> str:
    return f"lease-released:{session_id}"


def lease_acquire(*, tenant_id: int, session_id: str, limit: int) -> bool:
    """Take one of the tenant's `limit` concurrent-session slots; False when all are taken."""
    try:
        now_ms = int(time.time() * 1000)
        result = _script(_LEASE_ACQUIRE_LUA)(
            keys=[_lease_key(tenant_id)], args=[now_ms, limit, session_id, _lease_ttl_ms()]
        )
    except RedisError as exc:
        raise LimitUnavailable("session leases are unavailable") from exc
    return bool(result)


def lease_renew(*, tenant_id: int, session_id: str) -> bool:
    """Extend a live session's lease (taking it back if Redis lost it); False when it had to be taken back
    or Redis is down."""
    try:
        now_ms = int(time.time() * 1000)
        keys = [_lease_key(tenant_id), _released_key(session_id)]
        return bool(_script(_LEASE_RENEW_LUA)(keys=keys, args=[now_ms, session_id, _lease_ttl_ms()]))
    except RedisError:
        logger.warning("lease renewal failed: redis unavailable")
        return False


def lease_release(*, tenant_id: int, session_id: str) -> None:
    try:
        pipe = redis.connection().pipeline()
        pipe.zrem(_lease_key(tenant_id), session_id)
        pipe.set(_released_key(session_id), 1, px=_lease_ttl_ms())
        pipe.execute()
    except RedisError:
        # The lease expires by itself after its TTL.
        logger.warning("lease release failed: redis unavailable")


def leases_active(*, tenant_id: int) -> int:
    now_ms = int(time.time() * 1000)
    return int(redis.connection().zcount(_lease_key(tenant_id), now_ms, "+inf"))


def _spend_key(tenant_id: int, period: str) -> str:
    return f"spend:{tenant_id}:{period}"  # period: a UTC day (YYYY-MM-DD) or month (YYYY-MM)


SPEND_TTL_SECONDS = 40 * 86400  # a month's counter outlives the month; a day's is tiny

# Add to counters that exist; a missing one (never seeded, or lost with a Redis restart) is left missing and
# reported as nil, so the caller seeds it from MongoDB instead of restarting it from zero.
# With ARGV[3] (a usage event's marker key) the add happens once per event: a retry of a half-done metering
# write finds the marker and only reads the counters.
_SPEND_ADD_LUA = """
local once = ARGV[3] ~= '' and not redis.call('SET', ARGV[3], '1', 'NX', 'EX', ARGV[2])
local result = {}
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    if once then
      result[i] = tonumber(redis.call('GET', key))
    else
      result[i] = redis.call('INCRBY', key, ARGV[1])
      redis.call('EXPIRE', key, ARGV[2])
    end
  else
    result[i] = -1
  end
end
return result
"""


def spend_add(
    *, tenant_id: int, periods: list[str], micro_dollars: int, event_id: str | None = None
) -> list[int | None] | None:
    """Add metered spend (millionths of a dollar) to each period's counter: the new totals, None for a counter
    that is missing (seed it), or None for all when Redis is down (the caller resyncs later). With `event_id`,
    a usage event's spend is added once however often it is retried."""
    once = f"spend-event:{event_id}" if event_id else ""
    try:
        totals = _script(_SPEND_ADD_LUA)(
            keys=[_spend_key(tenant_id, period) for period in periods], args=[micro_dollars, SPEND_TTL_SECONDS, once]
        )
    except RedisError:
        logger.warning("spend counter not updated: redis unavailable (usage_daily stays authoritative)")
        return None
    return [None if int(total) < 0 else int(total) for total in totals]


def spend_get(*, tenant_id: int, period: str) -> int | None:
    """A period's metered spend in micro-dollars, None when its counter is missing; raises LimitUnavailable
    when Redis is down (fail closed)."""
    try:
        value = redis.connection().get(_spend_key(tenant_id, period))
    except RedisError as exc:
        raise LimitUnavailable("the budget guard is unavailable") from exc
    return None if value is None else int(value)


def spend_seed(*, tenant_id: int, period: str, micro_dollars: int, overwrite: bool) -> int:
    """Set a period's counter from the authoritative total (only if still missing, unless `overwrite`); returns
    the counter's value afterwards. Raises LimitUnavailable when Redis is down."""
    key = _spend_key(tenant_id, period)
    try:
        pipe = redis.connection().pipeline()
        pipe.set(key, micro_dollars, ex=SPEND_TTL_SECONDS, nx=not overwrite)
        pipe.get(key)
        _, value = pipe.execute()
    except RedisError as exc:
        raise LimitUnavailable("the budget guard is unavailable") from exc
    return int(value or 0)
