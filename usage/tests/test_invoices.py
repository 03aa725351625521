"""Invoices: a month of generated usage, a session across midnight, users joined by emailHash; the command."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.support.factories import make_tenant
from usage import ledger, pricing, services, users
from usage.invoices import invoice_build, invoice_for
from usage.services import price_for

pytestmark = pytest.mark.django_db

ADA = "a" * 64
BOB = "b" * 64


def respond(tenant_id: int, session_id: str, at: datetime, rng: random.Random, email_hash: str | None) -> Decimal:
    """One priced response recorded as a live session records it; returns its dollars."""
    counts = {
        "text_input": rng.randint(50, 3000),
        "text_cached": rng.randint(0, 500),
        "text_output": rng.randint(10, 400),
        "audio_input": rng.randint(0, 2500),
        "audio_cached": rng.randint(0, 300),
        "audio_output": rng.randint(0, 4000),
        "image_input": 0,
        "image_cached": 0,
    }
    counts["total"] = sum(counts.values())
    model = rng.choice(["gpt-realtime", "gpt-realtime-mini"])
    dollars = pricing.cost_usd(counts, price_for(model))
    ledger.usage_record(
        tenant_id=tenant_id,
        channel=rng.choice(["widget", "widget", "console"]),
        session_id=session_id,
        model=model,
        response_id=f"resp_{at.timestamp()}_{rng.random()}",
        counts=counts,
        dollars=dollars,
        at=at,
        email_hash=email_hash,
    )
    return dollars


# Fixed keys, so the month recorded once (by the ledger, as live sessions record it) can be stored again as it
# was for each test: recording it takes thousands of MongoDB writes, seconds a test.
SHOP_PK, OTHER_PK = 900_001, 900_002


def record_month(tenant_id: int, other_id: int) -> dict[str, Any]:
    rng = random.Random(11)
    users.user_upsert(tenant_id=tenant_id, email_hash=ADA, email="ada@example.com", channel="widget")
    users.user_upsert(tenant_id=tenant_id, email_hash=BOB, email=None, channel="widget")
    expected = Decimal(0)
    per_user: dict[str | None, Decimal] = {}
    start = datetime(2026, 11, 1, 8, tzinfo=UTC)
    for day in range(30):
        for number in range(rng.randint(1, 4)):
            who = rng.choice([ADA, BOB, None, None])
            at = start + timedelta(days=day, hours=number * 3, minutes=rng.randint(0, 59))
            for turn in range(rng.randint(1, 5)):
                dollars = respond(tenant_id, f"vs_{day}_{number}", at + timedelta(seconds=20 * turn), rng, who)
                expected += dollars
                per_user[who] = per_user.get(who, Decimal(0)) + dollars
    # A session across midnight: its responses land on the 14th and the 15th.
    for seconds in (-45, -10, 15, 40):
        at = datetime(2026, 11, 15, tzinfo=UTC) + timedelta(seconds=seconds)
        dollars = respond(tenant_id, "vs_midnight", at, rng, ADA)
        expected += dollars
        per_user[ADA] += dollars
    # Not this month, or not this tenant: never on the invoice.
    respond(tenant_id, "vs_october", datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC), rng, ADA)
    respond(tenant_id, "vs_december", datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC), rng, None)
    respond(other_id, "vs_other", datetime(2026, 11, 3, 12, tzinfo=UTC), rng, ADA)
    return {"expected": expected, "per_user": per_user}


@pytest.fixture(scope="module")
def recorded_month() -> dict[str, Any]:
    """The month's totals and every MongoDB document its recording left, filled by the first test that needs it."""
    return {}


@pytest.fixture
def month_of_usage(mongo: Any, recorded_month: dict[str, Any]) -> dict[str, Any]:
    services.indexes_ensure()  # as in production: the queries run on the janitor's indexes
    tenant = make_tenant(pk=SHOP_PK, slug="shop", store_visitor_email=True)
    make_tenant(pk=OTHER_PK, slug="other")
    if not recorded_month:
        recorded_month.update(record_month(tenant.pk, OTHER_PK))
        recorded_month["documents"] = {name: list(mongo[name].find({})) for name in mongo.list_collection_names()}
    else:
        for name, documents in recorded_month["documents"].items():
            if documents:
                mongo[name].insert_many([dict(document) for document in documents])
    return {"tenant": tenant, "expected": recorded_month["expected"], "per_user": dict(recorded_month["per_user"])}


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_the_total_matches_usage_daily_and_the_metered_responses_to_the_cent(month_of_usage: Any, mongo: Any) -> None:
    tenant = month_of_usage["tenant"]

    invoice = invoice_build(tenant=tenant, month="2026-11")

    daily = list(mongo.usage_daily.find({"tenantId": tenant.pk, "day": {"$regex": "^2026-11-"}}))
    assert invoice.total_dollars == cents(sum((Decimal(repr(row["dollars"])) for row in daily), Decimal(0)))
    assert invoice.total_dollars == cents(month_of_usage["expected"])
    assert len(invoice.lines) == len(daily)
    assert invoice.total_responses == sum(row["responses"] for row in daily)
    for kind in pricing.PRICED_KINDS:
        assert invoice.total_tokens[kind] == sum(row["tokens"][kind] for row in daily)


def test_a_session_across_midnight_is_billed_on_both_days(month_of_usage: Any, mongo: Any) -> None:
    invoice = invoice_build(tenant=month_of_usage["tenant"], month="2026-11")

    events = {e["day"] for e in mongo.usage_events.find({"sessionId": "vs_midnight"})}
    assert events == {"2026-11-14", "2026-11-15"}
    assert {line.day for line in invoice.lines} >= events
    assert invoice.first_day == "2026-11-01" and invoice.last_day == "2026-11-30"
    assert all("2026-11-01" <= line.day <= "2026-11-30" for line in invoice.lines)


