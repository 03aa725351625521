"""Which tool the simulator calls and with what arguments: chosen by the words of the visitor's turn against each
tool's name (weighted most), description and parameters, and filled from the schema's types, enums, patterns
and formats, never with the whole sentence. Values the last turn lacks come from earlier turns and from the
results of earlier calls (a product named in the turn gives its id and options), so a short dialogue can
complete a write: ask for what is missing, read the call back when the tool says it needs a confirmation, and
call it after a yes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .glossary import english
from .phrases import PHRASES, known, say, term
from .text import STOPWORDS, content_words, said_yes, stem, stems, strip_markers, words

NAME_WEIGHT = 3  # a word of the tool's name says more than a word of its description
# "under 100", "below 80 euros", "max 50": a number that caps a price-like parameter.
CAP_CUES = ("under", "below", "less", "max", "maximum", "cheaper", "budget", "within", "upto")
FLOOR_CUES = ("over", "above", "more", "least", "min", "minimum")
SORT_SYNONYMS = {
    "cheap": "cheapest",
    "lowest": "cheapest",
    "inexpensive": "cheapest",
    "affordable": "cheapest",
    "expensive": "priciest",
    "highest": "priciest",
    "dearest": "priciest",
    "premium": "priciest",
}
# Words that describe the request rather than what to search for.
FILLER = frozenset(
    {"cheapest", "priciest", "price", "prices", "euro", "euros", "eur", "dollar", "dollars", "usd", "item", "items"}
    | set(CAP_CUES)
    | set(FLOOR_CUES)
    | set(SORT_SYNONYMS)
    | {"than", "day", "all", "list", "every", "look", "lookup", "search", "buy", "have", "sell", "stock", "got"}
    | {"anything", "something", "everything", "most", "talk", "talks", "talking", "speaking", "giving"}
)
# "day two", "the second day": numbers said as words (only after a word that can be their cue, so "this one"
# is no number).
CARDINALS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# The cue in any case, the name capitalised: "my name is Ann Example" (not "I am looking for …").
NAME_RE = re.compile(
    r"(?i:my name is|name is|i am|i'm|name[:=]|ich heiße|ich heisse|name ist|je m'appelle|mon nom est|me llamo|"
    r"mi nombre es|chamo-me|meu nome é)\s*([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,3})"
)
FIELD_RE = re.compile(r"\b([a-z_]+):\s*([^,()]+)")  # "customer_email: ann@example.com" from a card form
HISTORY_TURNS = 6


@dataclass(frozen=True)
class ToolCall:
    """A function call the simulator decided to make."""

    name: str
    arguments: str


@dataclass
class Facts:
    """What the conversation so far offers for arguments: the visitor's turns (newest first) and the records
    (dicts with a name or title) that earlier tool results returned."""

    turns: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    since_call: int = 0  # how many of the turns came after the last function call

    @classmethod
    def of(cls, texts: Iterable[str], outputs: Iterable[str], *, since_call: int | None = None) -> Facts:
        raw = list(texts)
        cut = len(raw) if since_call is None else since_call
        facts = cls(turns=[strip_markers(t) for t in raw if t.strip()][:HISTORY_TURNS])
        facts.since_call = min(sum(1 for t in raw[:cut] if t.strip()), len(facts.turns))
        for output in outputs:
            try:
                facts.records.extend(_records(json.loads(output)))
            except (ValueError, TypeError):
                continue
        return facts

    @property
    def last(self) -> str:
        return self.turns[0] if self.turns else ""

    def mentioned(self) -> dict[str, Any] | None:
        """The record whose name the newest turn that names one mentions (the longest name wins)."""
        for turn in self.turns:
            lowered = turn.lower()
            named = [r for r in self.records if _label(r) and _label(r).lower() in lowered]
            if named:
                return max(named, key=lambda r: len(_label(r)))
        return None


def _records(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [value] if _label(value) else []
        for inner in value.values():
            found.extend(_records(inner))
        return found
    if isinstance(value, list):
        return [record for inner in value for record in _records(inner)]
    return []


def _label(record: dict[str, Any]) -> str:
    value = record.get("name") or record.get("title")
    return value if isinstance(value, str) else ""


def function_tools(tools: Any) -> list[dict[str, Any]]:
    """Only `type: function` tools can be called by the simulator (MCP tools are ignored)."""
    if not isinstance(tools, list):
        return []
    return [t for t in tools if isinstance(t, dict) and t.get("type", "function") == "function" and t.get("name")]


def _said(text: str, language: str = "en") -> list[str]:
    """The visitor's words in the English the matching knows: glossary phrases of the agent's language
    translated ("günstigsten" → "cheapest", "unter" → "under"), then synonyms ("cheap" → "cheapest")."""
    return [SORT_SYNONYMS.get(w, w) for w in english(words(text), language)]


def _normalised(text: str, language: str = "en") -> str:
    return " ".join(_said(text, language))


def _properties(tool: dict[str, Any]) -> dict[str, dict[str, Any]]:
    params = tool.get("parameters")
    props = params.get("properties") if isinstance(params, dict) else None
    return {str(k): v for k, v in props.items() if isinstance(v, dict)} if isinstance(props, dict) else {}


def _has_cap(text: str, language: str = "en") -> bool:
    return any(w in CAP_CUES for w in _said(text, language)) and bool(re.search(r"\d", text))


# Question words are stopwords for overlap, yet say what is asked: where → a venue, how many → a count.
QUESTION_HINTS = {
    "where": ("venue", "address", "location", "where"),
    "when": ("date", "dates", "when", "time"),
    "how many": ("how many", "count", "number of"),
}


def tool_score(text: str, tool: dict[str, Any], language: str = "en") -> int:
    """How well a turn matches a tool: name words, description words, enum values, and a price cap."""
    user = stems(_normalised(text, language))
    name = stems(str(tool.get("name", "")))
    description = str(tool.get("description", ""))
    score = NAME_WEIGHT * len(user & name) + len(user & (stems(description) - name))
    said, described = _normalised(text, language), " ".join(words(description))
    for question, hints in QUESTION_HINTS.items():
        if re.search(rf"\b{question}\b", said) and any(re.search(rf"\b{h}\b", described) for h in hints):
            score += NAME_WEIGHT
    for prop_name, prop in _properties(tool).items():
        enum = prop.get("enum")
        if isinstance(enum, list) and any(isinstance(o, str) and user & stems(o) for o in enum):
            score += 1
        if _schema_type(prop) in ("number", "integer") and _has_cap(text, language) and _is_cap(prop_name):
            score += 2
    return score


def humanised(tool_name: str) -> str:
    """`place_order` → "place the order"; `search_products` → "search the products"."""
    parts = words(tool_name)
    if len(parts) < 2:
        return " ".join(parts)
    return f"{parts[0]} the {' '.join(parts[1:])}"


def ask_prefix(tool_name: str, language: str = "en") -> str:
    """ "To place the order, I still need" (English names the action; the other languages say "for that")."""
    return say(language, "ask", action=humanised(tool_name), details="\0").split("\0")[0].rstrip()


def readback_question(tool_name: str, language: str = "en") -> str:
    return say(language, "confirm_question", action=humanised(tool_name))


def _names_action(language: str) -> bool:
    return "{action}" in PHRASES[known(language)]["ask"]


def continued_tool(
    last_assistant: str, candidates: list[dict[str, Any]], facts: Facts, language: str = "en"
) -> dict[str, Any] | None:
    """The tool our previous reply asked about (missing details, or a read-back awaiting a yes).

    Found from our words when they are whole and name it, else from the visitor's earlier turns since the last
    call: one that clearly named a tool we then did not call (our reply may have been cut short by the next
    turn); in a language whose question names no tool, else the first tool such a question can be about."""
    ours = [
        tool
        for tool in candidates
        if last_assistant.startswith(ask_prefix(str(tool["name"]), language))
        or last_assistant.endswith(readback_question(str(tool["name"]), language))
    ]
    if ours and _names_action(language):
        return ours[0]
    for turn in facts.turns[1 : facts.since_call]:
        scored = [(tool_score(turn, tool, language), index) for index, tool in enumerate(candidates)]
        best, index = max(scored, key=lambda pair: (pair[0], -pair[1]))
        if best >= NAME_WEIGHT:
            tool = candidates[index]
            params = tool.get("parameters")
            required = params.get("required") if isinstance(params, dict) else None
            return tool if required or _needs_confirmation(tool) else None
    return next((tool for tool in ours if _required(tool) or _needs_confirmation(tool)), None)


def _required(tool: dict[str, Any]) -> bool:
    params = tool.get("parameters")
    return bool(params.get("required")) if isinstance(params, dict) else False


@dataclass
class Decision:
    """What to do with the visitor's turn: call a tool, or say something (ask for details, read back)."""

    call: ToolCall | None = None
    say: str = ""


