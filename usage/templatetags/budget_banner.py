"""The admin's budget banner: a line per tenant the user operates that has used 80 % of a budget."""

from __future__ import annotations

from typing import Any

from django import template

from tenants.selectors import tenants_visible_to
from usage.budgets import budget_alerts

register = template.Library()


@register.simple_tag(takes_context=True)
def budget_alert_lines(context: dict[str, Any]) -> list[str]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_staff", False):
        return []
    return budget_alerts(tenants=list(tenants_visible_to(user).filter(active=True)))
