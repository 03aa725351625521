"""Reads of agent configuration."""

from __future__ import annotations

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When

from agents.models import Agent, WidgetKeyAgent


def widget_agent_candidates(*, tenant_id: int, key_id: int | None = None) -> QuerySet[Agent]:
    """The tenant's active agents, the one a website visitor reaches first: the key's own agent, else the
    tenant's default agent, else its oldest active agent."""
    whens = [When(is_default=True, then=Value(1))]
    if key_id is not None:
        routed = Exists(WidgetKeyAgent.objects.filter(agent=OuterRef("pk"), key_id=key_id))
        whens.insert(0, When(routed, then=Value(0)))
    rank = Case(*whens, default=Value(2), output_field=IntegerField())
    return (
        Agent.objects.filter(tenant_id=tenant_id, active=True).annotate(answer_rank=rank).order_by("answer_rank", "pk")
    )


def widget_agent_for(*, tenant_id: int, key_id: int | None = None) -> Agent | None:
    """The agent a website visitor on this key reaches (None when the tenant has no active agent)."""
    return widget_agent_candidates(tenant_id=tenant_id, key_id=key_id).select_related("prompt").first()
