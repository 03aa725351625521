"""Writes for agents and prompts."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from agents.models import Prompt, PromptVersion

PROMPT_FIELDS = ("identity", "task", "tone", "rules", "examples")


@transaction.atomic
def prompt_publish(*, prompt: Prompt, user: Any = None) -> PromptVersion:
    """Freeze the draft into a new version and point the prompt at it; unchanged drafts reuse the current one."""
    locked = Prompt.objects.select_for_update().get(pk=prompt.pk)
    current = locked.published_version
    if current and all(getattr(current, f) == getattr(locked, f) for f in PROMPT_FIELDS):
        return current
    number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PromptVersion.objects.create(
        prompt=locked, number=number, created_by=user if getattr(user, "pk", None) else None,
        **{f: getattr(locked, f) for f in PROMPT_FIELDS},
    )
    Prompt.objects.filter(pk=locked.pk).update(published_version=version)
    prompt.published_version = version
    return version
