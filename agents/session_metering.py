"""The usage a session meters beside `response.done`: input transcriptions, and an estimate for a response whose
`response.done` never came (the socket dropped, or the visitor left while the agent spoke).

Audio deltas stay on the relay's fast path: for each one the session only adds the frame's length here; the
first frame of a response is parsed once to learn how much of a frame is envelope rather than audio.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agents.plans import SessionPlan
from agents.recorder import recorder
from usage import services as usage_services

logger = logging.getLogger(__name__)

# The plan's output format is 24 kHz 16-bit mono PCM (agents/plans.py): 48 bytes of audio a millisecond, and
# the Realtime API counts output audio at one token per 50 ms and text at about four characters a token.
PCM_BYTES_PER_MS = 48
OUTPUT_AUDIO_MS_PER_TOKEN = 50
CHARS_PER_TEXT_TOKEN = 4
TEXT_DELTAS = ("response.output_audio_transcript.delta", "response.output_text.delta")


@dataclass
class SessionMeter:
    plan: SessionPlan
    session_id: str
    price: Any
    transcription_price: Any
    notify: Callable[[dict[str, Any]], None] = lambda data: None  # called from the recorder's thread
    email_hash: Callable[[], str | None] = lambda: None  # the visitor's, once known (it may arrive mid-session)
    _response_id: str | None = None
    _audio_b64_chars: int = 0
    _frame_envelope: int | None = None
    _text_chars: int = 0
    _last_input: dict[str, Any] = field(default_factory=dict)

    def audio_delta(self, raw: str) -> None:
        """One forwarded audio delta frame (hot path: a length, and one parse per response)."""
        if self._frame_envelope is None:
            try:
                self._frame_envelope = len(raw) - len(json.loads(raw).get("delta") or "")
            except (ValueError, AttributeError):
                self._frame_envelope = 0
        self._audio_b64_chars += max(0, len(raw) - self._frame_envelope)

    def observe(self, kind: str, event: dict[str, Any]) -> None:
        if kind == "response.created":
            self._start((event.get("response") or {}).get("id"))
        elif kind == "response.output_audio.delta":  # one that missed the fast path (another key before type)
            self._audio_b64_chars += len(str(event.get("delta") or ""))
        elif kind in TEXT_DELTAS:
            self._text_chars += len(str(event.get("delta") or ""))
        elif kind == "response.done":
            response = event.get("response") or {}
            usage = response.get("usage") or {}
            if usage.get("input_token_details"):
                self._last_input = usage["input_token_details"]
            if response.get("id") in (self._response_id, None):  # a late done of a cancelled one keeps the current
                self._start(None)
        elif kind == "conversation.item.input_audio_transcription.completed":
            usage = event.get("usage")
            if isinstance(usage, dict) and isinstance(event.get("item_id"), str):
                # The day rule: it counts on the UTC day it arrived, however late it is written.
                arrived = datetime.now(UTC)
                recorder().submit(self._meter_transcription, item_id=event["item_id"], usage=usage, at=arrived)

    def unfinished(self) -> None:
        """At the session's end: meter the response still streaming, estimated from what was streamed."""
        usage = self.estimate()
        if usage is not None and self._response_id:
            logger.info("session %s: response %s never finished; usage estimated", self.session_id, self._response_id)
            recorder().submit(self._meter_estimate, response_id=self._response_id, usage=usage, at=datetime.now(UTC))
        self._start(None)

    def estimate(self) -> dict[str, Any] | None:
        """A `response.done`-shaped usage for the response in flight: output from the streamed audio and text,
        input as the previous response's (every turn re-sends the conversation, so it is a floor)."""
        if not self._response_id or (self._audio_b64_chars == 0 and self._text_chars == 0):
            return None
        audio_ms = self._audio_b64_chars * 3 // 4 / PCM_BYTES_PER_MS
        audio_tokens = math.ceil(audio_ms / OUTPUT_AUDIO_MS_PER_TOKEN)
        text_tokens = math.ceil(self._text_chars / CHARS_PER_TEXT_TOKEN)
        inputs = dict(self._last_input)
        input_tokens = int(inputs.get("text_tokens") or 0) + int(inputs.get("audio_tokens") or 0)
        return {
            "total_tokens": input_tokens + audio_tokens + text_tokens,
            "input_tokens": input_tokens,
            "output_tokens": audio_tokens + text_tokens,
            "input_token_details": inputs,
            "output_token_details": {"text_tokens": text_tokens, "audio_tokens": audio_tokens},
        }

    def _start(self, response_id: Any) -> None:
        self._response_id = str(response_id) if response_id else None
        self._audio_b64_chars = self._text_chars = 0
        self._frame_envelope = None

    def _meter_transcription(self, *, item_id: str, usage: dict[str, Any], at: datetime) -> None:
        dollars = usage_services.transcription_meter(
            tenant_id=self.plan.tenant_id,
            channel=self.plan.channel,
            session_id=self.session_id,
            model=self.plan.transcription_model,
            item_id=item_id,
            usage=usage,
            price=self.transcription_price,
            email_hash=self.email_hash(),
            at=at,
        )
        if dollars is not None:
            model = self.plan.transcription_model
            self.notify({"itemId": item_id, "model": model, "usage": usage, "dollars": float(dollars)})

    def _meter_estimate(self, *, response_id: str, usage: dict[str, Any], at: datetime) -> None:
        dollars = usage_services.usage_meter(
            tenant_id=self.plan.tenant_id,
            channel=self.plan.channel,
            session_id=self.session_id,
            model=self.plan.model,
            response_id=response_id,
            usage=usage,
            price=self.price,
            estimated=True,
            email_hash=self.email_hash(),
            at=at,
        )
        if dollars is not None:
            self.notify({"responseId": response_id, "usage": usage, "dollars": float(dollars), "estimated": True})
