"""Analytics of one tenant, or several, over a range of UTC days, from MongoDB aggregations over indexed fields.

Every aggregation is run per tenant, led by an equality on tenantId (see the `*_pipeline` functions in
usage/store.py and transcripts/store.py and the indexes they name), and the tenants' results are added here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from transcripts import store as transcripts_store
from usage import store, users

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_USERS = 10


class RangeInvalid(Exception):
    """The date range cannot be shown; the message says why."""


@dataclass
class DayRow:
    day: str
    dollars: float = 0.0
    tokens: int = 0
    sessions: int = 0
    minutes: float = 0.0


@dataclass
class ToolRow:
    tool: str
    calls: int
    errors: int
    error_rate: float  # 0..1
    p95_ms: float | None


@dataclass
class UserRow:
    label: str
    sessions: int
    tokens: int
    dollars: float


@dataclass
class Analytics:
    first_day: str
    last_day: str
    days: list[DayRow] = field(default_factory=list)
    end_reasons: list[tuple[str, int]] = field(default_factory=list)
    tools: list[ToolRow] = field(default_factory=list)
    top_users: list[UserRow] = field(default_factory=list)

    @property
    def totals(self) -> DayRow:
        return DayRow(
            day="total",
            dollars=round(sum(d.dollars for d in self.days), 2),
            tokens=sum(d.tokens for d in self.days),
            sessions=sum(d.sessions for d in self.days),
            minutes=round(sum(d.minutes for d in self.days), 1),
        )


def date_range(first: str | None, last: str | None, *, today: date | None = None) -> tuple[date, date]:
    """The range asked for (ISO dates), defaulting to the last 30 days ending today; RangeInvalid otherwise."""
    end_default = today or datetime.now(UTC).date()
    try:
        last_day = date.fromisoformat(last) if last else end_default
        first_day = date.fromisoformat(first) if first else last_day - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise RangeInvalid("Dates must look like 2026-11-30.") from None
    if first_day > last_day:
        raise RangeInvalid("The first day must not be after the last day.")
    if (last_day - first_day).days >= MAX_DAYS:
        raise RangeInvalid(f"Choose at most {MAX_DAYS} days.")
    return first_day, last_day


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: the value at or below which `fraction` of the values lie."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def analytics_build(*, tenant_ids: list[int], first_day: date, last_day: date) -> Analytics:
    first, last = first_day.isoformat(), last_day.isoformat()
    since = datetime.combine(first_day, time.min, tzinfo=UTC)
    until = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC)
    days = {
        (first_day + timedelta(days=offset)).isoformat(): DayRow((first_day + timedelta(days=offset)).isoformat())
        for offset in range((last_day - first_day).days + 1)
    }
    reasons: dict[str, int] = {}
    tools: dict[str, tuple[int, int, list[float]]] = {}
    people: list[UserRow] = []
    for tenant_id in tenant_ids:
        for row in store.daily_totals(tenant_id=tenant_id, first_day=first, last_day=last):
            days[row["_id"]].dollars += float(row["dollars"])
            days[row["_id"]].tokens += int(row["tokens"])
        for row in store.sessions_daily(tenant_id=tenant_id, since=since, until=until):
            if row["_id"] in days:
                days[row["_id"]].sessions += int(row["sessions"])
                days[row["_id"]].minutes += max(0.0, float(row["minutes"] or 0))
        for row in store.sessions_by_reason(tenant_id=tenant_id, since=since, until=until):
            reason = row["_id"] or "still live"
            reasons[reason] = reasons.get(reason, 0) + int(row["sessions"])
        for row in transcripts_store.tool_stats(tenant_id=tenant_id, since=since, until=until):
            calls, errors, latencies = tools.get(row["tool"], (0, 0, []))
            tools[row["tool"]] = (calls + row["calls"], errors + row["errors"], latencies + row["latencies"])
        people += _users_of(tenant_id, first, last)
    for day_row in days.values():
        day_row.dollars = float(Decimal(repr(day_row.dollars)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        day_row.minutes = round(day_row.minutes, 1)
    return Analytics(
        first_day=first,
        last_day=last,
        days=list(days.values()),
        end_reasons=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
        tools=sorted(
            (
                ToolRow(name, calls, errors, errors / calls if calls else 0.0, percentile(latencies, 0.95))
                for name, (calls, errors, latencies) in tools.items()
            ),
            key=lambda row: (-row.calls, row.tool),
        ),
        top_users=sorted(people, key=lambda row: (-row.dollars, row.label))[:TOP_USERS],
    )


def _users_of(tenant_id: int, first: str, last: str) -> list[UserRow]:
    """The tenant's identified visitors by spend, joined to `users` by emailHash here (the seed's rule)."""
    rows = [
        r for r in store.usage_by_user_between(tenant_id=tenant_id, first_day=first, last_day=last) if r["emailHash"]
    ]
    known = users.users_by_hash(tenant_id=tenant_id, email_hashes=[r["emailHash"] for r in rows])
    return [
        UserRow(
            label=(known.get(row["emailHash"]) or {}).get("email") or f"user {row['emailHash'][:12]}",
            sessions=row["sessions"],
            tokens=row["tokens"],
            dollars=round(row["dollars"], 2),
        )
        for row in rows
    ]
