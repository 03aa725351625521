from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from usage.invoices import FORMATS, InvoiceInvalid, invoice_for, invoice_render


class Command(BaseCommand):
    help = "Print a tenant's invoice for one month: lines per day, channel and model, totals, and usage per visitor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="the tenant's slug")
        parser.add_argument("--month", required=True, help="YYYY-MM (UTC)")
        parser.add_argument("--format", choices=FORMATS, default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            invoice = invoice_for(slug=options["tenant"], month=options["month"])
        except InvoiceInvalid as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(invoice_render(invoice, options["format"]), ending="")
