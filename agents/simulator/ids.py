"""Unique, correctly prefixed ids in the style of the OpenAI Realtime API."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 22) -> str:
    """Return ``<prefix>_<random base62>``, e.g. ``event_Ct1OVa…``."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def obfuscation(payload_len: int) -> str:
    """Random padding like the GA `obfuscation` field (hides delta lengths)."""
    pad = max(4, 16 - payload_len % 16)
    return "".join(secrets.choice(_ALPHABET) for _ in range(pad))
