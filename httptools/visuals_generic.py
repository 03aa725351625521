"""Generic cards any tenant's tool can show without code: a list, key-value details and an image gallery.

They are ordinary registry entries (see visuals.py), kept in their own module; `HttptoolsConfig.ready`
adds them to VISUALS when Django starts, before any tool runs or page renders.
"""

from __future__ import annotations

from typing import Any

from httptools.visuals import MAX_ROWS, VISUALS, Visual, first_image, safe_url, text

MAX_DETAILS = 16
MAX_IMAGES = 24
TITLE_KEYS = ("name", "title", "label", "headline")
SUBTITLE_KEYS = ("description", "summary", "subtitle", "snippet", "excerpt")


def _pick(item: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((item[k] for k in keys if item.get(k) not in (None, "", [])), None)


def _list(props: dict[str, Any]) -> dict[str, Any]:
    items = []
    for raw in props["items"][:MAX_ROWS]:
        item = raw if isinstance(raw, dict) else {"name": raw}
        title = text(_pick(item, TITLE_KEYS), 140)
        items.append(
            {
                "title": title or text(item, 140),
                "subtitle": text(_pick(item, SUBTITLE_KEYS), 240),
                "image": first_image(item),
                "url": safe_url(item.get("url") or item.get("link")),
            }
        )
    return {"title": text(props.get("title"), 120), "items": items}


def _label(key: str) -> str:
    return text(key.replace("_", " ").replace("-", " ").strip().capitalize(), 60)


def _details(props: dict[str, Any]) -> dict[str, Any]:
    source = props["details"]
    wanted = [k for k in (props.get("fields") or []) if isinstance(k, str)]
    keys = wanted or [k for k in source if not (k in {"id", "_id"} or k.endswith("_id"))]
    rows = []
    for key in keys[:MAX_DETAILS]:
        value = source.get(key)
        if value in (None, "", []) or isinstance(value, dict):
            continue
        url = safe_url(value) if isinstance(value, str) else None
        shown = ", ".join(text(v, 60) for v in value) if isinstance(value, list) else text(value, 240)
        rows.append({"label": _label(key), "value": text(shown, 240), "url": url})
    title = props.get("title") or _pick(source, TITLE_KEYS)
    return {"title": text(title, 140), "image": first_image(source), "rows": rows}


def _gallery(props: dict[str, Any]) -> dict[str, Any]:
    images = []
    for raw in props["images"][:MAX_IMAGES]:
        item = raw if isinstance(raw, dict) else {"url": raw}
        url = safe_url(item.get("url") or item.get("src") or item.get("image") or item.get("image_url"))
        if url:
            caption = text(_pick(item, ("caption", "title", "name", "alt")), 120)
            images.append({"url": url, "caption": caption})
    return {"title": text(props.get("title"), 120), "images": images}


GENERIC_VISUALS = [
    Visual(
        name="list",
        description="A list of items, each with a title, a short line, an optional picture and the buttons its "
        "tool declares.",
        props_schema={
            "type": "object",
            "required": ["items"],
            "properties": {"title": {"type": "string"}, "items": {"type": "array"}},
        },
        template="httptools/visuals/list.html",
        prepare=_list,
        items="items",
    ),
    Visual(
        name="details",
        description="The details of one thing as labelled values (like a spec sheet or an order status).",
        props_schema={
            "type": "object",
            "required": ["details"],
            "properties": {
                "title": {"type": "string"},
                "details": {"type": "object", "description": 'The object to show, e.g. {"details": "$"}.'},
                "fields": {"type": "array", "items": {"type": "string"}},
            },
        },
        template="httptools/visuals/details.html",
        prepare=_details,
    ),
    Visual(
        name="gallery",
        description="A gallery of pictures with captions.",
        props_schema={
            "type": "object",
            "required": ["images"],
            "properties": {
                "title": {"type": "string"},
                "images": {"type": "array", "items": {"type": ["string", "object"]}},
            },
        },
        template="httptools/visuals/gallery.html",
        prepare=_gallery,
    ),
]


def generic_visuals_register() -> None:
    """Add the generic cards to the registry (called once by `HttptoolsConfig.ready`)."""
    for visual in GENERIC_VISUALS:
        VISUALS.setdefault(visual.name, visual)
