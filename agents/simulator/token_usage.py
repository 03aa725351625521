"""Token counting: what items cost as context, the prompt cache, the usage objects and the rate limits."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import replies
from .conversation import Item

JSON = dict[str, Any]
InputUsage = tuple[int, int, int, int, int, int]  # text, audio, image, cached text, audio, image

IMAGE_TOKENS = 85  # fixed cost of one input image
RATE_LIMIT_TOKENS = 40_000


def ceil_div(value: float, unit: float) -> int:
    return math.ceil(value / unit) if value > 0 else 0


def item_tokens(item: Item) -> tuple[int, int, int]:
    """(text, audio, image) input tokens this item costs as context."""
    kind = item.data.get("type")
    if kind == "function_call":
        return replies.text_tokens(f"{item.data.get('name', '')}{item.data.get('arguments', '')}"), 0, 0
    if kind == "function_call_output":
        return replies.text_tokens(str(item.data.get("output", ""))), 0, 0
    text = audio = image = 0
    for part in item.data.get("content") or []:
        ptype = part.get("type")
        if ptype in ("input_text", "output_text", "text"):
            text += replies.text_tokens(str(part.get("text") or ""))
        elif ptype == "input_image":
            image += IMAGE_TOKENS
        elif ptype == "input_audio":
            if item.audio_ms:
                audio += ceil_div(item.audio_ms, 100)
            else:
                text += replies.text_tokens(str(part.get("transcript") or ""))
        elif ptype == "output_audio":
            if item.audio_ms:
                audio += ceil_div(item.audio_ms, 50)
            else:
                text += replies.text_tokens(str(part.get("transcript") or ""))
    return text, audio, image


@dataclass(frozen=True)
class Segment:
    """A piece of the model input; equal keys in the same position count as cached."""

    key: tuple[Any, ...]
    text: int
    audio: int
    image: int


class PromptCache:
    """Remembers the previous response's input, so the next one can count the prefix it repeats as cached."""

    def __init__(self) -> None:
        self.last_segments: list[Segment] = []

    def input_usage(self, instructions: str, tools: Any, context: Sequence[Item]) -> InputUsage:
        """Input tokens by modality, and the part of them that repeats the previous input prefix."""
        segments = [Segment(("instructions", instructions), replies.text_tokens(instructions), 0, 0)]
        if tools:
            dumped = json.dumps(tools, sort_keys=True)
            segments.append(Segment(("tools", dumped), replies.text_tokens(dumped), 0, 0))
        for item in context:
            segments.append(Segment(("item", item.id, item.version), *item_tokens(item)))
        cached = [0, 0, 0]
        for old, new in zip(self.last_segments, segments, strict=False):
            if old.key != new.key:
                break
            cached = [cached[0] + new.text, cached[1] + new.audio, cached[2] + new.image]
        self.last_segments = segments
        totals = [
            sum(s.text for s in segments),
            sum(s.audio for s in segments),
            sum(s.image for s in segments),
        ]
        return totals[0], totals[1], totals[2], cached[0], cached[1], cached[2]


def response_usage(usage_in: InputUsage, out_text_tokens: int, out_audio_ms: int) -> JSON:
    """The full `usage` object of a `response.done`: its input, and the output actually sent."""
    text, audio, image, c_text, c_audio, c_image = usage_in
    out_audio = ceil_div(out_audio_ms, 50)
    input_tokens = text + audio + image
    output_tokens = out_text_tokens + out_audio
    return {
        "total_tokens": input_tokens + output_tokens,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "input_token_details": {
            "text_tokens": text,
            "audio_tokens": audio,
            "image_tokens": image,
            "cached_tokens": c_text + c_audio + c_image,
            "cached_tokens_details": {
                "text_tokens": c_text,
                "audio_tokens": c_audio,
                "image_tokens": c_image,
            },
        },
        "output_token_details": {"text_tokens": out_text_tokens, "audio_tokens": out_audio},
    }


def rate_limits(total_tokens: int) -> list[JSON]:
    """The `rate_limits` of the `rate_limits.updated` that follows a response of `total_tokens`."""
    return [
        {
            "name": "tokens",
            "limit": RATE_LIMIT_TOKENS,
            "remaining": max(0, RATE_LIMIT_TOKENS - total_tokens),
            "reset_seconds": round(total_tokens * 60 / RATE_LIMIT_TOKENS, 3),
        }
    ]


def transcription_usage(duration_ms: int, transcript: str) -> JSON:
    """The `usage` of an input audio transcription: the audio in, the transcript out."""
    audio_tokens = ceil_div(duration_ms, 100)
    out_tokens = replies.text_tokens(transcript)
    return {
        "type": "tokens",
        "input_tokens": audio_tokens,
        "output_tokens": out_tokens,
        "total_tokens": audio_tokens + out_tokens,
        "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens},
    }
