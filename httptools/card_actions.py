"""Card buttons that act: what a descriptor declares, what a rendered card offers, and the check of a click.

A tool's descriptor declares its card's buttons in `card_actions`, a list of
`{"action": "order", "label": "Order this", "tool": "place_order", "arguments": {"product_id": "id"}}`:
`action` is the button's name, `label` its text, `tool` (optional) the tool of the same tenant the click asks
for, and `arguments` maps that tool's arguments to fields of the card's item (the product, the speaker) or,
for a card of one object, of the object. Rendering a card yields its offers: one per button, with the
argument values taken from the response. A click comes back as `platform.action` with the card's call id,
the action and the arguments; `offer_for_click` accepts it only if the card offered exactly that, with values
of the types the target tool declares, so a visitor can ask for nothing a card did not show.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

ACTION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
TOOL_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_ACTIONS = 4  # buttons per card item
MAX_LABEL = 40
MAX_ARGUMENTS = 8
MAX_VALUE = 200  # characters of one string argument
MAX_TITLE = 120
# What the model reads for a click starts with this, so it is never mistaken for words the visitor said.
MARK = "[card action]"


class CardActionRefused(Exception):
    """A click the server will not act on; `code` and the message go to the visitor as an `error` event."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Offer:
    """One button of one rendered card: the declared action with its values from the response."""

    action: str
    label: str
    tool: str
    arguments: dict[str, Any]
    title: str  # what the button is about ("Trail Runner 2"), from the response, for the model's line

    def as_data(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "label": self.label,
            "tool": self.tool,
            "arguments": self.arguments,
            "title": self.title,
        }


def declared_problems(card_actions: Any, *, visual: str) -> list[str]:
    """Save-time rules for a descriptor's `card_actions` (plain data; the tool's tenant is checked by the model)."""
    if card_actions in (None, []):
        return []
    if not isinstance(card_actions, list):
        return ['Give a list of actions like [{"action": "order", "label": "Order this"}].']
    if not visual:
        return ["Card actions need a card: choose a visual first."]
    problems: list[str] = []
    if len(card_actions) > MAX_ACTIONS:
        problems.append(f"At most {MAX_ACTIONS} actions per card.")
    seen: set[str] = set()
    for index, entry in enumerate(card_actions[:MAX_ACTIONS]):
        where = f"action {index + 1}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be an object with action and label.")
            continue
        unknown = sorted(set(entry) - {"action", "label", "tool", "arguments"})
        if unknown:
            problems.append(f"{where}: unknown keys {', '.join(unknown)}; use action, label, tool, arguments.")
        name, label = entry.get("action"), entry.get("label")
        if not isinstance(name, str) or not ACTION_NAME.match(name):
            problems.append(f"{where}: action must be a short snake_case name like 'order'.")
        elif name in seen:
            problems.append(f"{where}: the action {name!r} is declared twice.")
        else:
            seen.add(name)
            where = f"action {name!r}"
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
            problems.append(f"{where}: label must be the button's text, 1 to {MAX_LABEL} characters.")
        tool = entry.get("tool")
        if tool not in (None, "") and (not isinstance(tool, str) or not TOOL_NAME.match(tool)):
            problems.append(f"{where}: tool must be the snake_case name of a tool of this tenant.")
        arguments = entry.get("arguments", {})
        if not isinstance(arguments, dict) or len(arguments) > MAX_ARGUMENTS:
            problems.append(f"{where}: arguments must map up to {MAX_ARGUMENTS} argument names to item fields.")
            continue
        if arguments and not tool:
            problems.append(f"{where}: arguments are for a tool; name the tool they belong to.")
        if "confirmed" in arguments:
            problems.append(f"{where}: a button cannot confirm a change; the visitor's yes is spoken or typed.")
        for argument, source in arguments.items():
            if not FIELD_NAME.match(str(argument)) or not isinstance(source, str) or not FIELD_NAME.match(source):
                problems.append(f"{where}: {argument!r} must map to the name of a field of the card's item.")
    return problems


def declared_tools(card_actions: Any) -> set[str]:
    """The tools a descriptor's card actions ask for."""
    if not isinstance(card_actions, list):
        return set()
    return {str(a["tool"]) for a in card_actions if isinstance(a, dict) and a.get("tool")}


def _scalar(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, int | float):
        return value
    if isinstance(value, str) and value.strip() and len(value) <= MAX_VALUE:
        return value
    return None


def _title(item: Mapping[str, Any]) -> str:
    for key in ("name", "title", "label", "product", "headline"):
        value = item.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:MAX_TITLE]
    return ""