def choose_tool(
    user_text: str, tools: Any, tool_choice: Any, *, facts: Facts | None = None, last_assistant: str = ""
) -> ToolCall | None:
    """The call to make for this turn, if any (a request for missing details counts as none)."""
    return decide(user_text, tools, tool_choice, facts=facts, last_assistant=last_assistant).call


def decide(
    user_text: str,
    tools: Any,
    tool_choice: Any,
    *,
    facts: Facts | None = None,
    last_assistant: str = "",
    language: str = "en",
) -> Decision:
    """Call a tool, or say (in `language`) what it still needs or what it will do, awaiting a yes."""
    candidates = function_tools(tools)
    if tool_choice == "none" or not candidates:
        return Decision()
    facts = facts or Facts(turns=[strip_markers(user_text)] if user_text.strip() else [])
    chosen: dict[str, Any] | None = None
    continuing = False
    if isinstance(tool_choice, dict):
        chosen = next((t for t in candidates if t.get("name") == tool_choice.get("name")), None)
    else:
        previous = continued_tool(last_assistant, candidates, facts, language)
        best = 0
        for tool in candidates:
            score = tool_score(user_text, tool, language)
            if score > best:  # strict: on a tie the first tool wins
                best, chosen = score, tool
        # A turn that answers our question goes on with that tool unless it clearly names another one.
        if previous is not None and (chosen is None or best < NAME_WEIGHT or chosen is previous):
            chosen, continuing = previous, True
        if chosen is None and tool_choice == "required":
            chosen = candidates[0]
    if chosen is None:
        return Decision()
    name = str(chosen["name"])
    params = chosen.get("parameters")
    schema = params if isinstance(params, dict) else {}
    args, missing = fill_object(schema, facts, tool_name=name, use_history=continuing, language=language)
    if missing:
        return Decision(say=say(language, "ask", action=humanised(name), details=_joined_list(missing, language)))
    if _needs_confirmation(chosen) and not said_yes(facts.last):
        return Decision(say=f"{_readback(args, facts, language)} {readback_question(name, language)}")
    return Decision(call=ToolCall(name, json.dumps(args)))


