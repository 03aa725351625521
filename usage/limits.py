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

_LEASE_RENEW_LUA = """
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return 1
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
    try:
        now_ms = int(time.time() * 1000)
        return bool(_script(_LEASE_RENEW_LUA)(keys=[_lease_key(tenant_id)], args=[now_ms, session_id, _lease_ttl_ms()]))
    except RedisError:
        logger.warning("lease renewal failed: redis unavailable")
        return False


def lease_release(*, tenant_id: int, session_id: str) -> None:
    try:
        redis.connection().zrem(_lease_key(tenant_id), session_id)
    except RedisError:
        # The lease expires by itself after its TTL.
        logger.warning("lease release failed: redis unavailable")


def leases_active(*, tenant_id: int) -> int:
    now_ms = int(time.time() * 1000)
    return int(redis.connection().zcount(_lease_key(tenant_id), now_ms, "+inf"))


def _spend_key(tenant_id: int, day: str) -> str:
    return f"spend:{tenant_id}:{day}"


def spend_add(*, tenant_id: int, day: str, micro_dollars: int) -> int:
    """Add metered spend (in millionths of a dollar) to today's counter; returns the new total."""
    try:
        pipe = redis.connection().pipeline()
        pipe.incrby(_spend_key(tenant_id, day), micro_dollars)
        pipe.expire(_spend_key(tenant_id, day), 3 * 86400)
        total, _ = pipe.execute()
        return int(total)
    except RedisError:
        logger.warning("spend counter not updated: redis unavailable (usage_daily stays authoritative)")
        return 0


def spend_today(*, tenant_id: int, day: str) -> int:
    """Today's metered spend in micro-dollars; raises LimitUnavailable when Redis is down (fail closed)."""
    try:
        value = redis.connection().get(_spend_key(tenant_id, day))
    except RedisError as exc:
        raise LimitUnavailable("the budget guard is unavailable") from exc
    return int(value or 0)


def spend_today_many(*, tenant_ids: list[int], day: str) -> dict[int, int]:
    """Today's metered spend of several tenants in one round trip (micro-dollars); raises RedisError."""
    if not tenant_ids:
        return {}
    values = redis.connection().mget([_spend_key(tenant_id, day) for tenant_id in tenant_ids])
    return {tenant_id: int(value or 0) for tenant_id, value in zip(tenant_ids, values, strict=True)}
