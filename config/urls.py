from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config import health, monitoring
from config.api import api
from tenants import identity_admin
from usage import analytics_admin, invoice_admin

urlpatterns = [
    path(
        "admin/tenants/tenant/<int:tenant_id>/identity/",
        admin.site.admin_view(identity_admin.identity_view),
        name="tenant_identity",
    ),
    path("admin/invoices/", admin.site.admin_view(invoice_admin.invoice_view), name="usage_invoice"),
    path("admin/analytics/", admin.site.admin_view(analytics_admin.analytics_view), name="usage_analytics"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    path("metrics", monitoring.metrics_view),
    path("", include("widget.urls")),
]
if settings.DEMO_ENABLED:
    urlpatterns.insert(-1, path("demo/", include("demo.urls")))
