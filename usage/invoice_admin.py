"""Admin pages for the business side: a tenant's invoice for a month, on screen and as CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from tenants.admin_scoping import scope_for_user
from tenants.models import Tenant
from usage.invoices import KINDS, InvoiceInvalid, invoice_build, invoice_csv


def tenant_from_request(request: HttpRequest) -> tuple[Tenant | None, list[Tenant]]:
    """The tenant asked for (?tenant=<id>) among those the user may see, else the first; 404 for any other."""
    visible = list(scope_for_user(Tenant.objects.all(), request.user).order_by("name"))
    raw = request.GET.get("tenant", "")
    if not raw:
        return (visible[0] if visible else None), visible
    if not raw.isdigit():
        raise Http404("No such tenant.")
    chosen = next((tenant for tenant in visible if tenant.pk == int(raw)), None)
    if chosen is None:
        raise Http404("No such tenant.")  # another tenant's invoice: as if it did not exist
    return chosen, visible


def invoice_view(request: HttpRequest) -> HttpResponse:
    tenant, visible = tenant_from_request(request)
    month = request.GET.get("month") or datetime.now(UTC).strftime("%Y-%m")
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": "Invoices",
        "tenants": visible,
        "tenant": tenant,
        "month": month,
        "kinds": [kind.replace("_", " ") for kind in KINDS],
        "invoice": None,
        "error": "",
    }
    if tenant is not None:
        try:
            invoice = invoice_build(tenant=tenant, month=month)
        except InvoiceInvalid as exc:
            context["error"] = str(exc)
        else:
            if request.GET.get("download") == "csv":
                response = HttpResponse(invoice_csv(invoice), content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="invoice-{tenant.slug}-{month}.csv"'
                return response
            context["invoice"] = invoice
            context["rows"] = [(line, [line.tokens[kind] for kind in KINDS]) for line in invoice.lines]
            context["totals"] = [invoice.total_tokens[kind] for kind in KINDS]
    return TemplateResponse(request, "usage/admin/invoice.html", context)
