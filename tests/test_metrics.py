"""/metrics: Prometheus text for monitors, open on loopback, else behind METRICS_TOKEN; tenants bounded."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from config import metrics
from config.embedded import EmbeddedRedis
from tests.support.factories import make_live_session, make_tenant
from tests.support.servers import free_port
from usage import limits, refusals, services
from usage.services import _today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_stores(mongo: Any, redis_conn: Any) -> Iterator[None]:
    yield


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition by (name, sorted labels); parsing fails on anything but valid text."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _scrape(client: Any, **headers: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return _samples(response.content.decode())


def test_loopback_scrapes_without_a_token(client: Any) -> None:
    samples = _scrape(client)

    assert samples[("voiceagents_metrics_source_up", (("source", "mongodb"),))] == 1
    assert samples[("voiceagents_metrics_source_up", (("source", "redis"),))] == 1


def test_a_remote_scraper_is_refused_when_no_token_is_configured(client: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 403
    assert b"set METRICS_TOKEN" in response.content


def test_a_remote_scraper_needs_the_right_bearer_token(client: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = "scrape-me-please-0123456789"

    missing = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    right = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-me-please-0123456789")

    assert missing.status_code == 401 and wrong.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert b"voiceagents_" not in wrong.content
    assert right.status_code == 200 and b"voiceagents_sessions_active" in right.content


def test_a_request_forwarded_by_a_local_proxy_is_not_loopback(client: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert response.status_code == 403


def test_it_reports_live_sessions_ended_reasons_and_budget_use_across_processes(client: Any) -> None:
    shop = make_tenant(slug="shop", daily_budget_usd=Decimal("4.00"), monthly_budget_usd=Decimal("40.00"))
    make_tenant(slug="quiet")  # no monthly cap: no month ratio
    for number in range(3):
        make_live_session(tenant_id=shop.pk, session_id=f"vs_live{number}")
    services.session_finish(session_id="vs_live2", reason="idle_timeout")
    services.session_finish(session_id="vs_live2", reason="idle_timeout")  # ended once, counted once
    limits.spend_seed(tenant_id=shop.pk, period=_today(), micro_dollars=1_000_000, overwrite=True)
    limits.spend_seed(tenant_id=shop.pk, period=_today()[:7], micro_dollars=10_000_000, overwrite=True)

    samples = _scrape(client)

    assert samples[("voiceagents_sessions_active", (("tenant", "shop"),))] == 2
    assert ("voiceagents_sessions_active", (("tenant", "quiet"),)) not in samples
    assert samples[("voiceagents_sessions_ended_total", (("reason", "idle_timeout"),))] == 1
    assert samples[("voiceagents_budget_use_ratio", (("period", "day"), ("tenant", "shop")))] == 0.25
    assert samples[("voiceagents_budget_use_ratio", (("period", "day"), ("tenant", "quiet")))] == 0
    assert samples[("voiceagents_budget_use_ratio", (("period", "month"), ("tenant", "shop")))] == 0.25
    assert ("voiceagents_budget_use_ratio", (("period", "month"), ("tenant", "quiet"))) not in samples


def test_tenant_labels_are_bounded_to_the_top_n_plus_other(client: Any, settings: Any) -> None:
    settings.METRICS_TENANT_LABELS = 2
    for slug, live in (("big", 4), ("mid", 3), ("small", 2), ("tiny", 1)):
        tenant = make_tenant(slug=slug)
        for number in range(live):
            make_live_session(tenant_id=tenant.pk, session_id=f"vs_{slug}{number}")

    samples = _scrape(client)

    active = {labels[0][1]: value for (name, labels), value in samples.items() if name == "voiceagents_sessions_active"}
    assert active == {"big": 4, "mid": 3, "other": 3}
    ratios = [labels for (name, labels), _ in samples.items() if name == "voiceagents_budget_use_ratio"]
    assert len(ratios) == 3


def test_per_process_figures_count_tool_calls_frames_and_upstream_failures(client: Any) -> None:
    before = _scrape(client)
    metrics.TOOL_CALL_SECONDS.labels("timeout").observe(3.0)
    metrics.RELAYED_FRAMES.labels("to_upstream").inc(5)
    metrics.UPSTREAM_CONNECT_FAILURES.labels("TimeoutError").inc()

    after = _scrape(client)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before.get(key, 0)

    assert grew("voiceagents_tool_call_seconds_count", status="timeout") == 1
    assert grew("voiceagents_tool_call_seconds_bucket", status="timeout", le="4.0") == 1
    assert grew("voiceagents_tool_call_seconds_bucket", status="timeout", le="2.0") == 0
    assert grew("voiceagents_relayed_frames_total", direction="to_upstream") == 5
    assert grew("voiceagents_upstream_connect_failures_total", error="TimeoutError") == 1
    assert ("voiceagents_recorder_pending", ()) in after
    assert ("voiceagents_recorder_dropped_total", ()) in after


def test_a_stopped_redis_leaves_its_figures_out_but_the_scrape_answers(
    client: Any, settings: Any, tmp_path: Path
) -> None:
    server = EmbeddedRedis(data_dir=tmp_path / "redis", port=free_port())
    server.start()
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": server.url}}
    tenant = make_tenant(slug="shop")
    make_live_session(tenant_id=tenant.pk, session_id="vs_one")
    server.stop()

    samples = _scrape(client)

    assert samples[("voiceagents_metrics_source_up", (("source", "redis"),))] == 0
    assert samples[("voiceagents_sessions_active", (("tenant", "shop"),))] == 1
    assert not [name for name, _ in samples if name == "voiceagents_budget_use_ratio"]


def test_limit_refusals_are_exposed_by_tenant_and_reason(client: Any) -> None:
    tenant = make_tenant(slug="refused")
    before = _scrape(client)
    refusals.refusal_count(tenant_id=tenant.pk, reason="bootstrap_ip")
    refusals.refusal_count(tenant_id=tenant.pk, reason="bootstrap_ip")

    after = _scrape(client)

    key = ("voiceagents_limit_refusals_total", (("reason", "bootstrap_ip"), ("tenant", "refused")))
    assert after[key] - before.get(key, 0) == 2
