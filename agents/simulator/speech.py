"""The assistant's voice: a reply spoken by eSpeak NG (the library and its data ship in the `espeakng-loader`
wheel, called through ctypes), or the old soft tone, which tests may choose because it costs nothing.

eSpeak keeps global state and is not thread-safe: every synthesis runs on one worker thread, so the event
loop never waits for it, and the result is cached per text since the demo repeats its phrases."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import math
import operator
import re
import threading
from array import array
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from .audio import PCM_RATE, assistant_audio, encode_pcm, format_type, g711_encode

log = logging.getLogger(__name__)

VoiceKind = Literal["espeak", "tone"]
VOICE_KINDS: tuple[VoiceKind, ...] = ("espeak", "tone")
G711_RATE = 8000
MS_PER_CHAR = 60  # the tone's length per reply character
MAX_TONE_MS = 20_000
MAX_SPEECH_MS = 30_000  # a reply is at most 400 characters, about 30 s of speech
WORDS_PER_MINUTE = 175  # eSpeak's own default, scaled by the session's output speed
# The OpenAI voices a session may name, as eSpeak variants (the rest sound like its default voice).
VARIANTS = {"coral": "f3", "sage": "f2", "shimmer": "f4", "marin": "f5", "ash": "m3", "echo": "m2", "cedar": "m7"}
CURRENCY_WORDS = {
    "en": {"EUR": "euros", "USD": "dollars", "GBP": "pounds"},
    "de": {"EUR": "Euro", "USD": "Dollar", "GBP": "Pfund"},
    "fr": {"EUR": "euros", "USD": "dollars", "GBP": "livres"},
    "es": {"EUR": "euros", "USD": "dólares", "GBP": "libras"},
    "pt": {"EUR": "euros", "USD": "dólares", "GBP": "libras"},
}


def tone_ms(text: str) -> int:
    """The tone's length: 60 ms per character, rounded up to 50 ms, at most 20 s."""
    return max(50, math.ceil(min(MS_PER_CHAR * len(text), MAX_TONE_MS) / 50) * 50)


@dataclass(frozen=True)
class Speech:
    """One reply's audio, encoded chunk by chunk in the session's output format."""

    fmt: Any
    total_ms: int
    samples: array[int] | None = None  # at the format's own rate; None: the tone
    rate: int = PCM_RATE

    def chunk(self, start_ms: int, end_ms: int) -> bytes:
        """Encoded audio for [start_ms, end_ms)."""
        if self.samples is None:
            return assistant_audio(self.fmt, start_ms, end_ms, self.total_ms)
        start, end = start_ms * self.rate // 1000, end_ms * self.rate // 1000
        part = self.samples[start:end]
        part.extend(array("h", bytes(2 * (end - start - len(part)))))  # silence up to the 50 ms boundary
        return encode_pcm(part) if format_type(self.fmt) == "audio/pcm" else g711_encode(self.fmt, part)


def spoken_text(text: str, language: str) -> str:
    """What eSpeak reads: "79.00 EUR" as "79 euros"; the transcript keeps the written form."""
    text = re.sub(r"(\d)[.,]00\b", r"\1", text)
    words = CURRENCY_WORDS.get(language, CURRENCY_WORDS["en"])
    return re.sub(r"\b(EUR|USD|GBP)\b", lambda m: words[m.group(1)], text)


# --- resampling ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _kernels(src: int, dst: int, zeros: int = 4) -> tuple[int, int, int, tuple[tuple[float, ...], ...]]:
    """Polyphase windowed-sinc filters for src → dst: one per output phase, each normalised to unit gain.

    The cut-off sits a little below the lower Nyquist frequency, so downsampling does not alias."""
    g = math.gcd(src, dst)
    up, down = dst // g, src // g
    cutoff = min(1.0, up / down) * 0.92
    half = math.ceil(zeros / cutoff)
    tables = []
    for phase in range(up):
        taps = []
        for j in range(-half + 1, half + 1):
            x = j - phase / up
            window = 0.5 + 0.5 * math.cos(math.pi * x / half)
            taps.append(window * (math.sin(math.pi * cutoff * x) / (math.pi * x) if x else cutoff))
        total = sum(taps)
        tables.append(tuple(t / total for t in taps))
    return up, down, half, tuple(tables)


