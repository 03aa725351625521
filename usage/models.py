"""The admin-editable price table that turns tokens into dollars."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


def _price(default: Decimal | type[models.NOT_PROVIDED] = models.NOT_PROVIDED) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        max_digits=10, decimal_places=4, validators=[MinValueValidator(Decimal("0"))], default=default
    )


class ModelPrice(models.Model):
    """USD per 1M tokens for one realtime model (defaults from the published price list)."""

    model = models.CharField(max_length=64, unique=True, help_text="Exact model name, e.g. gpt-realtime.")
    text_input = _price()
    text_cached = _price()
    text_output = _price()
    audio_input = _price()
    audio_cached = _price()
    audio_output = _price()
    image_input = _price(Decimal("0"))
    image_cached = _price(Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["model"]

    def __str__(self) -> str:
        return self.model
