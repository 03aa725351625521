"""Tokens to dollars, from a `response.done` usage object and the admin's price table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

MILLION = Decimal(1_000_000)

# What a model missing from an empty catalogue is charged: the dearest published realtime price (USD per 1M
# tokens, gpt-realtime-2.1's). With any row present the dearest row is used instead (usage.catalogue.price_for).
FALLBACK_MODEL = "gpt-realtime-2.1"
FALLBACK_PRICES: dict[str, str] = {
    "text_input": "4.00",
    "text_cached": "0.40",
    "text_output": "24.00",
    "audio_input": "32.00",
    "audio_cached": "0.40",
    "audio_output": "64.00",
    "image_input": "5.00",
    "image_cached": "0.50",
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
    audio_minute: Decimal


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


# The Realtime API counts input audio at 10 tokens a second: how a duration-priced transcription model is charged
# when its usage arrives in tokens (the simulator's always does).
AUDIO_INPUT_TOKENS_PER_SECOND = 10


def transcription_counts(usage: dict[str, Any]) -> dict[str, int]:
    """Billable kinds of an input transcription's `usage`: tokens (audio and prompt text in, transcript out), or
    the audio's length in `audio_ms` for models billed by duration."""

    def n(value: Any) -> int:
        return int(value) if isinstance(value, int | float) and value > 0 else 0

    if usage.get("type") == "duration":
        return {"audio_ms": n(round(float(usage.get("seconds") or 0) * 1000))}
    details = usage.get("input_token_details") or {}
    audio = n(details.get("audio_tokens"))
    text = n(details.get("text_tokens"))
    if not details:  # no split given: all input is the audio
        audio = n(usage.get("input_tokens"))
    return {
        "audio_input": audio,
        "text_input": text,
        "text_output": n(usage.get("output_tokens")),
        "total": n(usage.get("total_tokens")),
    }


def transcription_cost_usd(counts: dict[str, int], prices: Prices) -> Decimal:
    per_minute = Decimal(getattr(prices, "audio_minute", 0) or 0)
    if per_minute > 0:
        milliseconds = counts.get("audio_ms")
        if milliseconds is None:
            milliseconds = counts.get("audio_input", 0) * 1000 // AUDIO_INPUT_TOKENS_PER_SECOND
        return Decimal(milliseconds) * per_minute / Decimal(60_000)
    if "audio_ms" in counts:  # a token-priced model that reported seconds: its audio as input tokens
        counts = {"audio_input": counts["audio_ms"] * AUDIO_INPUT_TOKENS_PER_SECOND // 1000}
    return cost_usd(counts, prices)
