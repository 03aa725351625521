"""How much input audio a visitor may send: real time plus a small burst, per session (VOICE_AUDIO_SPEED_LIMIT).

A token bucket on the base64 characters of `input_audio_buffer.append`, filled at the rate the input format
plays at. Audio past it is dropped (never queued, so memory stays flat), the visitor gets one error event per
second of refusals, and a session that keeps sending well past real time is closed. Hand-written rather than a
rate-limit library: it runs on every audio frame of the hot path, so it is a few float operations on one
object, with no storage, lock or allocation per frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

ACCEPT = 0  # forward the frame
REFUSE = 1  # drop it and tell the visitor (at most once a second)
DROP = 2  # drop it silently: the visitor was told less than a second ago
CLOSE = 3  # drop it and end the session: far past real time for too long

BURST_SECONDS = 3.0  # audio a client may send ahead of real time (a network hiccup flushing its queue)
CLOSE_AFTER_SECONDS = 10.0  # refused audio (net of real time) that ends the session; 50x real time: 0.2 s
WARN_INTERVAL_SECONDS = 1.0

# What the hot path's exact append shape (protocol.is_append_wire) carries besides the audio.
APPEND_ENVELOPE = len('{"type":"input_audio_buffer.append","audio":""}')

# Bytes per second of each input format the platform configures (agents/plans.py); base64 sends 4 chars per 3.
_BYTES_PER_SECOND = {"audio/pcm": 2, "audio/pcmu": 1, "audio/pcma": 1}


def chars_per_second(audio_format: dict[str, Any]) -> float:
    """Base64 characters per second of real-time audio in this `audio.input.format`."""
    sample_bytes = _BYTES_PER_SECOND.get(str(audio_format.get("type")), 2)
    rate = int(audio_format.get("rate") or (24000 if sample_bytes == 2 else 8000))
    return rate * sample_bytes * 4 / 3


def audio_budget_for(
    realtime_config: dict[str, Any], *, speed_limit: float = 1.0, clock: Callable[[], float] = time.monotonic
) -> AudioBudget:
    """The budget for the input format the session configures upstream, at `speed_limit` times real time."""
    audio_format = ((realtime_config.get("audio") or {}).get("input") or {}).get("format") or {}
    return AudioBudget(chars_per_second=chars_per_second(audio_format) * speed_limit, clock=clock)


class AudioBudget:
    __slots__ = (
        "_capacity",
        "_clock",
        "_close_after",
        "_rate",
        "_refused",
        "_refused_at",
        "_tokens",
        "_updated",
        "_warned",
    )

    def __init__(
        self,
        *,
        chars_per_second: float,
        burst_seconds: float = BURST_SECONDS,
        close_after_seconds: float = CLOSE_AFTER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = chars_per_second
        self._capacity = chars_per_second * burst_seconds
        self._tokens = self._capacity
        self._close_after = chars_per_second * close_after_seconds
        self._refused = 0.0  # refused audio, draining at real time: a hiccup now and then never adds up
        self._clock = clock
        self._updated = self._refused_at = clock()
        self._warned = -WARN_INTERVAL_SECONDS

    def take(self, chars: int) -> int:
        """ACCEPT, REFUSE, DROP or CLOSE for one append of this many base64 characters."""
        now = self._clock()
        tokens = self._tokens + (now - self._updated) * self._rate
        self._updated = now
        if tokens > self._capacity:
            tokens = self._capacity
        if chars <= tokens:
            self._tokens = tokens - chars
            return ACCEPT
        self._tokens = tokens
        drained = self._refused - (now - self._refused_at) * self._rate
        self._refused = (drained if drained > 0 else 0.0) + chars
        self._refused_at = now
        if self._refused > self._close_after:
            return CLOSE
        if now - self._warned >= WARN_INTERVAL_SECONDS:
            self._warned = now
            return REFUSE
        return DROP
