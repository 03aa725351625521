"""What every importer produces (a `Proposal` for staff to review) and the helpers the importers share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


class ImportProblem(Exception):
    """The input cannot be imported; the message is for staff."""


@dataclass
class Proposal:
    """One proposed descriptor (the data for `services.descriptor_build`) plus notes for the reviewer."""

    key: str
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def snake_case(text: str) -> str:
    """A tool name from an operationId or a path: snake_case, starting with a letter, at most 64 characters."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    if not text or not text[0].isalpha():
        text = "op_" + text
    return text[:64].rstrip("_")


def safe_slot_name(name: str) -> str:
    """A parameter name as a template slot: letters, digits and _ only."""
    slot = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return slot if slot and (slot[0].isalpha() or slot[0] == "_") else f"p_{slot}"


def effect_for(method: str) -> str:
    """GET reads, DELETE cannot be undone, everything else writes."""
    return {"GET": "read", "DELETE": "irreversible"}.get(method.upper(), "write")


def split_base_url(url: str) -> tuple[str, str]:
    """(scheme://host[:port], path prefix) from a server or request URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImportProblem(f"{url!r} is not an absolute http(s) URL.")
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


def closed_schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """An arguments schema the model cannot add to (`additionalProperties: false`)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = sorted(set(required))
    return schema
