from django.contrib import admin
from django.urls import include, path

from config import health
from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    path("demo/", include("widget.demo.urls")),
    path("", include("widget.urls")),
]
