"""Browser fixtures: Debian's Chromium driven by Playwright (sync API), with a fake microphone that plays a
WAV spoken by espeak-ng at test time. Missing system packages fail the tests (``make test`` installs them)."""

from __future__ import annotations

import array
import shutil
import subprocess
import sys
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
PHRASE = "what is your cheapest product"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
FAKE_RATE = 48000
LEAD_SILENCE_S = 2.0  # the fake device loops the file: speech every ~6 s, separated by silence
TRAIL_SILENCE_S = 2.5
PEAK = 20000  # of 32767: well above the simulator's VAD threshold (RMS > 500)


def _require(path_or_name: str, package: str) -> str:
    found = shutil.which(path_or_name)
    if not found:
        pytest.fail(
            f"{path_or_name} is missing: install the Debian package {package!r} "
            f"(make system-packages, or apt-get install {package})",
            pytrace=False,
        )
    return found


def _to_fake_mic_wav(source: Path, target: Path) -> None:
    """Any mono/stereo 16-bit WAV → 48 kHz 16-bit mono PCM, normalised, with silence before and after."""
    with wave.open(str(source), "rb") as reader:
        channels, width, rate = reader.getnchannels(), reader.getsampwidth(), reader.getframerate()
        raw = reader.readframes(reader.getnframes())
    if width != 2:
        raise AssertionError(f"espeak-ng wrote {8 * width}-bit samples; expected 16-bit")
    samples = array.array("h", raw)
    if sys.byteorder == "big":
        samples.byteswap()
    if channels > 1:
        samples = array.array("h", samples[::channels])
    peak = max((abs(s) for s in samples), default=0) or 1
    gain = PEAK / peak
    # Linear interpolation resampling: plenty for an energy VAD.
    count = int(len(samples) * FAKE_RATE / rate)
    step = rate / FAKE_RATE
    last = len(samples) - 1
    out = array.array("h", bytes(2 * int(LEAD_SILENCE_S * FAKE_RATE)))
    for index in range(count):
        position = index * step
        left = int(position)
        right = min(left + 1, last)
        fraction = position - left
        value = (samples[left] * (1 - fraction) + samples[right] * fraction) * gain
        out.append(max(-32768, min(32767, int(value))))
    out.extend(array.array("h", bytes(2 * int(TRAIL_SILENCE_S * FAKE_RATE))))
    if sys.byteorder == "big":
        out.byteswap()
    with wave.open(str(target), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(FAKE_RATE)
        writer.writeframes(out.tobytes())


@pytest.fixture(autouse=True)
def _fast_passwords() -> None:
    """Keep the default password hashers: the demo login is checked by the live server, a separate process
    that knows nothing of the test factories' MD5 hasher."""


@pytest.fixture(scope="session")
def phrase() -> str:
    """What the fake microphone says, and what the tests type."""
    return PHRASE


@pytest.fixture(scope="session")
def fake_mic_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The phrase spoken by espeak-ng, as Chromium's fake capture device wants it."""
    espeak = _require("espeak-ng", "espeak-ng")
    folder = tmp_path_factory.mktemp("fake-mic")
    spoken = folder / "espeak.wav"
    subprocess.run([espeak, "-w", str(spoken), PHRASE], check=True, capture_output=True, timeout=30)
    target = folder / "phrase-48k.wav"
    _to_fake_mic_wav(spoken, target)
    return target


@pytest.fixture
def chromium_browser(fake_mic_wav: Path, demo_live: Any) -> Iterator[Any]:
    """A headless Chromium (a fresh temporary profile), fake microphone, autoplay allowed.

    Playwright's sync API keeps an event loop running in this thread while it is open, and Django refuses
    database calls then; so the browser starts after the live server (and its seeding) and closes before
    the test database is flushed."""
    if not Path(CHROMIUM).exists():
        _require(CHROMIUM, "chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={fake_mic_wav}",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshots() -> Path:
    """build/screenshots/, overwritten on every run; `make screenshots` copies them into docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
