"""The platform's metrics, in one registry: import a metric from here and count it where it happens.

Two kinds, chosen by who produces the figure:

- **Per process** (`RELAYED_FRAMES`, `TOOL_CALL_SECONDS`, `UPSTREAM_CONNECT_FAILURES`): prometheus_client
  objects in this process's memory. Each Daphne process is its own scrape target.
- **Shared** (`shared_count`): counters several processes (web, workers, the janitor) add to, kept in one
  Redis hash per metric so any process's `/metrics` reports the platform's total. The collectors in
  `usage/metrics.py` read them, and the live figures in MongoDB and Redis, at scrape time.

This module is part of config's foundation: it imports no app, so every app may import it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily
from redis.exceptions import RedisError

from config import redis

logger = logging.getLogger(__name__)

NAMESPACE = "voiceagents"
OTHER = "other"

REGISTRY = CollectorRegistry()

RELAYED_FRAMES = Counter(
    "relayed_frames",
    "WebSocket frames the relay of live sessions in this process sent upstream or read from it.",
    ["direction"],  # to_upstream | from_upstream
    namespace=NAMESPACE,
    registry=REGISTRY,
)
TOOL_CALL_SECONDS = Histogram(
    "tool_call_seconds",
    "Duration of HTTP tool calls run by live sessions in this process, by outcome.",
    ["status"],  # the executor's status: ok, invalid_arguments, timeout, refused, http_error, ...
    namespace=NAMESPACE,
    registry=REGISTRY,
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0),
)
UPSTREAM_CONNECT_FAILURES = Counter(
    "upstream_connect_failures",
    "Live sessions in this process that could not connect to the realtime upstream, by error.",
    ["error"],
    namespace=NAMESPACE,
    registry=REGISTRY,
)


@dataclass(frozen=True)
class SharedCounter:
    name: str  # the metric name without namespace and `_total`
    documentation: str
    labels: tuple[str, ...]


# Every counter kept in Redis. A label named `tenant` is bounded at scrape time (top N plus "other").
SHARED_COUNTERS: dict[str, SharedCounter] = {
    counter.name: counter
    for counter in (
        SharedCounter("sessions_ended", "Voice sessions ended, by reason.", ("reason",)),
        SharedCounter(
            "identity_refusals", "Bootstraps refused because the visitor's identity hash was wrong.", ("tenant",)
        ),
    )
}
_SEPARATOR = "\x1f"  # between label values in a hash field; never part of a reason or slug


def _shared_key(name: str) -> str:
    return f"metrics:{name}"


def shared_count(name: str, amount: int = 1, **labels: str) -> None:
    """Add to a shared counter in Redis. Never raises: a monitor's figure must not fail a visitor's request."""
    counter = SHARED_COUNTERS[name]
    if set(labels) != set(counter.labels):
        raise ValueError(f"{name} takes labels {counter.labels}, got {tuple(labels)}")
    field = _SEPARATOR.join(str(labels[label])[:80] for label in counter.labels)
    try:
        redis.connection().hincrby(_shared_key(name), field, amount)
    except RedisError:
        logger.warning("metric %s not counted: redis unavailable", name)


def shared_values(name: str) -> dict[tuple[str, ...], int]:
    """A shared counter's values by label values; raises RedisError when Redis is down."""
    raw = redis.connection().hgetall(_shared_key(name))
    values: dict[tuple[str, ...], int] = {}
    for field, value in raw.items():
        text = field.decode() if isinstance(field, bytes) else str(field)
        values[tuple(text.split(_SEPARATOR))] = int(value)
    return values


def shared_reset() -> None:
    """Forget every shared counter (tests; an operator starting the figures afresh)."""
    redis.connection().delete(*(_shared_key(name) for name in SHARED_COUNTERS))


def top_n_with_other(values: Mapping[str, float], *, limit: int, combine: str = "sum") -> dict[str, float]:
    """At most `limit` tenant labels: the largest values by name, the rest folded into "other".

    `combine` says how the rest fold: "sum" for counts, "max" for ratios (the worst of the rest)."""
    ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    kept = dict(ranked[:limit])
    rest = [value for _name, value in ranked[limit:]]
    if rest:
        kept[OTHER] = sum(rest) if combine == "sum" else max(rest)
    return kept


def shared_families(*, tenant_labels: int) -> Iterable[CounterMetricFamily]:
    """The shared counters as metric families, tenant labels bounded."""
    for counter in SHARED_COUNTERS.values():
        family = CounterMetricFamily(f"{NAMESPACE}_{counter.name}", counter.documentation, labels=list(counter.labels))
        values = shared_values(counter.name)
        if "tenant" in counter.labels:
            values = _bounded_by_tenant(values, counter.labels.index("tenant"), tenant_labels)
        for label_values, value in sorted(values.items()):
            family.add_metric(list(label_values), value)
        yield family


def _bounded_by_tenant(values: dict[tuple[str, ...], int], position: int, limit: int) -> dict[tuple[str, ...], int]:
    by_tenant: dict[str, float] = {}
    for label_values, value in values.items():
        by_tenant[label_values[position]] = by_tenant.get(label_values[position], 0) + value
    kept = set(top_n_with_other(by_tenant, limit=limit)) - {OTHER}
    bounded: dict[tuple[str, ...], int] = {}
    for label_values, value in values.items():
        tenant = label_values[position] if label_values[position] in kept else OTHER
        key = (*label_values[:position], tenant, *label_values[position + 1 :])
        bounded[key] = bounded.get(key, 0) + value
    return bounded
