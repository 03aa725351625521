"""Day ranges over usage_daily include their last day on the janitor's compound index (the wire server drops
rows equal to a `$lte` bound when more key fields follow, so every range is half-open)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from usage import ledger, services, store


def test_a_months_dollars_include_its_31st_day(mongo: Any) -> None:
    services.indexes_ensure()
    for day in (1, 15, 31):
        ledger.usage_record(
            tenant_id=7,
            channel="widget",
            session_id=f"vs_{day}",
            model="gpt-realtime",
            response_id="r",
            counts={"total": 1},
            dollars=Decimal("1.25"),
            at=datetime(2026, 10, day, 12, tzinfo=UTC),
        )

    assert store.usage_dollars(tenant_id=7, period="2026-10") == pytest.approx(3.75)
    assert [
        row["day"][-2:] for row in store.usage_daily_between(tenant_id=7, first_day="2026-10-01", last_day="2026-10-31")
    ] == ["01", "15", "31"]
