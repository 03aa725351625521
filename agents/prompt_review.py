"""Reviewing a prompt before it goes live: its draft as a version, the diff against the published version,
and the exact instructions a chosen agent would send on a chosen channel (built by the session planner)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from agents.models import PROMPT_TEXT_FIELDS, Agent, Prompt, PromptVersion
from agents.plans import AgentNotReady, session_plan_build


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "context" or "hunk"
    text: str


def prompt_draft_version(prompt: Prompt) -> PromptVersion:
    """The draft as an unsaved version, so it renders exactly as it would once published."""
    return PromptVersion(prompt=prompt, number=0, **{name: getattr(prompt, name) for name in PROMPT_TEXT_FIELDS})


def prompt_has_unpublished_changes(prompt: Prompt) -> bool:
    published = prompt.published_version
    return published is None or any(getattr(published, f) != getattr(prompt, f) for f in PROMPT_TEXT_FIELDS)


def prompt_diff(prompt: Prompt) -> list[DiffLine]:
    """The draft against the published version, rendered as the model reads them; empty when they match."""
    published = prompt.published_version
    before = published.render().splitlines() if published else []
    after = prompt_draft_version(prompt).render().splitlines()
    label = f"published v{published.number}" if published else "nothing published"
    lines = []
    for line in difflib.unified_diff(before, after, fromfile=label, tofile="draft", lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "+": "added", "-": "removed"}.get(line[:1], "context")
        lines.append(DiffLine(kind=kind, text=line))
    return lines


def prompt_instructions_preview(*, prompt: Prompt, agent: Agent, channel: str, draft: bool) -> str:
    """The `instructions` the agent would send upstream with this prompt (its draft or its published version)."""
    version = prompt_draft_version(prompt) if draft else prompt.published_version
    if version is None:
        raise AgentNotReady("this prompt has no published version yet")
    # The agent may use another prompt today: preview it as if it used this one.
    agent.prompt = prompt
    plan = session_plan_build(agent=agent, channel=channel, prompt_version=version)
    return str(plan.realtime_config["instructions"])
