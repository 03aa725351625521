"""`/metrics`: the platform's figures in Prometheus text format, open on loopback, else behind a bearer token."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from agents.recorder import recorder_stats
from config import metrics
from usage.metrics import RefusalsCollector, StoreCollector

# A reverse proxy on the same host makes every request look local; a forwarded request is never "loopback".
_FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


class RecorderCollector(Collector):
    """This process's record writers: what waits for MongoDB, and what was dropped or failed."""

    def collect(self) -> Iterator[Metric]:
        stats = recorder_stats()
        pending = GaugeMetricFamily(
            f"{metrics.NAMESPACE}_recorder_pending",
            "Records waiting to be written to MongoDB in this process (the backlog).",
        )
        pending.add_metric([], stats["pending"])
        yield pending
        for name, documentation in (
            ("written", "Records written to MongoDB by this process."),
            ("retried", "Record writes retried because MongoDB or Redis did not answer."),
            ("dropped", "Records dropped because the backlog was full."),
            ("failed", "Records discarded because their write raised an unexpected error."),
        ):
            family = CounterMetricFamily(f"{metrics.NAMESPACE}_recorder_{name}", documentation)
            family.add_metric([], stats[name])
            yield family


metrics.REGISTRY.register(RecorderCollector())
metrics.REGISTRY.register(StoreCollector())
metrics.REGISTRY.register(RefusalsCollector())


def _is_loopback(request: HttpRequest) -> bool:
    if any(request.META.get(header) for header in _FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _bearer_ok(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text: open on loopback, elsewhere only with `Authorization: Bearer $METRICS_TOKEN`."""
    if not (_is_loopback(request) or _bearer_ok(request)):
        if not settings.METRICS_TOKEN:
            message = "/metrics is open only on loopback; set METRICS_TOKEN to scrape it from elsewhere.\n"
            return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
        response = HttpResponse(
            "/metrics needs the header Authorization: Bearer <METRICS_TOKEN>.\n",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(metrics.REGISTRY), content_type=CONTENT_TYPE_LATEST)
