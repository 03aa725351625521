"""The visuals registry: every card the widget can show, defined once (name, model guidance, props schema,
autoescaped template). Adding a visual means adding one `Visual(...)` entry below and its template.

A card's buttons are the actions its tool's descriptor declares (`card_actions`, see card_actions.py): each
item of a list card (a product, a speaker) gets them with that item's values, a card of one object gets them
once. A button carries `data-action` and `data-arguments`; the widget sends them back as `platform.action`,
and never needs to know which visual it shows. Prices are `<data class="va-price">` elements with the amount
and currency, which the widget formats in the tenant's locale.

A card's fixed texts ("In stock", "Order number") are the platform's, marked for translation here and with
`{% translate %}` in the templates, and render in the session agent's language (`render_card(language=…)`);
the tenant's data and its button labels are shown as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import get_template, render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override
from jsonschema import Draft202012Validator

from httptools.card_actions import MARK, Offer, button_context, offers_for

MAX_CARDS = 12
MAX_ROWS = 50
MAX_COLUMNS = 8
MAX_TEXT = 400


class VisualError(Exception):
    """Props that do not fit the visual's schema, or an unknown visual."""


@dataclass(frozen=True)
class Visual:
    name: str
    description: str  # for the model: what the card shows, so it can refer to it instead of reading it out
    props_schema: dict[str, Any]
    template: str
    prepare: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda props: dict(props))
    # The prop holding the card's items, and the template context key of their prepared form (the same name):
    # each item gets its own buttons. Empty: the card shows one object and its buttons once.
    items: str = ""


# Helpers that turn loose API data into safe, short template context.


def safe_url(value: Any) -> str | None:
    """Only http(s) or site-relative URLs reach an href or src; `javascript:` and friends are dropped."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if url.lower().startswith(("https://", "http://")) or (url.startswith("/") and not url.startswith("//")):
        return url if not any(c in url for c in "\r\n\t\"'<> ") else None
    return None


def text(value: Any, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        result = _("yes") if value else _("no")
    elif isinstance(value, str | int | float):
        result = str(value)
    else:
        result = json.dumps(value, ensure_ascii=False, default=str)
    return result if len(result) <= limit else result[: limit - 1] + "…"


def money(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return f"{value:,.2f}"
    return text(value, 40)


CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def currency_code(value: Any) -> str:
    """An ISO 4217 code from the API's data (`EUR`, `eur`), or "" (the widget then uses the tenant's)."""
    code = value.strip().upper() if isinstance(value, str) else ""
    return code if CURRENCY_CODE.match(code) else ""


def amount(value: Any) -> str:
    """A number for `<data value>`, which the widget formats; "" for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return ""
    return f"{value:.2f}"


def price(value: Any, currency: Any = None) -> dict[str, str]:
    """A price for `_price.html`: the server's text, and the amount and ISO code the widget formats with
    Intl.NumberFormat in the tenant's locale (a missing code means the tenant's currency)."""
    shown = money(value)
    code = currency_code(currency)
    return {
        "text": f"{shown} {code or text(currency, 8)}".strip() if shown else "",
        "amount": amount(value),
        "currency": code,
    }


def first_image(item: dict[str, Any]) -> str | None:
    for key in ("image", "image_url", "thumbnail", "photo"):
        if safe_url(item.get(key)):
            return safe_url(item.get(key))
    images = item.get("images")
    if isinstance(images, list):
        for candidate in images:
            if safe_url(candidate):
                return safe_url(candidate)
    return None


def _flatten(props: dict[str, Any], key: str) -> dict[str, Any]:
    """Accept the whole response under one prop (`{"order": "$"}`) as well as props given one by one."""
    nested = props.get(key)
    merged = dict(nested) if isinstance(nested, dict) else {}
    merged.update({k: v for k, v in props.items() if k != key})
    return merged