def _needs_confirmation(tool: dict[str, Any]) -> bool:
    """A write the visitor must confirm: its description says so, or it takes a `confirmed` flag."""
    return "confirm" in str(tool.get("description", "")).lower() or "confirmed" in _properties(tool)


def _readback(args: dict[str, Any], facts: Facts, language: str = "en") -> str:
    record = facts.mentioned()
    parts = []
    for key, value in args.items():
        if isinstance(value, bool):
            continue  # the confirmation flag itself is not read back
        shown = _label(record) if record is not None and value == record.get("id") else value
        label = " ".join(term(language, w) for w in words(key) if w not in ("customer", "user", "visitor", "id"))
        parts.append(f"{label} {shown}")
    return say(language, "readback", details=", ".join(parts))


def _joined_list(items: list[str], language: str = "en", last: str = "and") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + say(language, last) + items[-1]


def _schema_type(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


def _is_cap(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in ("max", "price", "budget", "limit_price", "under"))


def _is_floor(name: str) -> bool:
    return "min" in name.lower()


def _numbers_with_cues(text: str, language: str = "en") -> list[tuple[float, str]]:
    """Each number in the text with the word before it ("under 100", "unter 100" → (100, "under"))."""
    found = []
    for match in re.finditer(r"(-?\d+(?:[.,]\d+)?)", text):
        before = _said(text[: match.start()], language)
        cue = before[-1] if before else ""
        if cue == "than" and len(before) > 1:
            cue = before[-2]
        if cue == "to" and len(before) > 1 and before[-2] == "up":
            cue = "upto"
        found.append((float(match.group(1).replace(",", ".")), cue))
    said = _said(text, language)
    for index, word in enumerate(said):
        if word in ORDINALS and index + 1 < len(said) and said[index + 1] not in STOPWORDS:
            found.append((float(ORDINALS[word]), said[index + 1]))  # "second day" → (2, "day")
        elif word in CARDINALS and index > 0 and said[index - 1] not in STOPWORDS:
            found.append((float(CARDINALS[word]), said[index - 1]))  # "day two" → (2, "day")
    return found


@dataclass
class _Filler:
    facts: Facts
    tool_name: str
    use_history: bool
    numbers: list[tuple[float, str]] = field(default_factory=list)
    used_words: set[str] = field(default_factory=set)
    lone_free_text: bool = False  # one required free-text parameter ("city"): the spare words are for it
    language: str = "en"  # of what we ask for

    def texts(self) -> list[str]:
        return self.facts.turns if self.use_history else self.facts.turns[:1]


def fill_object(
    schema: dict[str, Any], facts: Facts, *, tool_name: str = "", use_history: bool = False, language: str = "en"
) -> tuple[dict[str, Any], list[str]]:
    """Arguments for an object schema, and what the visitor still has to say for the required ones.

    Only properties declared in the schema are emitted; a free-text property gets only the words that no
    other argument, cue or the tool's own name used."""
    props = schema.get("properties")
    if not isinstance(props, dict):
        return {}, []
    required = set(schema.get("required") or [])
    filler = _Filler(facts=facts, tool_name=tool_name, use_history=use_history, language=language)
    filler.numbers = _numbers_with_cues(facts.last, language)
    out: dict[str, Any] = {}
    missing: dict[str, str] = {}
    free_text: list[str] = []
    for name, prop in props.items():
        if not isinstance(prop, dict):
            continue
        if _schema_type(prop) == "string" and not any(k in prop for k in ("enum", "const", "pattern", "format")):
            free_text.append(str(name))
            continue
        value = _value(str(name), prop, str(name) in required, filler)
        if value is _MISSING:
            missing[str(name)] = _ask_for(str(name), prop, filler)
        elif value is not _OMIT:
            out[str(name)] = value
    filler.lone_free_text = sum(1 for name in free_text if name in required) == 1
    for name in free_text:
        prop = props[name]
        value = _free_text(name, prop, name in required, filler)
        if value is _MISSING:
            missing[name] = _ask_for(name, prop, filler)
        elif value is not _OMIT:
            out[name] = value
    return {k: out[k] for k in props if k in out}, [missing[k] for k in props if k in missing]


_OMIT = object()
_MISSING = object()


def _value(name: str, prop: dict[str, Any], required: bool, filler: _Filler) -> Any:
    if "const" in prop:
        return prop["const"]
    kind = _schema_type(prop)
    enum = prop.get("enum")
    if isinstance(enum, list) and enum:
        return _enum_value(name, enum, required, filler)
    if kind == "boolean":
        if name == "confirmed":
            return said_yes(filler.facts.last)
        return False if required else _OMIT
    if kind in ("integer", "number"):
        return _number(name, prop, kind, required, filler)
    if kind == "string":
        return _pattern_or_format(name, prop, required, filler)
    if not required:
        return _OMIT
    if kind == "object":
        return fill_object(prop, filler.facts)[0]
    if kind == "array":
        return []
    return None if kind == "null" else _MISSING


def _enum_value(name: str, enum: list[Any], required: bool, filler: _Filler) -> Any:
    numeric = [o for o in enum if isinstance(o, (int, float)) and not isinstance(o, bool)]
    for number, cue in filler.numbers:
        if numeric and number in numeric and (cue in words(name) or len(filler.numbers) == 1):
            return next(o for o in numeric if o == number)
    text = _normalised(filler.facts.last, filler.language)
    user = stems(text)
    for option in enum:
        if isinstance(option, str) and user & stems(option):
            filler.used_words |= stems(option)
            return option
    return enum[0] if required else _OMIT


def _number(name: str, prop: dict[str, Any], kind: str, required: bool, filler: _Filler) -> Any:
    chosen: float | None = None
    for index, (number, cue) in enumerate(filler.numbers):
        if cue in CAP_CUES:
            fits = _is_cap(name)
        elif cue in FLOOR_CUES:
            fits = _is_floor(name)
        else:  # a plain number: a quantity, a day, a count
            fits = (bool(cue) and cue in words(name)) or not (_is_cap(name) or _is_floor(name))
        if fits:
            chosen = number
            filler.numbers.pop(index)
            break
    if chosen is None:
        if not required:
            return _OMIT
        chosen = float(prop.get("minimum", 1))
    if isinstance(prop.get("minimum"), (int, float)):
        chosen = max(chosen, float(prop["minimum"]))
    if isinstance(prop.get("maximum"), (int, float)):
        chosen = min(chosen, float(prop["maximum"]))
    return int(chosen) if kind == "integer" else chosen


def _pattern_or_format(name: str, prop: dict[str, Any], required: bool, filler: _Filler) -> Any:
    texts = filler.texts() if required else filler.texts()[:1]
    if prop.get("format") == "email" or "email" in name.lower():
        for text in texts:
            found = EMAIL_RE.search(text)
            if found:
                return found.group(0)
        return _MISSING if required else _OMIT
    pattern = prop.get("pattern")
    if isinstance(pattern, str):
        body = pattern.lstrip("^").rstrip("$")
        for text in texts:
            try:
                found = re.search(rf"(?<![\w-])(?:{body})(?![\w-])", text)
            except re.error:
                break
            if found:
                return found.group(0)
        record = filler.facts.mentioned()
        if record is not None:
            for key in (name, "id"):
                value = record.get(key)
                if isinstance(value, str) and re.fullmatch(pattern, value):
                    return value
    return _MISSING if required else _OMIT


def _free_text(name: str, prop: dict[str, Any], required: bool, filler: _Filler) -> Any:
    lowered = name.lower()
    if "name" in lowered and required:
        for text in filler.texts():
            field_value = _form_field(text, name)
            if field_value:
                return field_value
            found = NAME_RE.search(text)
            if found:
                return found.group(1).strip()
        return _MISSING
    if required and _choices(name, filler):
        choices = _choices(name, filler)
        for text in filler.texts():
            field_value = _form_field(text, name)
            if field_value:
                return field_value
            lowered_text = f" {text.lower()} "
            for choice in sorted(choices, key=len, reverse=True):
                if re.search(rf"(?<![\w-]){re.escape(choice.lower())}(?![\w-])", lowered_text):
                    return choice
        return choices[0] if len(choices) == 1 else _MISSING
    if required:
        for text in filler.texts():
            field_value = _form_field(text, name)
            if field_value:
                return field_value
        if not filler.lone_free_text:
            return _MISSING  # several details to tell apart: ask rather than guess which words are which
    # A search phrase: the words no other argument, cue or the tool's own name took.
    taken = stems(filler.tool_name) | filler.used_words | {stem(w) for w in FILLER}
    said = _normalised(filler.facts.last, filler.language)
    if re.search(r"\babout\b", said):  # "speakers who talk about AI": the topic is what comes after "about"
        said = re.split(r"\babout\b", said)[-1]
    spare = [
        w
        for w in content_words(said)
        if stem(w) not in taken and not _names_tool(w, filler.tool_name) and not w.isdigit()
    ]
    spare = [w for w in spare if w not in CARDINALS and w not in ORDINALS]
    if not spare:
        return _MISSING if required else _OMIT
    phrase = " ".join(spare)
    limit = prop.get("maxLength")
    return phrase[: int(limit)] if isinstance(limit, int) else phrase


def _names_tool(word: str, tool_name: str) -> bool:
    """A form of a word of the tool's name: "speaking" for `list_speakers`, "booked" for `book_table`."""
    word_stem = stem(word)
    return any(
        min(len(word_stem), len(part)) >= 4 and (part.startswith(word_stem) or word_stem.startswith(part))
        for part in stems(tool_name)
    )


def _form_field(text: str, name: str) -> str | None:
    for key, value in FIELD_RE.findall(text):
        if key == name and value.strip():
            return value.strip()
    return None


def _choices(name: str, filler: _Filler) -> list[str]:
    """The values a record from an earlier result offers for this property ("option" → its "options")."""
    record = filler.facts.mentioned()
    if record is None:
        return []
    values = record.get(name + "s") or record.get(name)
    if isinstance(values, list):
        return [str(v) for v in values if isinstance(v, (str, int, float))]
    return []


def _ask_for(name: str, prop: dict[str, Any], filler: _Filler) -> str:
    parts = words(name)
    personal = parts and parts[0] in ("customer", "user", "visitor", "contact")
    label = " ".join(parts[1:] if personal else parts)
    language = filler.language
    if label == "name":
        phrase = say(language, "your_name")
    elif label in ("email", "email address"):
        phrase = say(language, "your_email")
    else:
        label = " ".join(term(language, w) for w in label.split())
        phrase = say(language, "your_field" if personal else "the_field", label=label)
    choices = _choices(name, filler) or [str(o) for o in prop.get("enum") or []]
    if 1 < len(choices) <= 8:
        phrase += f" ({_joined_list(choices, language, last='or')})"
    return phrase
