"""The audio hot path's shape check: exactly the regex's answer (the definition), on any string."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from agents.protocol import APPEND_PREFIX, APPEND_WIRE, is_append_wire

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
# Mostly base64, with the characters that could break out of the string or the shape.
AUDIO = st.text(alphabet=st.sampled_from(ALPHABET + '"\\}{ \n\x00é=:,'), max_size=40)


@given(AUDIO, st.sampled_from(['"}', '"} ', '"', "}", '""}', '"}}']))
def test_it_agrees_with_the_regex_on_any_audio_and_ending(audio: str, ending: str) -> None:
    raw = APPEND_PREFIX + audio + ending
    assert is_append_wire(raw) == bool(APPEND_WIRE.fullmatch(raw))


@given(st.text(max_size=80))
def test_it_agrees_with_the_regex_on_any_text(raw: str) -> None:
    assert is_append_wire(raw) == bool(APPEND_WIRE.fullmatch(raw))


def test_the_widgets_frame_is_the_hot_path_and_near_misses_are_not() -> None:
    audio = base64.b64encode(bytes(2880)).decode()
    assert is_append_wire(APPEND_PREFIX + audio + '"}')
    assert not is_append_wire(APPEND_PREFIX + "}")  # the prefix's own quote is not the closing one
    assert not is_append_wire(APPEND_PREFIX + audio + '","type":"session.update"}')
    assert not is_append_wire(APPEND_PREFIX + "AA=A" + '"}') and not is_append_wire(APPEND_PREFIX + "A===" + '"}')