def _first(item: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if item.get(key) not in (None, "", []):
            return item[key]
    return None


def _joined(value: Any, limit: int = 160) -> str:
    if isinstance(value, list):
        return text(", ".join(text(v, 60) for v in value), limit)
    return text(value, limit)


def _products(props: dict[str, Any]) -> dict[str, Any]:
    cards = []
    for item in props["products"][:MAX_CARDS]:
        name = text(item.get("name"), 120)
        stock = item.get("stock")
        cards.append(
            {
                "name": name,
                "price": price(item.get("price"), item.get("currency") or props.get("currency")),
                "image": first_image(item),
                "url": safe_url(item.get("url")),
                "description": text(item.get("description"), 200),
                "category": text(item.get("category"), 60),
                "options": _joined(item.get("options") or item.get("sizes"), 120),
                "stock": ""
                if stock is None or isinstance(stock, bool)
                else (_("Out of stock") if stock == 0 else _("In stock")),
            }
        )
    return {"title": text(props.get("title"), 120), "products": cards}


def _stats(props: dict[str, Any]) -> dict[str, Any]:
    props = _flatten(props, "stats")
    currency = props.get("currency")
    categories = []
    for c in (_first(props, "categories", "by_category") or [])[:MAX_ROWS]:
        if isinstance(c, dict):
            low = price(_first(c, "min_price", "lowest_price"), currency)
            high = price(_first(c, "max_price", "highest_price"), currency)
            categories.append(
                {
                    "name": text(_first(c, "name", "category"), 60),
                    "count": text(_first(c, "count", "products"), 12),
                    "low": low if low["text"] else high,
                    "high": high if low["text"] and high["text"] and high["text"] != low["text"] else None,
                }
            )
    return {
        "title": text(props.get("title") or _("Catalog"), 120),
        "count": text(_first(props, "count", "total_products"), 12),
        "options": text(_first(props, "options", "total_options"), 12),
        "min_price": price(_first(props, "min_price", "lowest_price"), currency),
        "max_price": price(_first(props, "max_price", "highest_price"), currency),
        "average_price": price(props.get("average_price"), currency),
        "categories": categories,
    }


def _order(props: dict[str, Any]) -> dict[str, Any]:
    props = _flatten(props, "order")
    nested = props.get("product")
    if isinstance(nested, dict):  # an order API may return its product as a record: show its name and picture
        props = {
            **props,
            "product": nested.get("name") or nested.get("id"),
            "image": props.get("image") or nested.get("image"),
        }
        props.setdefault("price", nested.get("price"))
    product = text(_first(props, "product", "product_name", "name", "product_id"), 120)
    placed = bool(props.get("order_id"))
    details = [
        (label, text(props.get(key), 120))
        for key, label in (
            ("option", _("Option")),
            ("size", _("Size")),
            ("quantity", _("Quantity")),
            ("customer_name", _("Name")),
            ("customer_email", _("Email")),
            ("email", _("Email")),
        )
        if props.get(key) not in (None, "")
    ]
    return {
        "product": product,
        "image": safe_url(props.get("image")),
        "price": price(props.get("price"), props.get("currency")),
        "total": price(props.get("total"), props.get("currency")),
        "details": details,
        "order_id": text(props.get("order_id"), 60),
        "status": text(props.get("status") or (_("placed") if placed else _("draft")), 40),
        "placed": placed,
        "message": text(props.get("message"), 300),
    }


def _speakers(props: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for item in props["speakers"][:MAX_ROWS]:
        name = text(item.get("name"), 120)
        rows.append(
            {
                "name": name,
                "title": text(item.get("title") or item.get("role"), 120),
                "company": text(item.get("company") or item.get("organization"), 120),
                "photo": first_image(item),
                "talk": text(item.get("talk") or item.get("session"), 160),
                "topics": _joined(item.get("topics"), 120),
                "bio": text(item.get("bio"), 240),
            }
        )
    return {"title": text(props.get("title") or _("Speakers"), 120), "speakers": rows}


def _event(props: dict[str, Any]) -> dict[str, Any]:
    props = _flatten(props, "event")
    start = text(_first(props, "start_date", "start", "date"), 40)
    end = text(_first(props, "end_date", "end"), 40)
    when = text(props.get("dates"), 80) or (f"{start} – {end}" if start and end and start != end else start)
    tickets = [
        {"name": text(t.get("name"), 60), "price": price(t.get("price"), t.get("currency"))}
        for t in (props.get("tickets") or [])[:8]
        if isinstance(t, dict)
    ]
    return {
        "name": text(props.get("name"), 160),
        "tagline": text(_first(props, "tagline", "description"), 300),
        "when": when,
        "venue": text(props.get("venue"), 160),
        "city": text(", ".join(text(v, 60) for v in (props.get("city"), props.get("country")) if v), 120),
        "address": text(props.get("address"), 200),
        "url": safe_url(_first(props, "url", "website")),
        "image": first_image(props),
        "tracks": _joined(props.get("tracks"), 200),
        "tickets": tickets,
        "price": text(props.get("price") or props.get("ticket_price"), 60),
    }


def _useful_column(key: str, rows: list[Any]) -> bool:
    # Ids mean nothing to a visitor and long text does not fit a cell.
    if key in {"id", "_id"} or key.endswith(("_id", "_ids")):
        return False
    return not any(isinstance(r, dict) and isinstance(r.get(key), str) and len(r[key]) > 120 for r in rows)


def _table(props: dict[str, Any]) -> dict[str, Any]:
    rows_in = props["rows"][:MAX_ROWS]
    keys = [text(c, 60) for c in (props.get("columns") or [])][:MAX_COLUMNS]
    if not keys:
        found: list[str] = []
        for row in rows_in:
            if isinstance(row, dict):
                found.extend(k for k in row if k not in found)
        keys = [k for k in found if _useful_column(k, rows_in)][:MAX_COLUMNS]
    columns = [k.replace("_", " ").capitalize() for k in keys]
    rows = []
    for row in rows_in:
        values = [_joined(row.get(c)) for c in keys] if isinstance(row, dict) else [_joined(c) for c in row]
        cells = [_cell(value, columns[i] if i < len(columns) else "") for i, value in enumerate(values)]
        if cells:
            cells[0]["long"] = False  # the first cell heads the row in the narrow layout, whatever its length
        rows.append(cells)
    return {"title": text(props.get("title"), 120), "columns": columns, "rows": rows}


LONG_CELL = 40  # characters: a sentence (an abstract) rather than a value (a time, a room)


def _cell(value: str, label: str) -> dict[str, Any]:
    """A cell, with what the narrow layout needs: its column's label (left out where the value already says it,
    "Room A" under Room), and whether it is a sentence, shown as its own line instead of a labelled value."""
    return {
        "value": value,
        "label": label,
        "long": len(value) > LONG_CELL,
        "bare": not label or label.lower() in value.lower(),
    }


_item = {"type": "object", "required": ["name"], "properties": {"name": {"type": ["string", "number"]}}}

VISUALS: dict[str, Visual] = {
    v.name: v
    for v in (
        Visual(
            name="product_cards",
            description="Product cards with image, name and price, each with the buttons its tool declares.",
            props_schema={
                "type": "object",
                "required": ["products"],
                "properties": {
                    "title": {"type": "string"},
                    "currency": {"type": "string"},
                    "products": {"type": "array", "items": _item},
                },
            },
            template="httptools/visuals/product_cards.html",
            prepare=_products,
            items="products",
        ),
        Visual(
            name="product_stats",
            description="A summary of the catalog: how many options, lowest and highest price, counts per category.",
            props_schema={
                "type": "object",
                "properties": {
                    "stats": {"type": "object", "description": 'The whole stats response, e.g. {"stats": "$"}.'},
                    "title": {"type": "string"},
                    "count": {"type": ["integer", "number", "string"]},
                    "options": {"type": ["integer", "number", "string"]},
                    "min_price": {"type": ["number", "string", "null"]},
                    "max_price": {"type": ["number", "string", "null"]},
                    "average_price": {"type": ["number", "string", "null"]},
                    "currency": {"type": "string"},
                    "categories": {"type": "array", "items": {"type": "object"}},
                },
            },
            template="httptools/visuals/product_stats.html",
            prepare=_stats,
        ),
        Visual(
            name="order_form",
            description="An order summary: product, size, quantity and total; before the order is placed it shows "
            "the buttons its tool declares, afterwards the order number.",
            props_schema={
                "type": "object",
                "anyOf": [{"required": ["product"]}, {"required": ["order"]}],
                "properties": {
                    "order": {"type": "object", "description": 'The whole order response, e.g. {"order": "$"}.'},
                    "product": {"type": ["string", "number"]},
                    "option": {"type": ["string", "null"]},
                    "customer_email": {"type": ["string", "null"]},
                    "order_id": {"type": ["string", "integer", "null"]},
                    "status": {"type": ["string", "null"]},
                    "quantity": {"type": ["integer", "string", "null"]},
                    "size": {"type": ["string", "number", "null"]},
                    "price": {"type": ["number", "string", "null"]},
                    "total": {"type": ["number", "string", "null"]},
                    "currency": {"type": ["string", "null"]},
                    "image": {"type": ["string", "null"]},
                    "customer_name": {"type": ["string", "null"]},
                    "email": {"type": ["string", "null"]},
                    "message": {"type": ["string", "null"]},
                },
            },
            template="httptools/visuals/order_form.html",
            prepare=_order,
        ),
        Visual(
            name="speaker_list",
            description="A list of speakers with photo, title, company and talk, each with the buttons its tool "
            "declares.",
            props_schema={
                "type": "object",
                "required": ["speakers"],
                "properties": {
                    "title": {"type": "string"},
                    "speakers": {"type": "array", "items": _item},
                },
            },
            template="httptools/visuals/speaker_list.html",
            prepare=_speakers,
            items="speakers",
        ),
        Visual(
            name="event_info",
            description=("The event at a glance: name, dates, venue and city, with the buttons its tool declares."),
            props_schema={
                "type": "object",
                "anyOf": [{"required": ["name"]}, {"required": ["event"]}],
                "properties": {
                    "event": {
                        "type": "object",
                        "required": ["name"],
                        "description": 'The whole event response, e.g. {"event": "$"}.',
                    },
                    "name": {"type": "string"},
                    "tagline": {"type": ["string", "null"]},
                    "dates": {"type": ["string", "null"]},
                    "tickets": {"type": ["array", "null"]},
                    "description": {"type": ["string", "null"]},
                    "start_date": {"type": ["string", "null"]},
                    "end_date": {"type": ["string", "null"]},
                    "venue": {"type": ["string", "null"]},
                    "city": {"type": ["string", "null"]},
                    "address": {"type": ["string", "null"]},
                    "url": {"type": ["string", "null"]},
                },
            },
            template="httptools/visuals/event_info.html",
            prepare=_event,
        ),
        Visual(
            name="table",
            description="A generic table of rows and columns (for schedules, lists and comparisons).",
            props_schema={
                "type": "object",
                "required": ["rows"],
                "properties": {
                    "title": {"type": "string"},
                    "columns": {"type": "array", "items": {"type": "string"}},
                    "rows": {"type": "array", "items": {"type": ["object", "array"]}},
                },
            },
            template="httptools/visuals/table.html",
            prepare=_table,
        ),
    )
}

_validators: dict[str, Draft202012Validator] = {}


def _validator(name: str) -> Draft202012Validator:
    if name not in _validators:
        _validators[name] = Draft202012Validator(VISUALS[name].props_schema)
    return _validators[name]


def props_problems(name: str, props: Any) -> list[str]:
    if name not in VISUALS:
        return [f"Unknown visual {name!r}."]
    if not isinstance(props, dict):
        return ["Props must be a JSON object."]
    if _validator(name).is_valid(props):
        return []  # the common case, without collecting error objects
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(top)'}: {err.message}"
        for err in _validator(name).iter_errors(props)
    ][:5]


def visuals_warm_up() -> None:
    """Compile every card template and props validator now (see `executor.executor_warm_up`)."""
    for name, visual in VISUALS.items():
        get_template(visual.template)
        _validator(name)


def render_visual(name: str, props: dict[str, Any]) -> str:
    """The card as an HTML fragment, without buttons; props are checked against the visual's schema first."""
    return render_card(name, props, [])[0]


def _one_object(props: dict[str, Any]) -> dict[str, Any]:
    """A one-object card's fields for its buttons: the props, with a whole response given as one prop inlined."""
    merged: dict[str, Any] = {}
    for value in props.values():
        if isinstance(value, dict):
            merged.update(value)
    merged.update({k: v for k, v in props.items() if not isinstance(v, dict)})
    return merged


@cache
def card_language(code: str | None) -> str:
    """The language a card's fixed texts are in for an agent's ISO 639 code (`de`, `pt-BR`): the code when the
    platform's catalogue (locale/) has it, else English, so a card never mixes in Django's own translations."""
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    found = any((Path(path) / code / "LC_MESSAGES" / "django.mo").is_file() for path in settings.LOCALE_PATHS)
    return code if code.isalpha() and found else "en"


def render_card(
    name: str, props: dict[str, Any], card_actions: Any, language: str | None = None
) -> tuple[str, list[Offer]]:
    """The card as an HTML fragment with the buttons `card_actions` declares, and what those buttons offer
    (the session accepts a click only for one of them). Props are checked against the schema (VisualError).
    Its fixed texts are in `language` (the session agent's; None: the active language, as in the admin)."""
    problems = props_problems(name, props)
    if problems:
        raise VisualError("; ".join(problems))
    if language is None:
        return _card(name, props, card_actions)
    with override(card_language(language)):
        return _card(name, props, card_actions)


def _card(name: str, props: dict[str, Any], card_actions: Any) -> tuple[str, list[Offer]]:
    visual = VISUALS[name]
    context = {"visual": visual.name, **visual.prepare(props)}
    offered: list[Offer] = []
    if visual.items and isinstance(context.get(visual.items), list):
        raw_items = [item for item in props.get(visual.items) or []]
        for prepared, raw in zip(context[visual.items], raw_items, strict=False):
            offers = offers_for(card_actions, raw)
            prepared["actions"] = button_context(offers)
            offered.extend(offers)
    else:
        offers = offers_for(card_actions, _one_object(props))
        context["actions"] = button_context(offers)
        offered.extend(offers)
    return render_to_string(visual.template, context).strip(), offered


def visuals_guidance(names: Iterable[str]) -> str:
    """The instructions section that tells the model which cards its tools can show."""
    chosen = [VISUALS[n] for n in dict.fromkeys(names) if n in VISUALS]
    if not chosen:
        return ""
    lines = [
        "# Visual cards",
        "Some tools also show a card in the visitor's window when they return. When a card is shown, give a "
        'short spoken summary and point to the card ("I\'ve put the options on your screen") instead of '
        "reading every detail. A press of a card's button reaches you as a user message that starts with "
        f'"{MARK}", naming the button, what it was on and its values: it is the visitor\'s choice, made by a '
        "click; act on it as if they had asked for it, still asking for anything missing, and never skip the "
        "spoken yes a change needs.",
    ]
    lines += [f"- {v.name}: {v.description}" for v in chosen]
    return "\n".join(lines)
