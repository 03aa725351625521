"""/demo/: the demo tenants' websites and the backends their agents' tools call."""

from __future__ import annotations

from django.urls import path

from demo import views

app_name = "demo"

urlpatterns = [
    path("", views.index, name="index"),
    path("productco/", views.productco_site, name="productco"),
    path("productco/delivery/", views.productco_delivery, name="productco-delivery"),
    path("productco/api/products", views.products, name="productco-products"),
    path("productco/api/stats", views.stats, name="productco-stats"),
    path("productco/api/orders", views.orders, name="productco-orders"),
    path("productco/images/<slug:product_id>-<int:number>.svg", views.product_image, name="productco-image"),
    path("eventco/", views.eventco_site, name="eventco"),
    path("eventco/api/event", views.event, name="eventco-event"),
    path("eventco/api/speakers", views.speakers, name="eventco-speakers"),
    path("eventco/api/talks", views.talks, name="eventco-talks"),
    path("eventco/photos/<slug:speaker_id>.svg", views.speaker_photo, name="eventco-photo"),
]
