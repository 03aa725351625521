"""A live conversation stepping down as its tenant's budget runs out, instead of being cut mid-sentence.

After every metered response: once the tighter of the daily and monthly budgets is `budget_step_down_percent`
used, the session asks the model for shorter answers (a server-side `session.update` with a smaller
`max_output_tokens`); when one more answer like the last could pass the budget, it has the agent say a short
goodbye in its own language and ends with reason `budget` when that answer is done; and if the budget is
already used up it ends at once. So spend passes the budget by at most one answer (the goodbye, or the one
that crossed it). Visitor input is no longer relayed once the goodbye is decided.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tenants.models import Tenant
from usage import budgets, limits

logger = logging.getLogger(__name__)

REDUCED_MAX_OUTPUT_TOKENS = 250  # about a dozen seconds of speech
GOODBYE_MAX_OUTPUT_TOKENS = 200
GOODBYE_PURPOSE = "budget_goodbye"  # the goodbye response's metadata, so its response.done is recognised

GOODBYES = {
    "en": "I'm sorry, I have to end our conversation here for now. Thank you for talking with me, and please "
    "come back a little later. Goodbye!",
    "es": "Lo siento, tengo que terminar nuestra conversación por ahora. Gracias por hablar conmigo; vuelve un "
    "poco más tarde. ¡Adiós!",
    "de": "Es tut mir leid, ich muss unser Gespräch für den Moment beenden. Danke für das Gespräch, schauen Sie "
    "gern etwas später wieder vorbei. Auf Wiedersehen!",
    "fr": "Je suis désolé, je dois mettre fin à notre conversation pour le moment. Merci de votre visite, "
    "revenez un peu plus tard. Au revoir !",
    "it": "Mi dispiace, per ora devo concludere la nostra conversazione. Grazie per aver parlato con me, torna "
    "un po' più tardi. Arrivederci!",
    "pt": "Desculpe, preciso de encerrar a nossa conversa por agora. Obrigado por falar comigo; volte um pouco "
    "mais tarde. Até logo!",
    "nl": "Het spijt me, ik moet ons gesprek voor nu beëindigen. Bedankt voor het gesprek, kom later gerust "
    "terug. Tot ziens!",
}


def goodbye_instructions(language: str) -> str:
    """What the agent is told to say: the exact line where we have it, else the English one to translate."""
    line = GOODBYES.get(language.lower())
    if line:
        return f"Say this goodbye to the visitor, and nothing else, exactly: {line}"
    return (
        f"In the language with ISO 639 code {language!r}, say this goodbye to the visitor and nothing else: "
        f"{GOODBYES['en']}"
    )


class Stage(StrEnum):
    NORMAL = "normal"
    REDUCED = "reduced"  # shorter answers asked for
    CLOSING = "closing"  # the goodbye (or the end) is decided: no more visitor turns


class Step(StrEnum):
    REDUCE = "reduce"
    GOODBYE = "goodbye"
    END = "end"


@dataclass
class BudgetSteps:
    tenant_id: int
    language: str
    stage: Stage = Stage.NORMAL
    reduced_sent: bool = False
    goodbye_sent: bool = False

    @property
    def closing(self) -> bool:
        return self.stage is Stage.CLOSING

    def after_response(self, *, response_usd: Decimal) -> Step | None:
        """Runs in the recorder's thread once a response is metered: the next step, or None."""
        if self.stage is Stage.CLOSING:
            return None
        tenant = Tenant.objects.filter(pk=self.tenant_id).first()
        if tenant is None:
            return None
        try:
            state = budgets.budget_state(tenant=tenant)
        except limits.LimitUnavailable:
            return None  # a live session is not cut for a passing Redis outage; the heartbeat checks again
        if state.remaining <= 0:
            self.stage = Stage.CLOSING
            return Step.END
        if state.ratio < state.step_down_ratio:
            return None
        if state.remaining <= response_usd:  # one more answer like this one could pass the budget
            self.stage = Stage.CLOSING
            return Step.GOODBYE
        if self.stage is Stage.NORMAL:
            self.stage = Stage.REDUCED
            return Step.REDUCE
        return None


async def step_apply(
    steps: BudgetSteps,
    step: Step,
    *,
    language: str,
    send_upstream: Callable[[dict[str, Any]], Awaitable[None]],
    request_response: Callable[[dict[str, Any]], Awaitable[None]],
    end: Callable[..., Awaitable[None]],
) -> None:
    """Carry out a step on the live session, in its event loop (steps run in the order they were decided)."""
    if step is Step.END:
        await end("budget", notice=("budget", False))
        return
    if not steps.reduced_sent:
        steps.reduced_sent = True
        await send_upstream(
            {"type": "session.update", "session": {"type": "realtime", "max_output_tokens": REDUCED_MAX_OUTPUT_TOKENS}}
        )
    if step is Step.GOODBYE:
        steps.goodbye_sent = True
        # After the answer under way, if any (one response at a time). Out of band with no context: the
        # conversation is not billed again as input (response-level instructions would miss the prompt cache
        # and cost several ordinary answers).
        await request_response(
            {
                "conversation": "none",
                "input": [],
                "instructions": goodbye_instructions(language),
                "max_output_tokens": GOODBYE_MAX_OUTPUT_TOKENS,
                "metadata": {"purpose": GOODBYE_PURPOSE},
            }
        )


def is_goodbye(response: dict[str, Any]) -> bool:
    """Whether a `response.done`'s response is the budget goodbye."""
    metadata = response.get("metadata")
    return isinstance(metadata, dict) and metadata.get("purpose") == GOODBYE_PURPOSE
