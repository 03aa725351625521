"""Collectors that read the shared stores at scrape time, so any process's `/metrics` reports the platform.

Live sessions come from MongoDB (`realtime_sessions`), today's spend from the Redis budget counters, and the
shared counters (`config.metrics.shared_count`) from Redis. A store that does not answer is reported as
`voiceagents_metrics_source_up{source=...} 0` and its figures are left out; the scrape itself never fails.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from config import metrics
from tenants.models import Tenant
from usage import budgets, limits, refusals, store


class StoreCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        tenant_labels = settings.METRICS_TENANT_LABELS
        up = GaugeMetricFamily(
            f"{metrics.NAMESPACE}_metrics_source_up",
            "Whether a shared store answered this scrape (1) or its figures are missing (0).",
            labels=["source"],
        )
        slugs = dict(Tenant.objects.values_list("pk", "slug"))
        try:
            live = store.sessions_live_by_tenant()
            up.add_metric(["mongodb"], 1)
        except PyMongoError:
            up.add_metric(["mongodb"], 0)
        else:
            yield _sessions_active(live, slugs, tenant_labels)
        try:
            shared = list(metrics.shared_families(tenant_labels=tenant_labels))
            ratios = _budget_ratios(tenant_labels)
            up.add_metric(["redis"], 1)
        except (RedisError, limits.LimitUnavailable):
            up.add_metric(["redis"], 0)
        else:
            yield from shared
            yield ratios
        yield up


def _sessions_active(live: dict[int, int], slugs: dict[int, str], limit: int) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        f"{metrics.NAMESPACE}_sessions_active",
        "Voice sessions live now (across processes), by tenant; the smallest tenants are summed as 'other'.",
        labels=["tenant"],
    )
    by_slug = {slugs.get(tenant_id, str(tenant_id)): float(count) for tenant_id, count in live.items()}
    for slug, count in sorted(metrics.top_n_with_other(by_slug, limit=limit).items()):
        family.add_metric([slug], count)
    return family


def _budget_ratios(limit: int) -> GaugeMetricFamily:
    """Each active tenant's used share of its daily and monthly budget (limits' `budget_use`); per period, the
    top tenants are named and 'other' is the highest of the rest. Raises limits.LimitUnavailable."""
    family = GaugeMetricFamily(
        f"{metrics.NAMESPACE}_budget_use_ratio",
        "Spend over budget for the current UTC day or month (1 = budget used up), by tenant and period.",
        labels=["tenant", "period"],
    )
    tenants = list(Tenant.objects.filter(active=True))
    use = budgets.budget_use(tenants=tenants)
    slugs = {tenant.pk: tenant.slug for tenant in tenants}
    for period in ("day", "month"):
        ratios = {slugs[pk]: ratio for pk, periods in use.items() if (ratio := periods[period]) is not None}
        for slug, ratio in sorted(metrics.top_n_with_other(ratios, limit=limit, combine="max").items()):
            family.add_metric([slug, period], ratio)
    return family


class RefusalsCollector(Collector):
    """Limit refusals counted in this process (usage/refusals.py), by reason and bounded tenant."""

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            f"{metrics.NAMESPACE}_limit_refusals",
            "Bootstraps and conversation opens this process refused because of a limit, by tenant and reason.",
            labels=["tenant", "reason"],
        )
        counts = refusals.refusal_counts()
        slugs = dict(Tenant.objects.filter(pk__in={tenant_id for tenant_id, _ in counts}).values_list("pk", "slug"))
        by_tenant: dict[str, float] = {}
        for (tenant_id, _reason), count in counts.items():
            slug = slugs.get(tenant_id, str(tenant_id))
            by_tenant[slug] = by_tenant.get(slug, 0) + count
        kept = set(metrics.top_n_with_other(by_tenant, limit=settings.METRICS_TENANT_LABELS)) - {metrics.OTHER}
        bounded: dict[tuple[str, str], float] = {}
        for (tenant_id, reason), count in counts.items():
            slug = slugs.get(tenant_id, str(tenant_id))
            label = (slug if slug in kept else metrics.OTHER, reason)
            bounded[label] = bounded.get(label, 0) + count
        for labels, total in sorted(bounded.items()):
            family.add_metric(list(labels), total)
        yield family
