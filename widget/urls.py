"""Widget pages: /widget.js (the loader), /widget/ (the iframe) and /console/ (staff)."""

from __future__ import annotations

from django.urls import path

from widget import views

app_name = "widget"

urlpatterns = [
    path("widget.js", views.widget_loader, name="loader"),
    path("widget/", views.widget_page, name="page"),
    path("console/", views.console_page, name="console"),
]
