"""The model catalogue: every realtime and transcription model a session may use, its prices, its retirement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models


def _price(help_text: str = "") -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        max_digits=10,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0"))],
        default=Decimal("0"),
        help_text=help_text,
    )


class ModelKind(models.TextChoices):
    REALTIME = "realtime", "Realtime"
    TRANSCRIPTION = "transcription", "Transcription"


class ModelPrice(models.Model):
    """One row of the catalogue: a model by its exact name, USD per 1M tokens by kind, and when it retires."""

    model = models.CharField(
        max_length=64, unique=True, help_text="Exact model name as the API spells it, e.g. gpt-realtime-2.1."
    )
    kind = models.CharField(
        max_length=16,
        choices=ModelKind.choices,
        default=ModelKind.REALTIME,
        help_text="Realtime models answer the visitor; transcription models write down what the visitor said.",
    )
    text_input = _price()
    text_cached = _price()
    text_output = _price()
    audio_input = _price()
    audio_cached = _price()
    audio_output = _price()
    image_input = _price()
    image_cached = _price()
    audio_minute = _price(
        "USD per minute of audio, for transcription models billed by duration (their usage says seconds, "
        "not tokens). Leave 0 for models billed by tokens."
    )
    shutdown_on = models.DateField(
        null=True,
        blank=True,
        help_text="The shutdown date OpenAI announced. Agents warn 30 days before; from this day sessions use "
        "the successor.",
    )
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text="The model sessions switch to once this one has shut down (same kind).",
    )
    source = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where these prices were published (a URL), so the next person can check them.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "model"]
        verbose_name = "model"
        verbose_name_plural = "models and prices"

    def __str__(self) -> str:
        return self.model

    def clean(self) -> None:
        successor = self.successor
        if successor is None:
            return
        if successor.pk == self.pk:
            raise ValidationError({"successor": "A model cannot succeed itself."})
        if successor.kind != self.kind:
            raise ValidationError({"successor": "The successor must be a model of the same kind."})
        seen = {self.pk}
        while successor is not None:  # a chain that comes back here would never resolve
            if successor.pk in seen:
                raise ValidationError({"successor": "These successors go round in a circle."})
            seen.add(successor.pk)
            successor = successor.successor

    def is_shut_down(self, today: date) -> bool:
        return self.shutdown_on is not None and today >= self.shutdown_on
