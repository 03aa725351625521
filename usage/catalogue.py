"""Reads of the model catalogue: exact-row prices, retirement notices, and the successor a session switches to."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from usage import pricing
from usage.models import ModelKind, ModelPrice

logger = logging.getLogger(__name__)

WARN_DAYS = 30  # an agent on a model this close to shutdown shows a warning in admin and the console


def today() -> date:
    return datetime.now(UTC).date()


def catalogue_names(*, kind: str) -> list[str]:
    return list(ModelPrice.objects.filter(kind=kind).order_by("model").values_list("model", flat=True))


def catalogue_has(*, name: str, kind: str) -> bool:
    return ModelPrice.objects.filter(model=name, kind=kind).exists()


def price_for(model: str) -> ModelPrice:
    """The catalogue row of exactly this model. A model without a row is priced as the dearest row and logged as
    an error: a missing row must never make usage free and switch the budget guard off."""
    row = ModelPrice.objects.filter(model=model).first()
    if row is not None:
        return row
    dearest = ModelPrice.objects.order_by("-audio_output", "-text_output").first()
    if dearest is None:  # an empty catalogue: the dearest published price, written in code
        prices = {kind: Decimal(value) for kind, value in pricing.FALLBACK_PRICES.items()}
        dearest = ModelPrice(model=pricing.FALLBACK_MODEL, **prices)
    logger.error(
        "MODEL NOT IN THE CATALOGUE: %r has no row under Usage > Models and prices; its usage is priced as %s, "
        "the dearest price known, until someone adds it",
        model,
        dearest.model,
    )
    return dearest


@dataclass(frozen=True)
class Retirement:
    """What staff should know about one model in use: when it shuts down and what replaces it."""

    model: str
    shutdown_on: date | None
    successor: str | None
    days_left: int | None
    known: bool  # False: the model has no catalogue row
    kind: str = ModelKind.REALTIME

    @property
    def warn(self) -> bool:
        return not self.known or (self.days_left is not None and self.days_left <= WARN_DAYS)

    @property
    def shut_down(self) -> bool:
        return self.days_left is not None and self.days_left <= 0

    def message(self) -> str:
        """One sentence for staff, starting with what the model is for; empty when there is nothing to say."""
        if not self.known:
            return f"Model {self.model} is not in the model catalogue: add it under Usage › Models and prices."
        if not self.warn or self.shutdown_on is None:
            return ""
        name = f"{'Transcription model' if self.kind == ModelKind.TRANSCRIPTION else 'Model'} {self.model}"
        day = f"{self.shutdown_on:%Y-%m-%d}"
        if self.shut_down:
            if self.successor:
                return f"{name} shut down on {day}; sessions use {self.successor}. Choose it to stop this notice."
            return f"{name} shut down on {day} and has no successor: choose another model."
        when = "tomorrow" if self.days_left == 1 else f"in {self.days_left} days"
        after = f" Sessions then use {self.successor}." if self.successor else " No successor is set."
        return f"{name} shuts down {when} ({day}).{after} Choose a newer model."

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "shutdown_on": self.shutdown_on.isoformat() if self.shutdown_on else None,
            "successor": self.successor,
            "days_left": self.days_left,
            "warning": self.message(),
        }


def retirement_of(model: str, *, on: date | None = None) -> Retirement:
    day = on or today()
    row = ModelPrice.objects.select_related("successor").filter(model=model).first()
    if row is None:
        return Retirement(model=model, shutdown_on=None, successor=None, days_left=None, known=False)
    days_left = (row.shutdown_on - day).days if row.shutdown_on else None
    successor = row.successor.model if row.successor else None
    return Retirement(
        model=model,
        shutdown_on=row.shutdown_on,
        successor=successor,
        days_left=days_left,
        known=True,
        kind=row.kind,
    )


def model_in_service(model: str, *, on: date | None = None) -> str:
    """The model a session starting today really uses: this one, or the first successor not yet shut down."""
    day = on or today()
    current = ModelPrice.objects.select_related("successor").filter(model=model).first()
    seen: set[str] = set()
    while current is not None and current.is_shut_down(day) and current.successor is not None:
        if current.model in seen:  # clean() refuses cycles; a row written around it must not hang a session
            break
        seen.add(current.model)
        current = ModelPrice.objects.select_related("successor").get(pk=current.successor.pk)
    return current.model if current is not None else model
