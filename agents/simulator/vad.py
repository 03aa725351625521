"""Energy-based voice activity detection over 20 ms frames.

`threshold` (0…1, default 0.5) maps linearly to an RMS level: speech means a frame RMS above
``threshold * 1000`` on the 16-bit scale (0.5 -> 500 of 32767, about -36 dBFS). Speech starts
after two consecutive loud frames (40 ms) and stops after `silence_duration_ms` of quiet frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .audio import FRAME_MS, bytes_per_ms, decode_samples, rms

RMS_PER_THRESHOLD_UNIT = 1000.0
MIN_SPEECH_FRAMES = 2
# semantic_vad has no silence setting; eagerness picks one.
EAGERNESS_SILENCE_MS = {"low": 800, "medium": 500, "auto": 500, "high": 250}


@dataclass(frozen=True)
class VadEvent:
    """A detected edge: `start` carries audio_start_ms (with padding), `stop` audio_end_ms."""

    kind: Literal["start", "stop"]
    ms: int


@dataclass
class VadSettings:
    """Effective VAD parameters derived from a GA `turn_detection` object."""

    rms_threshold: float
    prefix_padding_ms: int
    silence_duration_ms: int

    @classmethod
    def from_turn_detection(cls, td: dict[str, Any]) -> VadSettings:
        """Read server_vad fields, or map semantic_vad eagerness to a silence duration."""
        if td.get("type") == "semantic_vad":
            eager_silence = EAGERNESS_SILENCE_MS.get(str(td.get("eagerness") or "auto"), 500)
            return cls(0.5 * RMS_PER_THRESHOLD_UNIT, 300, eager_silence)
        threshold = td.get("threshold")
        padding = td.get("prefix_padding_ms")
        silence = td.get("silence_duration_ms")
        return cls(
            rms_threshold=float(0.5 if threshold is None else threshold) * RMS_PER_THRESHOLD_UNIT,
            prefix_padding_ms=int(300 if padding is None else padding),
            silence_duration_ms=int(200 if silence is None else silence),
        )


class EnergyVad:
    """Feeds raw client audio, tracks session time in ms, reports speech edges."""

    def __init__(self) -> None:
        self.position_ms = 0.0  # session audio time of the next unprocessed byte
        self.speaking = False
        self._pending = b""
        self._loud_run = 0
        self._run_start_ms = 0.0
        self._quiet_ms = 0

    def reset(self) -> None:
        """Forget speech state (buffer cleared or committed by hand); keep the clock."""
        self.speaking = False
        self._loud_run = 0
        self._quiet_ms = 0

    def skip(self, data_len: int, fmt: Any) -> None:
        """Advance the clock over audio that is not analysed (VAD disabled or buffer dropped)."""
        self.position_ms += (len(self._pending) + data_len) / bytes_per_ms(fmt)
        self._pending = b""

    @property
    def now_ms(self) -> int:
        """Session audio time of the last analysed frame end."""
        return int(self.position_ms)

    def feed(self, data: bytes, fmt: Any, settings: VadSettings, floor_ms: int) -> list[VadEvent]:
        """Analyse whole frames of `data`; `floor_ms` bounds the padded start (buffer start)."""
        events: list[VadEvent] = []
        frame_bytes = bytes_per_ms(fmt) * FRAME_MS
        buf = self._pending + data
        offset = 0
        while len(buf) - offset >= frame_bytes:
            frame = buf[offset : offset + frame_bytes]
            offset += frame_bytes
            loud = rms(decode_samples(fmt, frame)) > settings.rms_threshold
            frame_start = self.position_ms
            self.position_ms += FRAME_MS
            if not self.speaking:
                if not loud:
                    self._loud_run = 0
                    continue
                if self._loud_run == 0:
                    self._run_start_ms = frame_start
                self._loud_run += 1
                if self._loud_run >= MIN_SPEECH_FRAMES:
                    self.speaking = True
                    self._quiet_ms = 0
                    start = max(floor_ms, int(self._run_start_ms) - settings.prefix_padding_ms)
                    events.append(VadEvent("start", start))
            elif loud:
                self._quiet_ms = 0
            else:
                self._quiet_ms += FRAME_MS
                if self._quiet_ms >= settings.silence_duration_ms:
                    self.speaking = False
                    self._loud_run = 0
                    events.append(VadEvent("stop", int(self.position_ms)))
        self._pending = buf[offset:]
        return events

    @property
    def pending_loud_start_ms(self) -> int | None:
        """Start of a loud run that has not yet become speech (so it must not be trimmed)."""
        return int(self._run_start_ms) if self._loud_run and not self.speaking else None
