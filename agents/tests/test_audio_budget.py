"""The audio budget: a visitor's input audio is bounded to real time plus a small burst (a fake clock)."""

from __future__ import annotations

import tracemalloc

from agents.audio_budget import (
    ACCEPT,
    BURST_SECONDS,
    CLOSE,
    DROP,
    REFUSE,
    AudioBudget,
    audio_budget_for,
    chars_per_second,
)

PCM = {"type": "audio/pcm", "rate": 24000}
RATE = chars_per_second(PCM)  # base64 characters per second of PCM16 24 kHz
CHUNK_100MS = int(RATE / 10)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pcm16_at_24_khz_is_64000_base64_characters_a_second() -> None:
    assert RATE == 64000
    assert chars_per_second({"type": "audio/pcmu"}) == 8000 * 4 / 3


def test_real_time_audio_is_always_accepted() -> None:
    clock = Clock()
    budget = AudioBudget(chars_per_second=RATE, clock=clock)
    for _ in range(6000):  # ten minutes of 100 ms appends, each on time
        clock.now += 0.1
        assert budget.take(CHUNK_100MS) == ACCEPT


def test_a_burst_is_accepted_then_audio_past_real_time_is_refused_once_a_second_then_closed() -> None:
    clock = Clock()
    budget = AudioBudget(chars_per_second=RATE, clock=clock)
    verdicts = []
    for _ in range(5000):  # the attack: 100 ms appends every 2 ms, for 10 s
        clock.now += 0.002
        verdicts.append(budget.take(CHUNK_100MS))
        if verdicts[-1] == CLOSE:
            break
    accepted = verdicts.count(ACCEPT)
    # The burst plus what real time refilled, not 500 s of audio.
    assert accepted * 0.1 <= BURST_SECONDS + clock.now - 1000.0 + 0.1
    first_refusal = next(v for v in verdicts if v != ACCEPT)
    assert first_refusal == REFUSE and verdicts.count(REFUSE) == 1 and DROP in verdicts
    assert verdicts[-1] == CLOSE and clock.now - 1000.0 < 1.0


def test_a_hiccup_now_and_then_never_adds_up_to_a_close() -> None:
    clock = Clock()
    budget = AudioBudget(chars_per_second=RATE, clock=clock)
    for _ in range(20):  # every minute, a stalled network flushes 5 s of audio at once
        clock.now += 60
        verdicts = [budget.take(CHUNK_100MS) for _ in range(50)]
        assert CLOSE not in verdicts and REFUSE in verdicts


def test_taking_allocates_nothing_that_stays() -> None:
    clock = Clock()
    budget = AudioBudget(chars_per_second=RATE, clock=clock)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for _ in range(100_000):
        clock.now += 0.0001
        budget.take(CHUNK_100MS)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename") if "audio_budget" in str(stat))
    assert grown < 1024  # a few live floats at the snapshot, not one object per frame


def test_the_budget_follows_the_sessions_input_format_and_speed_limit() -> None:
    config = {"audio": {"input": {"format": PCM}}}
    clock = Clock()
    for speed_limit, refused in ((1.0, True), (3.0, False)):
        budget = audio_budget_for(config, speed_limit=speed_limit, clock=clock)
        verdicts = []
        for _ in range(600):  # a minute of audio at twice real time
            clock.now += 0.05
            verdicts.append(budget.take(CHUNK_100MS))
        assert (REFUSE in verdicts) is refused
