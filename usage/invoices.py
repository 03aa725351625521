"""A tenant's invoice for one month, from usage_daily (the lines and totals) and usage_events (per user).

Dollars are summed unrounded and rounded once, half up to the cent, so the invoice's total is usage_daily's
total to the cent; each line shows its own rounded dollars and a fourth decimal for small lines.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tenants.models import Tenant
from usage import pricing, store, users

CENT = Decimal("0.01")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
KINDS = pricing.PRICED_KINDS
FORMATS = ("table", "csv", "json")


class InvoiceInvalid(Exception):
    """The month (or tenant) asked for does not make an invoice; the message says why in one line."""


@dataclass
class InvoiceLine:
    day: str
    channel: str
    model: str
    tokens: dict[str, int]
    responses: int
    dollars: Decimal


@dataclass
class UserSection:
    label: str  # the e-mail when the tenant keeps it, else the emailHash's first 12 characters; "Anonymous"
    email_hash: str | None
    sessions: int
    responses: int
    tokens: int
    dollars: Decimal


@dataclass
class Invoice:
    tenant_slug: str
    tenant_name: str
    month: str
    first_day: str
    last_day: str
    lines: list[InvoiceLine] = field(default_factory=list)
    users: list[UserSection] = field(default_factory=list)
    total_tokens: dict[str, int] = field(default_factory=dict)
    total_responses: int = 0
    total_dollars: Decimal = Decimal("0.00")

    @property
    def empty(self) -> bool:
        return not self.lines


def month_days(month: str) -> tuple[str, str]:
    """First and last day of a `YYYY-MM` month; InvoiceInvalid for anything else."""
    match = MONTH.match(month or "")
    if not match:
        raise InvoiceInvalid(f"The month must look like 2026-11 (YYYY-MM), got {month!r}.")
    year, number = int(match.group(1)), int(match.group(2))
    if year < 2000:
        raise InvoiceInvalid(f"There is no usage before 2000; got {month!r}.")
    last = calendar.monthrange(year, number)[1]
    return f"{month}-01", f"{month}-{last:02d}"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def invoice_build(*, tenant: Tenant, month: str) -> Invoice:
    first_day, last_day = month_days(month)
    invoice = Invoice(tenant.slug, tenant.name, month, first_day, last_day, total_tokens=dict.fromkeys(KINDS, 0))
    unrounded = Decimal(0)
    for row in store.usage_daily_between(tenant_id=tenant.pk, first_day=first_day, last_day=last_day):
        tokens = {kind: int((row.get("tokens") or {}).get(kind, 0)) for kind in KINDS}
        # repr of the stored float, not its binary expansion: what MongoDB holds, read as a decimal.
        dollars = Decimal(repr(float(row.get("dollars", 0.0))))
        invoice.lines.append(
            InvoiceLine(row["day"], row["channel"], row["model"], tokens, int(row.get("responses", 0)), dollars)
        )
        for kind in KINDS:
            invoice.total_tokens[kind] += tokens[kind]
        invoice.total_responses += int(row.get("responses", 0))
        unrounded += dollars
    invoice.lines.sort(key=lambda line: (line.day, line.channel, line.model))
    invoice.total_dollars = _cents(unrounded)
    invoice.users = _user_sections(tenant, first_day, last_day)
    return invoice


def _user_sections(tenant: Tenant, first_day: str, last_day: str) -> list[UserSection]:
    """One section per identified user, joined to `users` by emailHash here (the seed's rule), then anonymous."""
    rows = store.usage_by_user_between(tenant_id=tenant.pk, first_day=first_day, last_day=last_day)
    known = users.users_by_hash(tenant_id=tenant.pk, email_hashes=[r["emailHash"] for r in rows if r["emailHash"]])
    sections, anonymous = [], None
    for row in rows:
        section = UserSection(
            label="Anonymous",
            email_hash=row["emailHash"],
            sessions=row["sessions"],
            responses=row["responses"],
            tokens=row["tokens"],
            dollars=_cents(Decimal(repr(row["dollars"]))),
        )
        if row["emailHash"] is None:
            anonymous = section
            continue
        user = known.get(row["emailHash"]) or {}
        section.label = user.get("email") or f"user {row['emailHash'][:12]}"
        sections.append(section)
    sections.sort(key=lambda s: (-s.dollars, s.label))
    return sections + ([anonymous] if anonymous else [])


# ---- rendering ------------------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _line_money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}"


def invoice_json(invoice: Invoice) -> str:
    data = asdict(invoice)
    data["empty"] = invoice.empty
    for line in data["lines"]:
        line["dollars"] = _line_money(line["dollars"])
    for section in data["users"]:
        section["dollars"] = _money(section["dollars"])
    data["total_dollars"] = _money(invoice.total_dollars)
    return json.dumps(data, indent=2)


def invoice_csv(invoice: Invoice) -> str:
    """One table: `line` rows per day/channel/model, `user` rows per identified user (and anonymous), `total`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["section", "day", "channel", "model", "user", "sessions", "responses", *KINDS, "tokens", "dollars"]
    )
    for line in invoice.lines:
        total = sum(line.tokens.values())
        writer.writerow(
            ["line", line.day, line.channel, line.model, "", "", line.responses]
            + [line.tokens[k] for k in KINDS]
            + [total, _line_money(line.dollars)]
        )
    for section in invoice.users:
        writer.writerow(
            ["user", "", "", "", section.label, section.sessions, section.responses]
            + [""] * len(KINDS)
            + [section.tokens, _money(section.dollars)]
        )
    writer.writerow(
        ["total", invoice.first_day + ".." + invoice.last_day, "", "", "", "", invoice.total_responses]
        + [invoice.total_tokens[k] for k in KINDS]
        + [sum(invoice.total_tokens.values()), _money(invoice.total_dollars)]
    )
    return out.getvalue()


def invoice_table(invoice: Invoice) -> str:
    head = (
        f"Invoice {invoice.month} for {invoice.tenant_name} ({invoice.tenant_slug}), "
        f"{invoice.first_day} to {invoice.last_day}"
    )
    if invoice.empty:
        return f"{head}\nNo usage this month.\nTotal: $0.00\n"
    short = {kind: kind.replace("_", " ") for kind in KINDS}
    header = ["day", "channel", "model", *short.values(), "dollars"]
    rows = [
        [line.day, line.channel, line.model, *(str(line.tokens[k]) for k in KINDS), _line_money(line.dollars)]
        for line in invoice.lines
    ]
    rows.append(["total", "", "", *(str(invoice.total_tokens[k]) for k in KINDS), _money(invoice.total_dollars)])
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        )

    text = [head, "", fmt(header), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows[:-1])]
    text += [fmt(["-" * w for w in widths]), fmt(rows[-1]), "", "By visitor"]
    for section in invoice.users:
        text.append(
            f"  {section.label:<40} {section.sessions:>5} sessions {section.responses:>6} responses "
            f"{section.tokens:>10} tokens  ${_money(section.dollars):>10}"
        )
    text.append(f"\nTotal: ${_money(invoice.total_dollars)}")
    return "\n".join(text) + "\n"


def invoice_render(invoice: Invoice, fmt: str) -> str:
    if fmt == "json":
        return invoice_json(invoice)
    if fmt == "csv":
        return invoice_csv(invoice)
    return invoice_table(invoice)


def invoice_for(*, slug: str, month: str) -> Invoice:
    """The invoice of the tenant with this slug; InvoiceInvalid naming a bad slug or month."""
    month_days(month)
    tenant = Tenant.objects.filter(slug=slug).first() if isinstance(slug, str) else None
    if tenant is None:
        raise InvoiceInvalid(f"No tenant with slug {slug!r}.")
    return invoice_build(tenant=tenant, month=month)
