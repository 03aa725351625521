"""Admin analytics: one tenant's (or, for superusers, every tenant's) usage over a date range, charted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from tenants.admin_scoping import scope_for_user
from tenants.models import Tenant
from usage.analytics import RangeInvalid, analytics_build, date_range

ALL = "all"


def _scope(request: HttpRequest) -> tuple[str, list[int], list[Tenant]]:
    """(choice, tenant ids, tenants offered): `all` only for superusers; another tenant's id is a 404."""
    visible = list(scope_for_user(Tenant.objects.all(), request.user).order_by("name"))
    raw = request.GET.get("tenant", "")
    if request.user.is_superuser and raw in ("", ALL):
        return ALL, [tenant.pk for tenant in visible], visible
    if not raw:
        return (str(visible[0].pk), [visible[0].pk], visible) if visible else ("", [], visible)
    if not raw.isdigit() or int(raw) not in {tenant.pk for tenant in visible}:
        raise Http404("No such tenant.")
    return raw, [int(raw)], visible


def analytics_view(request: HttpRequest) -> HttpResponse:
    choice, tenant_ids, visible = _scope(request)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": "Analytics",
        "tenants": visible,
        "choice": choice,
        "offer_all": request.user.is_superuser,
        "scope_name": "All tenants" if choice == ALL else next((t.name for t in visible if str(t.pk) == choice), ""),
        "analytics": None,
        "error": "",
    }
    try:
        first_day, last_day = date_range(request.GET.get("from"), request.GET.get("to"))
    except RangeInvalid as exc:
        context["error"] = str(exc)
        first_day, last_day = date_range(None, None)
    context.update({"first_day": first_day.isoformat(), "last_day": last_day.isoformat()})
    if tenant_ids and not context["error"]:
        analytics = analytics_build(tenant_ids=tenant_ids, first_day=first_day, last_day=last_day)
        context["analytics"] = analytics
        context["chart_data"] = {
            "days": [row.day for row in analytics.days],
            "dollars": [row.dollars for row in analytics.days],
            "tokens": [row.tokens for row in analytics.days],
            "sessions": [row.sessions for row in analytics.days],
            "minutes": [row.minutes for row in analytics.days],
            "reasons": [[reason, count] for reason, count in analytics.end_reasons],
            "tools": [asdict(row) for row in analytics.tools],
        }
    return TemplateResponse(request, "usage/admin/analytics.html", context)
