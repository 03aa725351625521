"""Template tags for the admin index: the tenants whose setup is not complete."""

from __future__ import annotations

from typing import Any

from django import template

from tenants.models import Tenant
from widget.onboarding import ChecklistItem, tenants_setup

register = template.Library()


@register.simple_tag(takes_context=True)
def tenant_setup_rows(context: dict[str, Any]) -> list[tuple[Tenant, list[ChecklistItem]]]:
    request = context.get("request")
    return tenants_setup(request.user) if request is not None else []
