"""What the model gets from a response: bounded text, the card's props, and the `ToolResult`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from httptools.card_actions import Offer
from httptools.executor.rendering import MISSING
from httptools.executor.transport import Exchange
from httptools.models import HttpTool
from httptools.visuals import VisualError, render_card

UNAVAILABLE = "The tool is unavailable right now."


@dataclass
class ToolResult:
    """One call's outcome: `output` is the text for the model; status and error_class are for tool_logs."""

    ok: bool
    output: str
    visual: str | None = None
    props: dict[str, Any] | None = None
    html: str | None = None
    status: str = "ok"
    http_status: int | None = None
    latency_ms: float = 0.0
    error_class: str | None = None
    response_bytes: int = 0
    offers: list[Offer] = field(default_factory=list)  # the card's buttons, the only clicks the session takes


def tool_failure(
    status: str, error_class: str, output: str = UNAVAILABLE, http_status: int | None = None
) -> ToolResult:
    """A failed result; the model is told `output`, the uniform unavailable text unless a stage says more."""
    return ToolResult(ok=False, output=output, status=status, error_class=error_class, http_status=http_status)


def _error_text(data: Any) -> str:
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str):
                return " ".join(value.split())[:200]
    return ""


def exchange_result(tool: HttpTool, exchange: Exchange, language: str | None = None) -> ToolResult:
    """The result of a completed exchange: 2xx mapped (and its card rendered, its fixed texts in `language`),
    4xx with the API's short message, anything else the uniform unavailable text."""
    status, size = exchange.status, len(exchange.body)
    if 200 <= status < 300:
        output = (
            response_map(tool.response_mapping or {}, exchange.data)
            if exchange.body.strip()
            else f"Done (HTTP {status}, no content)."
        )
        result = ToolResult(ok=True, output=output, status="ok", http_status=status, response_bytes=size)
        if tool.visual:
            props = props_map(tool.visual_props or {}, exchange.data)
            try:
                result.html, result.offers = render_card(tool.visual, props, tool.card_actions, language)
                result.visual, result.props = tool.visual, props
            except VisualError:
                result.error_class = "visual_invalid"  # the call worked; only the card is skipped
        return result
    if 400 <= status < 500:
        detail = _error_text(exchange.data)
        output = f"The service refused the request (HTTP {status})." + (f" It said: {detail}" if detail else "")
        failure = tool_failure("http_error", f"http_{status}", output, http_status=status)
    else:
        failure = tool_failure("unavailable", f"http_{status}", http_status=status)
    failure.response_bytes = size
    return failure


def path_get(data: Any, path: str) -> Any:
    """Follow a dotted path (`results.0.name`); digits index lists; `$` is the whole value; MISSING if absent."""
    if path in ("$", ""):
        return data
    if path.startswith("$."):
        path = path[2:]
    current = data
    for part in path.split("."):
        if isinstance(current, list) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return MISSING
            current = current[index]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return MISSING
    return current


def _pick(item: Any, fields: list[str] | None) -> Any:
    if not fields or not isinstance(item, dict | list):
        return item
    picked = {}
    for name in fields:
        value = path_get(item, name)
        if value is not MISSING:
            picked[name] = value
    return picked


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def response_map(mapping: Mapping[str, Any], data: Any) -> str:
    """The bounded text the model gets: picked fields, at most `max_items` items and `max_chars` characters."""
    max_items = int(mapping.get("max_items") or 5)
    max_chars = int(mapping.get("max_chars") or 2000)
    fields = mapping.get("fields") or None
    if isinstance(data, str):
        text = " ".join(data.split())
        return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
    items_path = mapping.get("items")
    items: Any = path_get(data, items_path) if items_path else (data if isinstance(data, list) else None)
    if items_path and not isinstance(items, list):
        items = []
    if items is None:
        text = _dump(_pick(data, fields))
    else:
        shown = [_pick(item, fields) for item in items[:max_items]]
        while True:
            payload: dict[str, Any] = {"count": len(items), "items": shown}
            if len(shown) < len(items):
                payload["note"] = f"showing {len(shown)} of {len(items)}"
            text = _dump(payload)
            if len(text) <= max_chars or len(shown) <= 1:
                break
            shown = shown[:-1]  # drop whole items before cutting text, so the JSON stays readable
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def props_map(visual_props: Mapping[str, str], data: Any) -> dict[str, Any]:
    if not visual_props:
        return dict(data) if isinstance(data, dict) else {}
    props = {}
    for prop, path in visual_props.items():
        value = path_get(data, path)
        if value is not MISSING:
            props[prop] = value
    return props
