"""The simulator speaks: its replies are eSpeak NG speech (from the espeakng-loader wheel) in the agent's language,
PCM16 24 kHz (or G.711 at 8 kHz), as long as the words take to say, streamed in the same 100 ms deltas as the
tone was; and speech fed back as a microphone passes its voice detector. Real library, real sockets."""

from __future__ import annotations

import asyncio
import base64
import itertools
import math
import statistics
from array import array
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect

from agents.simulator import RealtimeSimulator
from agents.simulator.audio import _ULAW_TABLE, PCM_RATE, tone_samples
from agents.simulator.phrases import say
from agents.simulator.speech import engine, render, resample, speech_samples, spoken_text, tone_ms
from tests.support.realtime_client import RealtimeTestClient, done, silence

# Simulator servers and no SQL model: the PostgreSQL pass runs them.
pytestmark = pytest.mark.slow

SHORT = "Hello! How can I help you today?"
LONG = (
    "I found 8 products: Trail Runner Shoes at 89.00 EUR, Merino Running Socks at 19.90 EUR and "
    "Storm Shell Jacket at 149.00 EUR. The cards show all of them."
)


def sine_at(rate: int, freq: float, seconds: float = 1.0, amplitude: int = 10000) -> array[int]:
    return array("h", (int(amplitude * math.sin(2 * math.pi * freq * n / rate)) for n in range(int(rate * seconds))))


def zero_crossings(samples: array[int]) -> int:
    return sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))


def frame_features(samples: array[int], rate: int = PCM_RATE) -> tuple[list[float], list[int]]:
    """Per 20 ms frame: RMS, and zero crossings of the frames that are not silent."""
    size = rate // 50
    frames = [samples[i : i + size] for i in range(0, len(samples) - size, size)]
    levels = [math.sqrt(sum(s * s for s in f) / size) for f in frames]
    crossings = [zero_crossings(f) for f, level in zip(frames, levels, strict=True) if level > 300]
    return levels, crossings


def test_the_resampler_keeps_what_is_heard_and_filters_what_would_alias() -> None:
    up = resample(sine_at(22050, 1000), 22050, PCM_RATE)
    assert len(up) == PCM_RATE
    inner = up[200:-200]
    assert 9900 <= max(inner) <= 10100 and -10100 <= min(inner) <= -9900  # 1 kHz passes at full level
    assert abs(zero_crossings(up) - 2000) <= 2  # and keeps its pitch
    # Down to G.711's 8 kHz: 1 kHz passes, 6 kHz (above the new 4 kHz Nyquist) is filtered, not folded to 2 kHz.
    assert max(resample(sine_at(22050, 1000), 22050, 8000)[100:-100]) > 9000
    assert max(resample(sine_at(22050, 6000), 22050, 8000)[100:-100]) < 200


def test_replies_are_speech_not_a_tone_and_last_as_long_as_their_words() -> None:
    assert engine() is not None, "libespeak-ng from the espeakng-loader wheel must load"
    short = speech_samples(SHORT, "en", "", 1.0, PCM_RATE)
    long = speech_samples(LONG, "en", "", 1.0, PCM_RATE)
    assert short is not None and long is not None
    assert 1.0 < len(short) / PCM_RATE < 4.0
    assert len(long) > 3 * len(short)  # four times the words, several times the time
    tone = tone_samples(0, 3000, 3000)
    speech_levels, speech_zc = frame_features(long)
    _, tone_zc = frame_features(tone)
    # Speech has pauses between words and a loudness that varies; the tone's syllables follow one envelope.
    assert sum(1 for level in speech_levels if level < 100) >= 10
    assert statistics.pstdev(speech_levels) / statistics.mean(speech_levels) > 0.6
    # Voiced vowels and hissing consonants: zero crossings per frame spread widely; the tone's four pitches do not.
    assert max(speech_zc) - min(speech_zc) > 40 and statistics.pstdev(speech_zc) > 8
    assert max(tone_zc) - min(tone_zc) <= 6
    assert speech_samples(SHORT, "en", "", 1.0, PCM_RATE) is short  # cached: the demo repeats its phrases


def test_each_language_gets_its_own_voice_and_prices_are_read_as_words() -> None:
    german = say("de", "greeting")
    in_german = speech_samples(german, "de", "", 1.0, PCM_RATE)
    in_english = speech_samples(german, "en", "", 1.0, PCM_RATE)
    fallback = speech_samples(german, "xx", "", 1.0, PCM_RATE)  # no such voice: English
    assert in_german is not None and in_english is not None and fallback is not None
    # The German voice reads German words its own way; English reads them letter by letter, longer.
    # (eSpeak's pitch flutter runs on from one utterance to the next: the same text differs by a few samples.)
    assert len(in_english) > 1.05 * len(in_german)
    assert abs(len(fallback) - len(in_english)) < 0.01 * len(in_english)
    assert spoken_text("Socks at 19.90 EUR, shoes at 89.00 EUR", "en") == "Socks at 19.90 euros, shoes at 89 euros"
    assert spoken_text("Socken für 19,90 EUR", "de") == "Socken für 19,90 Euro"