def offers_for(card_actions: Any, item: Any) -> list[Offer]:
    """The buttons one item (or one-object card) offers: an action whose argument fields it lacks offers none."""
    if not isinstance(card_actions, list) or not isinstance(item, Mapping):
        return []
    offers = []
    for entry in card_actions[:MAX_ACTIONS]:
        if not isinstance(entry, dict) or not isinstance(entry.get("action"), str):
            continue
        values = {argument: _scalar(item.get(source)) for argument, source in (entry.get("arguments") or {}).items()}
        if any(value is None for value in values.values()):
            continue
        offers.append(
            Offer(
                action=entry["action"],
                label=str(entry.get("label") or entry["action"])[:MAX_LABEL],
                tool=str(entry.get("tool") or ""),
                arguments=values,
                title=_title(item),
            )
        )
    return offers


def button_context(offers: list[Offer]) -> list[dict[str, str]]:
    """What a card template needs to draw the buttons (autoescaped there)."""
    return [
        {
            "action": o.action,
            "label": o.label,
            "arguments_json": json.dumps(o.arguments, separators=(",", ":"), ensure_ascii=False),
            "title": o.title,
        }
        for o in offers
    ]


# --- a click ---------------------------------------------------------------------------------------------


def _argument_problems(arguments: dict[str, Any], schema: Any) -> str | None:
    """The target tool's own types and bounds for the arguments given (required ones may come later)."""
    properties = (schema or {}).get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        properties = {}
    for name in arguments:
        if name not in properties:
            return f"The tool takes no argument {name!r}."
    partial = {"type": "object", "properties": {name: properties[name] for name in arguments}}
    error = next(iter(Draft202012Validator(partial).iter_errors(arguments)), None)
    if error is None:
        return None
    path = "/".join(str(p) for p in error.absolute_path) or "arguments"
    return f"{path}: {error.message}"[:200]


def offer_for_click(
    event: Mapping[str, Any],
    *,
    cards: Mapping[str, tuple[str, list[Offer]]],
    tool_schemas: Mapping[str, Any],
) -> Offer:
    """The offer a visitor's `platform.action` clicked, or CardActionRefused.

    `cards` are the cards this session showed (call id → (tool, offers)); `tool_schemas` the arguments schema
    of every tool this session's agent may call, the only tools a click can ask for (so never another tenant's).
    """
    call_id, action, arguments = event.get("callId"), event.get("action"), event.get("arguments", {})
    if not isinstance(call_id, str) or not isinstance(action, str) or not ACTION_NAME.match(action):
        raise CardActionRefused("invalid_action", "An action needs the card's callId and an action name.")
    if not isinstance(arguments, dict) or len(arguments) > MAX_ARGUMENTS:
        raise CardActionRefused("invalid_action", f"Arguments must be an object of at most {MAX_ARGUMENTS} values.")
    card = cards.get(call_id)
    if card is None:
        raise CardActionRefused("unknown_card", "No card with that callId was shown in this conversation.")
    tool, offers = card
    declared = [o for o in offers if o.action == action]
    if not declared:
        raise CardActionRefused("unknown_action", f"The {tool} card has no action {action!r}.")
    target = declared[0].tool
    if target and target not in tool_schemas:
        raise CardActionRefused("action_not_allowed", f"The action {action!r} asks for a tool this agent cannot use.")
    for name, value in arguments.items():
        if _scalar(value) is None:
            raise CardActionRefused("invalid_arguments", f"{name}: must be a number, true/false or a short text.")
    if target:
        problem = _argument_problems(arguments, tool_schemas[target])
        if problem:
            raise CardActionRefused("invalid_arguments", problem)
    for offer in declared:
        if offer.arguments.keys() == arguments.keys() and all(
            _same(arguments[k], v) for k, v in offer.arguments.items()
        ):
            return offer
    raise CardActionRefused("action_not_offered", "That card did not offer this action with these values.")


def _same(sent: Any, offered: Any) -> bool:
    """Equal, and of the same kind: a number for a number (79 for 79.0: JSON in the browser drops the .0), a text
    for a text, true/false for true/false (never 1 for true)."""
    if isinstance(sent, bool) or isinstance(offered, bool):
        return type(sent) is type(offered) and sent == offered
    if isinstance(sent, int | float) and isinstance(offered, int | float):
        return sent == offered
    return type(sent) is type(offered) and sent == offered


def click_text(offer: Offer) -> str:
    """The user message a click becomes, in one fixed, marked form the instructions explain to the model."""
    parts = [f'{MARK} The visitor pressed "{offer.label}"']
    if offer.title:
        parts.append(f' on "{offer.title}"')
    parts.append(f". Action: {offer.action}")
    if offer.tool:
        parts.append(f"; tool: {offer.tool}")
    for name, value in offer.arguments.items():
        parts.append(f"; {name}: {json.dumps(value, ensure_ascii=False)}")
    return "".join(parts) + "."


def visitor_line(offer: Offer) -> str:
    """What the visitor's own side of the conversation shows for the click."""
    return f"{offer.label}: {offer.title}" if offer.title else offer.label
