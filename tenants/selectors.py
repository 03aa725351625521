"""Reads of tenant configuration."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tenants.models import Tenant


def tenants_visible_to(user: Any) -> QuerySet[Tenant]:
    """Tenants a staff user may see: all for superusers, else those they operate; none for others."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return Tenant.objects.none()
    if user.is_superuser:
        return Tenant.objects.all()
    return Tenant.objects.filter(operators=user)