def test_each_identified_user_has_a_section_joined_by_email_hash_and_anonymous_comes_last(month_of_usage: Any) -> None:
    per_user = month_of_usage["per_user"]

    invoice = invoice_build(tenant=month_of_usage["tenant"], month="2026-11")

    sections = {section.email_hash: section for section in invoice.users}
    assert set(sections) == {ADA, BOB, None}
    assert sections[ADA].label == "ada@example.com"  # the tenant keeps addresses
    assert sections[BOB].label == f"user {BOB[:12]}"  # hash only for this one
    assert invoice.users[-1].label == "Anonymous"
    for email_hash, dollars in per_user.items():
        assert sections[email_hash].dollars == cents(dollars)
    assert abs(sum(s.dollars for s in invoice.users) - invoice.total_dollars) <= Decimal("0.02")


def test_an_empty_month_is_an_empty_invoice(month_of_usage: Any) -> None:
    out = io.StringIO()
    call_command("invoice", tenant="shop", month="2025-02", stdout=out)

    assert "No usage this month." in out.getvalue() and "Total: $0.00" in out.getvalue()
    empty = json.loads(_command("2025-02", "json"))
    assert empty["empty"] is True and empty["lines"] == [] and empty["total_dollars"] == "0.00"


def _command(month: str, fmt: str) -> str:
    out = io.StringIO()
    call_command("invoice", tenant="shop", month=month, format=fmt, stdout=out)
    return out.getvalue()


def test_the_command_prints_table_csv_and_json_with_the_same_total(month_of_usage: Any) -> None:
    total = f"{cents(month_of_usage['expected']):.2f}"

    table = _command("2026-11", "table")
    rows = list(csv.DictReader(io.StringIO(_command("2026-11", "csv"))))
    data = json.loads(_command("2026-11", "json"))

    assert table.startswith("Invoice 2026-11 for") and f"Total: ${total}" in table and "ada@example.com" in table
    assert rows[-1]["section"] == "total" and rows[-1]["dollars"] == total
    assert {row["section"] for row in rows} == {"line", "user", "total"}
    assert data["total_dollars"] == total and len(data["users"]) == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tenant": "nope", "month": "2026-11"}, "No tenant with slug 'nope'."),
        ({"tenant": "shop", "month": "2026-13"}, "The month must look like 2026-11 (YYYY-MM), got '2026-13'."),
        ({"tenant": "shop", "month": "November"}, "The month must look like 2026-11 (YYYY-MM), got 'November'."),
    ],
)
def test_a_bad_slug_or_month_is_one_clear_line(mongo: Any, options: dict[str, str], message: str) -> None:
    make_tenant(slug="shop")

    with pytest.raises(CommandError) as refused:
        call_command("invoice", **options)

    assert str(refused.value) == message


def test_an_invoice_is_for_one_tenant_only(month_of_usage: Any) -> None:
    invoice = invoice_for(slug="other", month="2026-11")

    assert len(invoice.lines) == 1 and [s.email_hash for s in invoice.users] == [ADA]
    assert invoice.users[0].label == f"user {ADA[:12]}"  # another tenant's users are never joined


# ---- the admin page ----------------------------------------------------------------------------------------


def test_staff_see_the_invoice_in_admin_and_download_it_as_csv(client: Any, month_of_usage: Any, personas: Any) -> None:
    tenant = month_of_usage["tenant"]
    tenant.operators.add(personas.staff_a)
    client.force_login(personas.staff_a)
    total = f"{cents(month_of_usage['expected']):.2f}"

    page = client.get("/admin/invoices/", {"tenant": tenant.pk, "month": "2026-11"})
    download = client.get("/admin/invoices/", {"tenant": tenant.pk, "month": "2026-11", "download": "csv"})

    assert page.status_code == 200
    assert f"Total: ${total}".encode() in page.content and b"ada@example.com" in page.content
    assert download["Content-Type"].startswith("text/csv")
    assert 'filename="invoice-shop-2026-11.csv"' in download["Content-Disposition"]
    assert list(csv.DictReader(io.StringIO(download.content.decode())))[-1]["dollars"] == total


def test_an_operator_of_another_tenant_gets_404_for_its_invoice(
    client: Any, month_of_usage: Any, personas: Any
) -> None:
    client.force_login(personas.staff_b)

    response = client.get("/admin/invoices/", {"tenant": month_of_usage["tenant"].pk, "month": "2026-11"})
    csv_response = client.get("/admin/invoices/", {"tenant": month_of_usage["tenant"].pk, "download": "csv"})

    assert response.status_code == 404 and csv_response.status_code == 404
    own = client.get("/admin/invoices/")
    assert own.status_code == 200 and b"Beta Events" in own.content
    assert month_of_usage["tenant"].name.encode() not in own.content


def test_a_bad_month_in_admin_is_one_clear_message(client: Any, personas: Any) -> None:
    client.force_login(personas.superuser)

    response = client.get("/admin/invoices/", {"tenant": personas.tenant_a.pk, "month": "2026-1"})

    assert response.status_code == 200 and b"The month must look like 2026-11" in response.content


def test_the_tenant_page_and_the_admin_index_link_to_invoices(client: Any, personas: Any) -> None:
    client.force_login(personas.superuser)

    assert b"/admin/invoices/?tenant=" in client.get(f"/admin/tenants/tenant/{personas.tenant_a.pk}/change/").content
    assert b'href="/admin/invoices/"' in client.get("/admin/").content
