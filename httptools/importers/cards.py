"""Which card an imported operation should show, guessed from its success response's JSON schema."""

from __future__ import annotations

from typing import Any

TITLE_KEYS = {"name", "title", "label", "headline"}
IMAGE_KEYS = {"image", "image_url", "images", "photo", "thumbnail", "url", "src"}


def ok_response_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema of the operation's 200 or 201 response, refs already resolved."""
    responses = operation.get("responses") or {}
    ok = next((responses[c] for c in ("200", "201", 200, 201) if c in responses), None)
    if not isinstance(ok, dict):
        return None
    content = ok.get("content") or {}
    schema = next((v.get("schema") for k, v in content.items() if "json" in k and isinstance(v, dict)), None)
    return schema if isinstance(schema, dict) else None


def _for_items(items: Any, path: str) -> tuple[str, dict[str, Any], str]:
    if not isinstance(items, dict):
        return "table", {"rows": path}, "a list"
    if items.get("type") == "string":
        if items.get("format") in {"uri", "url", "uri-reference"}:
            return "gallery", {"images": path}, "a list of links to pictures"
        return "list", {"items": path}, "a list of texts"
    names = set((items.get("properties") or {}).keys())
    if names & TITLE_KEYS:
        return "list", {"items": path}, "items with a name or title"
    if names and names <= IMAGE_KEYS | {"caption", "alt", "width", "height"}:
        return "gallery", {"images": path}, "pictures"
    return "table", {"rows": path}, "rows of fields"


def card_proposal(operation: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
    """(card name, visual props, a note saying why), or ("", {}, "") when the response says nothing useful."""
    schema = ok_response_schema(operation)
    if schema is None:
        return "", {}, ""
    kind = schema.get("type")
    if kind == "array" or "items" in schema:
        card, props, why = _for_items(schema.get("items"), "$")
        return card, props, f"Proposed the {card} card: the response is {why}."
    properties = schema.get("properties") or {}
    if kind not in (None, "object") or not properties:
        return "", {}, ""
    arrays = [k for k, v in properties.items() if isinstance(v, dict) and v.get("type") == "array"]
    if len(arrays) == 1:
        card, props, why = _for_items(properties[arrays[0]].get("items"), arrays[0])
        return card, props, f"Proposed the {card} card: {arrays[0]!r} in the response holds {why}."
    return "details", {"details": "$"}, "Proposed the details card: the response is one object."
