"""What the simulator says after a tool result: one or two natural sentences built from the result's shape (a
list: how many and the first few names with prices or times; a record with an id and a status: done; figures:
the counts and the price range; a tool error: a polite line), never a dump of the JSON."""

from __future__ import annotations

import json
from typing import Any

from .text import stem, words

FIRST_FEW = 3
PRICE_KEYS = ("price", "total", "amount", "cost")
TIME_KEYS = ("start", "time", "starts_at", "date")
SECOND_KEYS = ("company", "title", "category", "room")
# "VoiceFirst Summit 2027 is on 18 and 19 March 2027 at Harbour Hall in Lisbon."
PLACE_WORDS = (("dates", "on"), ("date", "on"), ("venue", "at"), ("location", "at"), ("city", "in"))
CHEAPEST_WORDS = frozenset({"cheapest", "cheap", "lowest", "least", "inexpensive", "affordable"})


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def money(value: float, currency: str) -> str:
    return f"{value:.2f} {currency}".strip() if value != int(value) or currency else f"{value:g}"


def noun_of(tool_name: str) -> str:
    """The thing a tool returns, from its name: `search_products` → "products", `list_sessions` → "sessions"."""
    parts = [w for w in words(tool_name) if w not in ("get", "list", "search", "find", "fetch", "lookup", "place")]
    return " ".join(parts) if parts else "results"


def _singular(noun: str) -> str:
    return stem(noun) if noun.endswith("s") else noun


def _main_list(value: Any) -> list[dict[str, Any]] | None:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    if isinstance(value, dict):
        for inner in value.values():
            if isinstance(inner, list) and inner and all(isinstance(v, dict) for v in inner):
                return list(inner)
        for key in ("items", "results"):
            if isinstance(value.get(key), list):
                return []
    return None


def _label(record: dict[str, Any]) -> str:
    for key in ("name", "title", "label"):
        if isinstance(record.get(key), str) and record[key].strip():
            return record[key].strip()
    return ""


def _currency(record: dict[str, Any], fallback: str) -> str:
    value = record.get("currency")
    return value if isinstance(value, str) else fallback


def _describe(record: dict[str, Any], currency: str) -> str:
    label = _label(record) or "one"
    for key in PRICE_KEYS:
        price = _number(record.get(key))
        if price is not None:
            return f"{label} at {money(price, _currency(record, currency))}"
    for key in TIME_KEYS:
        if isinstance(record.get(key), str) and record[key]:
            room = record.get("room")
            return f"{label} at {record[key]}" + (f" in {room}" if isinstance(room, str) and room else "")
    for key in SECOND_KEYS:
        if isinstance(record.get(key), str) and record[key] and record[key] != label:
            return f"{label} ({record[key]})"
    return label


def joined(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _list_reply(records: list[dict[str, Any]], total: int, noun: str, user_text: str, currency: str) -> str:
    if not records:
        return f"I couldn't find any {noun} matching that. Try other words, or ask me what there is."
    if CHEAPEST_WORDS & set(words(user_text)) and any(_number(r.get("price")) is not None for r in records):
        priced = [r for r in records if _number(r.get("price")) is not None]
        cheapest = min(priced, key=lambda r: _number(r.get("price")) or 0.0)
        others = [_describe(r, currency) for r in priced if r is not cheapest][: FIRST_FEW - 1]
        tail = f" Next come {joined(others)}." if others else ""
        return f"The cheapest is {_describe(cheapest, currency)}.{tail}"
    shown = [_describe(r, currency) for r in records[:FIRST_FEW]]
    thing = noun if total != 1 else _singular(noun)
    more = " The cards show all of them." if total > FIRST_FEW else ""
    return f"I found {total} {thing}: {joined(shown)}.{more}"


def _record_reply(record: dict[str, Any], noun: str, currency: str) -> str:
    reference = next(
        (str(v) for k, v in record.items() if (k == "id" or k.endswith("_id")) and isinstance(v, (str, int))), None
    )
    status = record.get("status")
    if reference and isinstance(status, str):
        total = next((_number(record.get(k)) for k in ("total", "amount") if _number(record.get(k)) is not None), None)
        cost = f" The total is {money(total, _currency(record, currency))}." if total is not None else ""
        return f"Done: your {_singular(noun)} {reference} is {status.replace('_', ' ')}.{cost}"
    figures = []
    low, high = _number(record.get("lowest_price")), _number(record.get("highest_price"))
    for key, value in record.items():
        number = _number(value)
        if number is None or key in ("lowest_price", "highest_price"):
            continue
        name = " ".join(w for w in words(key) if w != "total")
        figures.append(f"{number:g} {name}")
    if low is not None and high is not None:
        figures.append(f"prices from {money(low, currency)} to {money(high, currency)}")
    counted = any(key.startswith("total") or key.endswith("count") for key in record)
    if figures and counted:
        return f"There are {joined(figures[:FIRST_FEW])}."
    if figures:  # measurements rather than counts: "temp c 21"
        shown = [f"{' '.join(words(k))} {v:g}" for k, v in record.items() if _number(v) is not None]
        return f"Here is what I found: {joined(shown[:FIRST_FEW])}."
    label = _label(record)
    placed = [f"{word} {record[key]}" for key, word in PLACE_WORDS if isinstance(record.get(key), str) and record[key]]
    if label and placed:
        return f"{label} is {' '.join(placed[:3])}."
    details = [
        f"{' '.join(words(k))} {v}"
        for k, v in record.items()
        if isinstance(v, str) and v and v != label and len(v) <= 80 and k not in ("currency", "image", "url")
    ][:2]
    if label:
        return f"{label}: {joined(details)}." if details else f"Here is {label}."
    return f"Here is what I found: {joined(details)}." if details else "Done."


def tool_error_reply(error: Any) -> str:
    """A tool failed or its arguments were refused: never the model-facing details, a polite line."""
    return "Sorry, I couldn't get that just now. Please try again in a moment, or ask me something else."


def summarise(output: str, *, tool_name: str = "", user_text: str = "") -> str:
    """One or two sentences about a tool result, for the visitor to hear."""
    try:
        value = json.loads(output)
    except (ValueError, TypeError):
        text = " ".join(output.split())
        if "call the tool" in text.lower():  # an instruction for the model, never for the visitor
            return "Before I do that, please confirm: shall I go ahead?"
        return f"Here is what I found: {text[:160]}." if text else "I found nothing."
    if isinstance(value, dict) and "error" in value:
        return tool_error_reply(value["error"])
    noun = noun_of(tool_name)
    currency = str(value.get("currency")) if isinstance(value, dict) and isinstance(value.get("currency"), str) else ""
    # A record of its own (a name, or figures besides a count) is described; otherwise its main list.
    own = isinstance(value, dict) and (
        bool(_label(value)) or any(_number(v) is not None for k, v in value.items() if k != "count")
    )
    records = None if own else _main_list(value)
    if records is not None:
        count = value.get("count") if isinstance(value, dict) else None
        total = count if isinstance(count, int) and not isinstance(count, bool) else len(records)
        return _list_reply(records, total, noun, user_text, currency)
    if isinstance(value, dict):
        return _record_reply(value, noun, currency)
    return f"Here is what I found: {value}."