def resample(samples: array[int], src: int, dst: int) -> array[int]:
    """16-bit samples from `src` Hz to `dst` Hz (rational polyphase, 8 zero crossings of a Hann-windowed sinc)."""
    if src == dst or not samples:
        return array("h", samples)
    up, down, half, tables = _kernels(src, dst)
    width = 2 * half
    padded = [0] * half + list(samples) + [0] * (half + down)
    count = len(samples) * up // down
    # Output n = k·up + r reads from input k·down + (r·down)//up with filter (r·down) % up: no division per sample.
    plan = [((r * down) // up + 1, tables[(r * down) % up]) for r in range(up)]
    out: list[float] = []
    append, mul = out.append, operator.mul
    for base in range(0, (count // up + 1) * down, down):
        for offset, table in plan:
            start = base + offset
            append(sum(map(mul, padded[start : start + width], table)))
    del out[count:]
    return array("h", [-32768 if v < -32768 else 32767 if v > 32767 else int(v) for v in out])  # int: within 1 LSB


# --- eSpeak NG through ctypes -------------------------------------------------------------------

_AUDIO_OUTPUT_RETRIEVAL = 1  # the samples come to our callback; eSpeak plays nothing
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class ESpeak:
    """libespeak-ng as the `espeakng-loader` wheel ships it. Use from one thread at a time (`speak` locks)."""

    def __init__(self) -> None:
        import espeakng_loader  # here, so the tone works where the wheel is missing

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self.rate = lib.espeak_Initialize(_AUDIO_OUTPUT_RETRIEVAL, 0, espeakng_loader.get_data_path().encode(), 0)
        if self.rate <= 0:
            raise OSError(f"espeak_Initialize failed ({self.rate})")
        self._chunks: list[bytes] = []
        self._callback = _SYNTH_CALLBACK(self._collect)  # kept referenced: eSpeak holds the pointer
        lib.espeak_SetSynthCallback(self._callback)
        self._lib = lib
        self._lock = threading.Lock()
        # The languages it has a voice for: the files under espeak-ng-data/lang/ are named by their codes.
        self.languages = frozenset(
            p.name for p in Path(espeakng_loader.get_data_path(), "lang").rglob("*") if p.is_file()
        )

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 = go on

    def speak(self, text: str, *, language: str = "en", variant: str = "", speed: float = 1.0) -> array[int]:
        """The text spoken in `language` (English where eSpeak has no such voice), as samples at `self.rate`."""
        voice = language if language in self.languages else "en"
        with self._lock:
            self._lib.espeak_SetVoiceByName(f"{voice}+{variant}".encode() if variant else voice.encode())
            self._lib.espeak_SetParameter(_ESPEAK_RATE, round(WORDS_PER_MINUTE * speed), 0)
            self._chunks = []
            data = text.encode()
            self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            self._lib.espeak_Synchronize()
            samples = array("h")
            samples.frombytes(b"".join(self._chunks))
            self._chunks = []
        return samples  # native byte order, like every sample array here


_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")
_engine: ESpeak | None = None
_engine_failed = False
_engine_lock = threading.Lock()


def engine() -> ESpeak | None:
    """The one eSpeak instance, loaded on first use; None (and one warning) if the library cannot load."""
    global _engine, _engine_failed
    with _engine_lock:
        if _engine is None and not _engine_failed:
            try:
                _engine = ESpeak()
            except (ImportError, OSError) as exc:
                _engine_failed = True
                log.warning("eSpeak NG is not available (%s); the simulator speaks with a tone", exc)
    return _engine


@lru_cache(maxsize=32)  # about 500 KB a reply of 10 s; the demo repeats far fewer phrases
def speech_samples(text: str, language: str, variant: str, speed: float, rate: int) -> array[int] | None:
    """The reply spoken and resampled to `rate`, at most 30 s; None without eSpeak. Cached: phrases repeat."""
    espeak = engine()
    if espeak is None:
        return None
    samples = resample(
        espeak.speak(spoken_text(text, language), language=language, variant=variant, speed=speed), espeak.rate, rate
    )
    limit = MAX_SPEECH_MS * rate // 1000
    if len(samples) > limit:  # cut, fading out over 20 ms rather than with a click
        samples = samples[:limit]
        fade = rate // 50
        for i in range(fade):
            samples[limit - fade + i] = samples[limit - fade + i] * (fade - i) // fade
    return samples


async def render(
    text: str, *, kind: VoiceKind, fmt: Any, language: str = "en", voice: Any = "", speed: Any = 1.0
) -> Speech:
    """The audio of one reply, synthesised on the eSpeak worker thread (the tone needs no work)."""
    if kind == "espeak" and text.strip():
        rate = PCM_RATE if format_type(fmt) == "audio/pcm" else G711_RATE
        variant = VARIANTS.get(voice, "") if isinstance(voice, str) else ""
        pace = float(speed) if isinstance(speed, (int, float)) and not isinstance(speed, bool) else 1.0
        loop = asyncio.get_running_loop()
        samples = await loop.run_in_executor(_worker, speech_samples, text, language, variant, pace, rate)
        if samples is not None:
            total_ms = max(50, math.ceil(len(samples) * 1000 / rate / 50) * 50)
            return Speech(fmt, total_ms, samples, rate)
    return Speech(fmt, tone_ms(text))
