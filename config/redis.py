"""The one owner of Redis connections (django-redis's pool), and its error."""

from __future__ import annotations

from typing import Any, cast

from django_redis import get_redis_connection
from redis.exceptions import RedisError


class RedisUnavailable(Exception):
    """Redis did not answer."""


def connection() -> Any:
    """The raw redis-py client behind the default cache."""
    return get_redis_connection("default")


def ping() -> None:
    try:
        cast(Any, connection()).ping()
    except RedisError as exc:
        raise RedisUnavailable(type(exc).__name__) from exc
