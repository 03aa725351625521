"""Writes for tenants' widget keys: rotation with a grace period, and reactivation."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tenants.models import WidgetKey


@transaction.atomic
def key_rotate(*, key: WidgetKey, grace: timedelta) -> WidgetKey:
    """A new key like this one (tenant, label, channel); the old one stops after `grace` (at once for zero).

    An old key already set to stop sooner keeps its earlier time."""
    old = WidgetKey.objects.select_for_update().get(pk=key.pk)
    new = WidgetKey.objects.create(tenant_id=old.tenant_id, label=old.label, channel=old.channel)
    stop_at = timezone.now() + grace
    if old.revoked_at is None or old.revoked_at > stop_at:
        old.revoked_at = stop_at
        old.save(update_fields=["revoked_at"])
    key.revoked_at = old.revoked_at
    return new


def key_reactivate(*, key: WidgetKey) -> None:
    """Let a revoked (or scheduled to stop) key work again."""
    WidgetKey.objects.filter(pk=key.pk).update(revoked_at=None)
    key.revoked_at = None
