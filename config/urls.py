from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config import health, monitoring
from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    path("metrics", monitoring.metrics_view),
    path("", include("widget.urls")),
]
if settings.DEMO_ENABLED:
    urlpatterns.insert(-1, path("demo/", include("demo.urls")))
