"""Liveness and readiness probes."""

from __future__ import annotations

from django.db import connection
from django.db.utils import Error as DatabaseError
from django.http import HttpRequest, JsonResponse

from agents.recorder import recorder_stats
from config import mongo, redis
from httptools.reachability import refusal_warnings


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 200 `{"status": "alive"}` whenever the process answers; it checks no dependency."""
    return JsonResponse({"status": "alive"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def readyz(request: HttpRequest) -> JsonResponse:
    """Each dependency's state; 503 naming whichever is down."""
    checks = {
        "database": (_check_database, DatabaseError),
        "redis": (redis.ping, redis.RedisUnavailable),
        "mongodb": (mongo.ping, mongo.MongoUnavailable),
    }
    states: dict[str, str] = {}
    for name, (check, error) in checks.items():
        try:
            check()
            states[name] = "up"
        except error:
            states[name] = "down"
    down = sorted(name for name, state in states.items() if state == "down")
    body: dict[str, object] = {
        "status": "ready" if not down else "unavailable",
        "checks": states,
        "records": recorder_stats(),
    }
    if down:
        body["down"] = down
    if "database" not in down:
        # Not a failed dependency, so still 200: tools saved under other settings that every call would refuse.
        warnings = refusal_warnings()
        if warnings:
            body["warnings"] = warnings
    return JsonResponse(body, status=503 if down else 200)
