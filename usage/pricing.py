"""Tokens to dollars, from a `response.done` usage object and the admin's price table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

MILLION = Decimal(1_000_000)

# USD per 1M tokens as published (docs/voice-sessions.md, "Pricing"): what `price_for` charges a model that
# has no row in the admin's price table. The table's first rows are a frozen copy in
# usage/migrations/0002_default_prices.py.
DEFAULT_PRICES: dict[str, dict[str, str]] = {
    "gpt-realtime": {
        "text_input": "4.00",
        "text_cached": "0.40",
        "text_output": "16.00",
        "audio_input": "32.00",
        "audio_cached": "0.40",
        "audio_output": "64.00",
        "image_input": "5.00",
        "image_cached": "0.50",
    },
    "gpt-realtime-mini": {
        "text_input": "0.60",
        "text_cached": "0.06",
        "text_output": "2.40",
        "audio_input": "10.00",
        "audio_cached": "0.30",
        "audio_output": "20.00",
        "image_input": "0.80",
        "image_cached": "0.08",
    },
}


class Prices(Protocol):
    text_input: Decimal
    text_cached: Decimal
    text_output: Decimal
    audio_input: Decimal
    audio_cached: Decimal
    audio_output: Decimal
    image_input: Decimal
    image_cached: Decimal


def token_counts(usage: dict[str, Any]) -> dict[str, int]:
    """Flatten a Realtime usage object into billable kinds (cached counted apart from fresh input)."""
    inputs = usage.get("input_token_details") or {}
    cached = inputs.get("cached_tokens_details") or {}
    outputs = usage.get("output_token_details") or {}

    def n(source: dict[str, Any], key: str) -> int:
        value = source.get(key) or 0
        return int(value) if isinstance(value, int | float) and value > 0 else 0

    return {
        "text_input": n(inputs, "text_tokens") - n(cached, "text_tokens"),
        "text_cached": n(cached, "text_tokens"),
        "audio_input": n(inputs, "audio_tokens") - n(cached, "audio_tokens"),
        "audio_cached": n(cached, "audio_tokens"),
        "image_input": n(inputs, "image_tokens") - n(cached, "image_tokens"),
        "image_cached": n(cached, "image_tokens"),
        "text_output": n(outputs, "text_tokens"),
        "audio_output": n(outputs, "audio_tokens"),
        "total": n(usage, "total_tokens"),
    }


def cost_usd(counts: dict[str, int], prices: Prices) -> Decimal:
    total = sum(
        (Decimal(max(0, counts.get(kind, 0))) * Decimal(getattr(prices, kind)) for kind in PRICED_KINDS),
        Decimal(0),
    )
    return total / MILLION


PRICED_KINDS = (
    "text_input",
    "text_cached",
    "text_output",
    "audio_input",
    "audio_cached",
    "audio_output",
    "image_input",
    "image_cached",
)
