"""Which models a session really uses: the agent's, or their successors once the agent's have shut down."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from agents.models import Agent
from usage import catalogue

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionModels:
    model: str
    transcription_model: str
    switches: list[str] = field(default_factory=list)  # one sentence per replaced model, for the session record


def session_models(*, agent: Agent) -> SessionModels:
    chosen: dict[str, str] = {}
    switches: list[str] = []
    for role, name in (("model", agent.model), ("transcription", agent.transcription_model)):
        in_service = catalogue.model_in_service(name)
        chosen[role] = in_service
        if in_service != name:
            retirement = catalogue.retirement_of(name)
            switches.append(f"{name} shut down on {retirement.shutdown_on:%Y-%m-%d}; this session used {in_service}.")
            logger.warning("agent %s: %s", agent.pk, switches[-1])
    return SessionModels(model=chosen["model"], transcription_model=chosen["transcription"], switches=switches)
