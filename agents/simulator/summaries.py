"""What the simulator says after a tool result: one or two natural sentences built from the result's shape (a
list: how many and the first few names with prices or times; a record with an id and a status: done; figures:
the counts and the price range; a tool error: a polite line), never a dump of the JSON; in the agent's language
where `phrases.py` has it."""

from __future__ import annotations

import json
from typing import Any

from .glossary import english
from .phrases import PLACE_WORDS, known, say, term
from .phrases import money as money_in
from .text import stem, words

FIRST_FEW = 3
PRICE_KEYS = ("price", "total", "amount", "cost")
TIME_KEYS = ("start", "time", "starts_at", "date")
SECOND_KEYS = ("company", "title", "category", "room")
PLACES = ("dates", "date", "venue", "location", "city")
# The visitor asked for the cheapest (English, or the agent's language through the glossary).
CHEAPEST_WORDS = frozenset({"cheapest", "cheap", "lowest", "least", "inexpensive", "affordable"})


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


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


def _describe(record: dict[str, Any], currency: str, language: str) -> str:
    label = _label(record) or "–"
    for key in PRICE_KEYS:
        price = _number(record.get(key))
        if price is not None:
            return say(language, "at_price", label=label, price=money_in(price, _currency(record, currency), language))
    for key in TIME_KEYS:
        if isinstance(record.get(key), str) and record[key]:
            room = record.get("room")
            where = say(language, "in_room", room=room) if isinstance(room, str) and room else ""
            return say(language, "at_time", label=label, time=record[key]) + where
    for key in SECOND_KEYS:
        if isinstance(record.get(key), str) and record[key] and record[key] != label:
            return f"{label} ({record[key]})"
    return label


def joined(parts: list[str], language: str = "en") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + say(language, "and") + parts[-1]


def _list_reply(
    records: list[dict[str, Any]], total: int, noun: str, user_text: str, currency: str, language: str
) -> str:
    if not records:
        return say(language, "none_found", noun=noun)
    asked = set(english(words(user_text), language))
    if CHEAPEST_WORDS & asked and any(_number(r.get("price")) is not None for r in records):
        priced = [r for r in records if _number(r.get("price")) is not None]
        cheapest = min(priced, key=lambda r: _number(r.get("price")) or 0.0)
        others = [_describe(r, currency, language) for r in priced if r is not cheapest][: FIRST_FEW - 1]
        tail = say(language, "next", items=joined(others, language)) if others else ""
        return say(language, "cheapest", item=_describe(cheapest, currency, language)) + tail
    shown = joined([_describe(r, currency, language) for r in records[:FIRST_FEW]], language)
    more = say(language, "cards_all") if total > FIRST_FEW else ""
    if total == 1:
        return say(language, "found_one", noun=_singular(noun), items=shown) + more
    return say(language, "found_many", total=total, noun=noun, items=shown) + more


def _record_reply(record: dict[str, Any], noun: str, currency: str, language: str) -> str:
    reference = next(
        (str(v) for k, v in record.items() if (k == "id" or k.endswith("_id")) and isinstance(v, (str, int))), None
    )
    status = record.get("status")
    if reference and isinstance(status, str):
        total = next((_number(record.get(k)) for k in ("total", "amount") if _number(record.get(k)) is not None), None)
        shown = money_in(total, _currency(record, currency), language) if total is not None else ""
        cost = say(language, "total_is", money=shown) if total is not None else ""
        said = term(language, status.replace("_", " "))
        return say(language, "done", noun=_singular(noun), ref=reference, status=said) + cost
    figures = []
    low, high = _number(record.get("lowest_price")), _number(record.get("highest_price"))
    for key, value in record.items():
        number = _number(value)
        if number is None or key in ("lowest_price", "highest_price"):
            continue
        name = " ".join(term(language, w) for w in words(key) if w != "total")
        figures.append(f"{number:g} {name}")
    if low is not None and high is not None:
        prices = {"low": money_in(low, currency, language), "high": money_in(high, currency, language)}
        figures.append(say(language, "prices", **prices))
    counted = any(key.startswith("total") or key.endswith("count") for key in record)
    if figures and counted:
        return say(language, "there_are", figures=joined(figures[:FIRST_FEW], language))
    if figures:  # measurements rather than counts: "temp c 21"
        values = [f"{' '.join(words(k))} {v:g}" for k, v in record.items() if _number(v) is not None]
        return say(language, "found_values", details=joined(values[:FIRST_FEW], language))
    label = _label(record)
    place_words = PLACE_WORDS[known(language)]
    placed = [f"{place_words[key]} {record[key]}" for key in PLACES if isinstance(record.get(key), str) and record[key]]
    if label and placed:
        return say(language, "event", label=label, placed=" ".join(placed[:3]))
    details = [
        f"{' '.join(words(k))} {v}"
        for k, v in record.items()
        if isinstance(v, str) and v and v != label and len(v) <= 80 and k not in ("currency", "image", "url")
    ][:2]
    if label:
        return f"{label}: {joined(details, language)}." if details else say(language, "here_is", label=label)
    return say(language, "found_values", details=joined(details, language)) if details else say(language, "done_plain")


def tool_error_reply(error: Any, language: str = "en") -> str:
    """A tool failed or its arguments were refused: never the model-facing details, a polite line."""
    return say(language, "tool_error")


def summarise(output: str, *, tool_name: str = "", user_text: str = "", language: str = "en") -> str:
    """One or two sentences about a tool result, for the visitor to hear, in `language` where it is known."""
    try:
        value = json.loads(output)
    except (ValueError, TypeError):
        text = " ".join(output.split())
        if "call the tool" in text.lower():  # an instruction for the model, never for the visitor
            return say(language, "confirm_first")
        return say(language, "found_values", details=text[:160]) if text else say(language, "found_nothing")
    if isinstance(value, dict) and "error" in value:
        return tool_error_reply(value["error"], language)
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
        return _list_reply(records, total, noun, user_text, currency, language)
    if isinstance(value, dict):
        return _record_reply(value, noun, currency, language)
    return say(language, "found_values", details=value)
