"""Audio helpers: formats, RMS, G.711 and the soft tone the assistant may speak with (speech.py has its voice)."""

from __future__ import annotations

import math
import sys
from array import array
from functools import lru_cache
from typing import Any

PCM_RATE = 24000
FRAME_MS = 20  # VAD frame length
OUTPUT_CHUNK_MS = 100  # assistant audio delta length, like the real server
TONE_AMPLITUDE = 4000  # soft: about -18 dBFS at the envelope peak

# A "syllable" is 250 ms with a Hann envelope; four pitches cycle once a second.
# Every pitch has a whole number of cycles per syllable, so the pattern tiles without clicks.
_SYLLABLE_SAMPLES = PCM_RATE // 4
_PITCHES_HZ = (220, 248, 264, 196)


def format_type(fmt: Any) -> str:
    """Return `audio/pcm`, `audio/pcmu` or `audio/pcma` from a GA format object."""
    if isinstance(fmt, dict) and isinstance(fmt.get("type"), str):
        return str(fmt["type"])
    return "audio/pcm"


def bytes_per_ms(fmt: Any) -> int:
    """PCM16 at 24 kHz is 48 bytes per ms; G.711 at 8 kHz is 8 bytes per ms."""
    return 48 if format_type(fmt) == "audio/pcm" else 8


def _ulaw_decode(byte: int) -> int:
    byte = ~byte & 0xFF
    sign = byte & 0x80
    exponent = (byte >> 4) & 0x07
    mantissa = byte & 0x0F
    sample = ((mantissa << 3) + 0x84) << exponent
    sample -= 0x84
    return -sample if sign else sample


def _alaw_decode(byte: int) -> int:
    byte ^= 0x55
    sign = byte & 0x80
    exponent = (byte >> 4) & 0x07
    mantissa = byte & 0x0F
    sample = (mantissa << 4) + 8 if exponent == 0 else ((mantissa << 4) + 0x108) << (exponent - 1)
    return sample if sign else -sample


_ULAW_TABLE = [_ulaw_decode(b) for b in range(256)]
_ALAW_TABLE = [_alaw_decode(b) for b in range(256)]


def _ulaw_encode(sample: int) -> int:
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = 7
    for exp in range(7, -1, -1):
        if magnitude & (0x4000 >> (7 - exp)):
            exponent = exp
            break
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _alaw_encode(sample: int) -> int:
    sign = 0x80 if sample >= 0 else 0
    magnitude = min(abs(sample), 32767) >> 3
    if magnitude < 32:
        value = magnitude >> 1
    else:
        exponent = magnitude.bit_length() - 5
        value = (exponent << 4) | ((magnitude >> exponent) & 0x0F)
    return (sign | value) ^ 0x55


def decode_samples(fmt: Any, data: bytes) -> array[int]:
    """Decode client audio to signed 16-bit samples (whole samples only)."""
    kind = format_type(fmt)
    if kind == "audio/pcmu":
        return array("h", (_ULAW_TABLE[b] for b in data))
    if kind == "audio/pcma":
        return array("h", (_ALAW_TABLE[b] for b in data))
    samples = array("h")
    samples.frombytes(data[: len(data) - len(data) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def rms(samples: array[int]) -> float:
    """Root mean square of 16-bit samples (0 … 32767)."""
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


@lru_cache(maxsize=1)
def _tone_cycle() -> array[int]:
    """One second (24 000 samples) of the tiled assistant tone."""
    out = array("h")
    for index, pitch in enumerate(_PITCHES_HZ):
        base = index * _SYLLABLE_SAMPLES
        for n in range(_SYLLABLE_SAMPLES):
            envelope = math.sin(math.pi * n / _SYLLABLE_SAMPLES) ** 2
            phase = 2 * math.pi * pitch * (base + n) / PCM_RATE
            out.append(int(TONE_AMPLITUDE * envelope * math.sin(phase)))
    return out


def tone_samples(start_ms: int, end_ms: int, total_ms: int) -> array[int]:
    """Samples of the assistant tone between two offsets; fades out over the last 10 ms."""
    cycle = _tone_cycle()
    start, end = start_ms * PCM_RATE // 1000, end_ms * PCM_RATE // 1000
    out = array("h", (cycle[i % PCM_RATE] for i in range(start, end)))
    fade_start = max(0, total_ms - 10) * PCM_RATE // 1000
    total = total_ms * PCM_RATE // 1000
    if end > fade_start:
        for i in range(max(start, fade_start), end):
            out[i - start] = int(out[i - start] * (total - i) / max(1, total - fade_start))
    return out


def encode_pcm(samples: array[int]) -> bytes:
    """PCM16 little-endian bytes of native samples."""
    data = array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    return data.tobytes()


def g711_encode(fmt: Any, samples: array[int]) -> bytes:
    """G.711 (μ-law or A-law, as the format says) of samples already at 8 kHz."""
    encode = _ulaw_encode if format_type(fmt) == "audio/pcmu" else _alaw_encode
    return bytes(encode(s) for s in samples)


def encode_samples(fmt: Any, samples: array[int]) -> bytes:
    """Encode 24 kHz samples into the session output format."""
    if format_type(fmt) == "audio/pcm":
        return encode_pcm(samples)
    return g711_encode(fmt, samples[::3])  # 24 kHz -> 8 kHz; the tone is far below 4 kHz so no filter is needed


def assistant_audio(fmt: Any, start_ms: int, end_ms: int, total_ms: int) -> bytes:
    """Encoded tone for [start_ms, end_ms) of a reply lasting total_ms."""
    return encode_samples(fmt, tone_samples(start_ms, end_ms, total_ms))