@pytest.mark.asyncio
async def test_renders_in_parallel_give_what_one_at_a_time_gives() -> None:
    """eSpeak is not thread-safe: renders from many responses at once queue on its one worker."""
    texts = [f"Order number {n} is received." for n in range(4)]
    fmt = {"type": "audio/pcm", "rate": 24000}
    together = await asyncio.gather(*(render(t, kind="espeak", fmt=fmt) for t in texts))
    alone = [speech_samples(t, "en", "", 1.0, PCM_RATE) for t in texts]
    assert [s.samples for s in together] == alone
    assert (await render("Hi", kind="tone", fmt=fmt)).total_ms == tone_ms("Hi")


@pytest_asyncio.fixture
async def speaking() -> AsyncIterator[RealtimeTestClient]:
    simulator = RealtimeSimulator(audio_realtime_factor=0, voice="espeak")
    await simulator.start()
    ws = await connect(f"{simulator.url}?model=gpt-realtime", additional_headers={"Authorization": "Bearer k"})
    client = RealtimeTestClient(ws)
    assert (await client.recv())["type"] == "session.created"
    yield client
    await ws.close()
    await simulator.stop()


@pytest.mark.asyncio
async def test_a_german_agent_answers_in_german_speech_streamed_in_100_ms_deltas(
    speaking: RealtimeTestClient,
) -> None:
    # What the platform sends for an agent whose language is de (agents/plans.py).
    config = {
        "type": "realtime",
        "instructions": "You are the shop's assistant.\n\n# Language\nSpeak de unless the visitor uses another.",
        "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe", "language": "de"}}},
    }
    await speaking.send(type="session.update", session=config)
    await speaking.until("session.updated")
    events = await speaking.say("Erzähl mir einen Witz")
    transcript = "".join(e["delta"] for e in events if e["type"] == "response.output_audio_transcript.delta")
    assert transcript.startswith("Ich bin die Offline-Demo")
    chunks = [base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta"]
    assert all(len(c) == 100 * 48 for c in chunks[:-1]) and 0 < len(chunks[-1]) <= 100 * 48
    pcm = array("h")
    pcm.frombytes(b"".join(chunks))
    spoken = speech_samples(transcript, "de", "", 1.0, PCM_RATE)
    assert spoken is not None
    assert pcm[: len(spoken)] == spoken and not any(pcm[len(spoken) :])  # that speech, then silence to 50 ms
    audio_ms = len(pcm) * 1000 // PCM_RATE
    assert audio_ms == math.ceil(len(spoken) * 1000 / PCM_RATE / 50) * 50  # as long as the speech takes
    assert audio_ms != tone_ms(transcript)  # not 60 ms a character
    assert done(events)["usage"]["output_token_details"]["audio_tokens"] == audio_ms // 50

    item_id = done(events)["output"][0]["id"]
    await speaking.send(type="conversation.item.retrieve", item_id=item_id)
    retrieved = (await speaking.until("conversation.item.retrieved"))[-1]["item"]
    assert base64.b64decode(retrieved["content"][0]["audio"]) == b"".join(chunks)  # the same speech, kept


@pytest.mark.asyncio
async def test_g711_sessions_get_speech_at_8_khz(speaking: RealtimeTestClient) -> None:
    pcmu = {"type": "audio/pcmu"}
    await speaking.send(type="session.update", session={"type": "realtime", "audio": {"output": {"format": pcmu}}})
    await speaking.until("session.updated")
    events = await speaking.say("Tell me a joke")
    ulaw = b"".join(base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta")
    audio_ms = done(events)["usage"]["output_token_details"]["audio_tokens"] * 50
    assert len(ulaw) == audio_ms * 8
    decoded = array("h", (_ULAW_TABLE[b] for b in ulaw))
    levels, crossings = frame_features(decoded, 8000)
    assert max(levels) > 2000 and statistics.pstdev(crossings) > 3  # speech, not silence or a tone


@pytest.mark.asyncio
async def test_speech_fed_back_as_a_microphone_is_one_turn_for_the_voice_detector(
    speaking: RealtimeTestClient,
) -> None:
    """What the browser tests' fake microphone does with espeak-ng: a spoken phrase between silences."""
    phrase = speech_samples("what is your cheapest product", "en", "", 1.0, PCM_RATE)
    assert phrase is not None
    config = {
        "type": "realtime",
        "audio": {"input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 500}}},
    }
    await speaking.send(type="session.update", session=config)
    await speaking.until("session.updated")
    await speaking.append(silence(500) + phrase.tobytes() + silence(1000))
    started = (await speaking.until("input_audio_buffer.speech_started"))[-1]
    stopped = (await speaking.until("input_audio_buffer.speech_stopped"))[-1]
    heard_ms = stopped["audio_end_ms"] - started["audio_start_ms"]
    phrase_ms = len(phrase) * 1000 // PCM_RATE
    assert phrase_ms <= heard_ms <= phrase_ms + 300 + 500 + 100  # the phrase, padding and closing silence
    events = await speaking.until("response.done")
    transcript = "".join(e["delta"] for e in events if e["type"] == "response.output_audio_transcript.delta")
    assert transcript == say("en", "speech_honest")
