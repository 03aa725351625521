"""Refusals counted per tenant and reason, in this process: what `/metrics` exposes as a counter.

Counters of one process, as Prometheus counters are: the scraper sums processes. Reasons are a short fixed
vocabulary (`bootstrap_ip`, `bootstrap_key`, `bootstrap_tenant`, `open_ip`, `open_key`, `open_tenant`,
`busy`, `budget_exhausted`, `redis_unavailable`), so the label set stays bounded.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_counts: Counter[tuple[int, str]] = Counter()


def refusal_count(*, tenant_id: int, reason: str) -> None:
    """Count one refusal of a tenant's visitor."""
    with _lock:
        _counts[(tenant_id, reason)] += 1
    logger.info("refused tenant=%s reason=%s", tenant_id, reason)


def refusal_counts() -> dict[tuple[int, str], int]:
    """Every refusal so far in this process, by (tenant id, reason)."""
    with _lock:
        return dict(_counts)
