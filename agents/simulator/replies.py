"""Deterministic "model": reply texts, scripted fault markers, tool choice and arguments, and each response's plan."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .conversation import Item

SIM_SUFFIX = "(This reply comes from the realtime simulator.)"
MARKERS = ("drop", "fail", "incomplete", "expire", "preamble", "twice", "mishear")
MARKER_RE = re.compile(r"#sim:(" + "|".join(MARKERS) + r")\b", re.IGNORECASE)
PREAMBLE = "Let me look that up for you."
SECOND_MESSAGE = "Is there anything else I can help you with?"
SUMMARY_CHARS = 200

# fmt: off
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "for", "from",
    "get", "give", "have", "how", "i", "i'd", "i'm", "in", "is", "it", "its", "me", "my", "of", "on",
    "or", "please", "some", "tell", "that", "the", "their", "them", "then", "there", "these", "this",
    "to", "up", "us", "was", "we", "what", "when", "where", "which", "who", "why", "will", "with",
    "would", "you", "your", "yours", "about", "any", "find", "show", "want", "need", "like", "let",
    "know", "much", "many", "just", "also", "so", "very"
))
# fmt: on
# Tool names are often verb_noun; "get" carries no meaning for matching, so it is a stopword too.


def words(text: str) -> list[str]:
    """Lower-case words of a text, splitting snake_case, kebab-case and camelCase."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return re.findall(r"[a-z0-9']+", text.lower().replace("_", " ").replace("-", " "))


def stem(word: str) -> str:
    """Very small suffix stripper: products -> product, matches -> match, booking -> book."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """Words of `text` without stopwords, in order."""
    return [w for w in words(text) if w not in STOPWORDS and not w.startswith("#")]


def stems(text: str) -> set[str]:
    """Stemmed content words, for overlap scoring."""
    return {stem(w) for w in content_words(text)}


def find_markers(text: str) -> set[str]:
    """Scripted fault markers (`#sim:drop` …) present in a text."""
    return {m.lower() for m in MARKER_RE.findall(text)}


def strip_markers(text: str) -> str:
    """Remove `#sim:` markers and tidy whitespace."""
    return " ".join(MARKER_RE.sub(" ", text).split())


def text_tokens(text: str) -> int:
    """Deterministic text token estimate: ceil(chars / 4)."""
    return math.ceil(len(text) / 4)


# --- replies ---------------------------------------------------------------------------------


def text_reply(user_text: str) -> str:
    """Reply to a typed user message."""
    said = strip_markers(user_text).rstrip(" .!?") or "nothing"
    return f"You said: {said}. {SIM_SUFFIX}"


def audio_reply(duration_ms: int) -> str:
    """Reply to a spoken user message; speech is not recognised, only measured."""
    return f"I heard you (simulated speech recognition): about {duration_ms / 1000:.1f} seconds of audio. {SIM_SUFFIX}"


EXACTLY_RE = re.compile(r"\bexactly:\s*", re.IGNORECASE)


def scripted_reply(instructions: str) -> str | None:
    """Text after the last `exactly:` in response-level instructions ("… Greet the visitor with exactly: Hi!").

    The last one: a response's instructions replace the session's, so they repeat the whole prompt first.
    """
    text = strip_markers(instructions)
    matches = list(EXACTLY_RE.finditer(text))
    if not matches:
        return None
    return text[matches[-1].end() :].strip().strip("\"'") or None


def greeting_reply() -> str:
    """Reply when the conversation has no user turn to answer (e.g. a scripted greeting)."""
    return f"Hello! How can I help you today? {SIM_SUFFIX}"


def flatten(value: Any) -> str:
    """Readable one-line text for a JSON value: `key: value, …`, lists joined with `; `."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {flatten(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(flatten(v) for v in value)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def tool_output_reply(output: str) -> str:
    """Follow-up answer after a `function_call_output`: a summary of that output."""
    try:
        readable = flatten(json.loads(output))
    except (ValueError, TypeError):
        readable = " ".join(output.split())
    if len(readable) > SUMMARY_CHARS:
        readable = readable[:SUMMARY_CHARS].rstrip() + "…"
    return f"Here is what I found: {readable or 'nothing'}. {SIM_SUFFIX}"


def transcript_placeholder(duration_ms: int) -> str:
    """Input transcription placeholder; the simulator cannot recognise speech."""
    return f"[speech: {duration_ms / 1000:.1f} s]"


# --- tools -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCall:
    """A function call the simulator decided to make."""

    name: str
    arguments: str


def function_tools(tools: Any) -> list[dict[str, Any]]:
    """Only `type: function` tools can be called by the simulator (MCP tools are ignored)."""
    if not isinstance(tools, list):
        return []
    return [t for t in tools if isinstance(t, dict) and t.get("type", "function") == "function" and t.get("name")]


def choose_tool(user_text: str, tools: Any, tool_choice: Any) -> ToolCall | None:
    """Pick a tool by word overlap with its name and description, honouring tool_choice."""
    candidates = function_tools(tools)
    if tool_choice == "none" or not candidates:
        return None
    chosen: dict[str, Any] | None = None
    if isinstance(tool_choice, dict):
        name = tool_choice.get("name")
        chosen = next((t for t in candidates if t.get("name") == name), None)
    else:
        user = stems(user_text)
        best = 0
        for tool in candidates:
            score = len(user & stems(f"{tool.get('name', '')} {tool.get('description', '')}"))
            if score > best:  # strict: on a tie the first tool wins
                best, chosen = score, tool
        if chosen is None and tool_choice == "required":
            chosen = candidates[0]
    if chosen is None:
        return None
    params = chosen.get("parameters")
    args = fill_object(params if isinstance(params, dict) else {}, user_text, _Numbers(user_text))
    return ToolCall(str(chosen["name"]), json.dumps(args))


class _Numbers:
    """Hands out the numbers found in the user text, one per numeric property."""

    def __init__(self, text: str) -> None:
        self.values = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)]
        self.index = 0

    def next(self) -> float | None:
        if not self.values:
            return None
        value = self.values[min(self.index, len(self.values) - 1)]
        self.index += 1
        return value


def _schema_type(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


def _said_yes(text: str) -> bool:
    said = set(words(text))
    return "yes" in said or any(w.startswith("confirm") for w in said)


def fill_object(schema: dict[str, Any], text: str, numbers: _Numbers) -> dict[str, Any]:
    """Arguments for an object schema; only properties declared in the schema are emitted."""
    props = schema.get("properties")
    if not isinstance(props, dict):
        return {}
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    for name, prop in props.items():
        if not isinstance(prop, dict):
            continue
        value = _fill_value(str(name), prop, name in required, text, numbers)
        if value is not _OMIT:
            out[str(name)] = value
    return out


_OMIT = object()


def _fill_value(name: str, prop: dict[str, Any], required: bool, text: str, numbers: _Numbers) -> Any:
    if "const" in prop:
        return prop["const"]
    enum = prop.get("enum")
    if isinstance(enum, list) and enum:
        user = stems(text)
        for option in enum:
            if user & stems(str(option)):
                return option
        return enum[0] if required else _OMIT
    kind = _schema_type(prop)
    if kind == "boolean":
        if name == "confirmed":
            return _said_yes(text)
        return False if required else _OMIT
    if kind in ("integer", "number"):
        found = numbers.next()
        if found is None and not required:
            return _OMIT
        value = found if found is not None else float(prop.get("minimum", 1))
        if isinstance(prop.get("minimum"), (int, float)):
            value = max(value, float(prop["minimum"]))
        if isinstance(prop.get("maximum"), (int, float)):
            value = min(value, float(prop["maximum"]))
        return int(value) if kind == "integer" else value
    if not required:
        return _OMIT
    if kind == "object":
        return fill_object(prop, text, numbers)
    if kind == "array":
        return []
    if kind == "null":
        return None
    return " ".join(content_words(strip_markers(text)))


# --- the plan of a response ----------------------------------------------------------------


@dataclass
class Plan:
    """What a response will do, decided when it is created."""

    kind: Literal["message", "function_call", "fail", "expire"]
    text: str = ""
    call: ToolCall | None = None
    drop: bool = False
    incomplete: bool = False
    preamble: str = ""  # a message before the function call (#sim:preamble)
    second: str = ""  # a second message after the first (#sim:twice)
    mishear: bool = False  # the next input transcription fails (#sim:mishear)

    def steps(self) -> list[tuple[str, Any]]:
        """The output items in order: ("message", text) or ("call", ToolCall)."""
        if self.kind == "function_call":
            return [*([("message", self.preamble)] if self.preamble else []), ("call", self.call)]
        return [("message", self.text), *([("message", self.second)] if self.second else [])]


def plan_response(instructions: str, context: Sequence[Item], tools: Any, tool_choice: Any) -> Plan:
    """Decide the reply deterministically from the response-level `instructions` and the last relevant items."""
    markers = find_markers(instructions)
    user = next((i for i in reversed(context) if i.role == "user"), None)
    if user is not None and not user.markers_used:
        user_text = " ".join(str(p.get("text") or "") for p in user.data["content"] if p.get("type") == "input_text")
        found = find_markers(user_text)
        if found:
            user.markers_used = True  # a marker fires once, not on every later response
            markers |= found
    if "expire" in markers:
        return Plan("expire")
    if "fail" in markers:
        return Plan("fail", mishear="mishear" in markers)
    scripted = scripted_reply(instructions)
    plan = Plan("message", scripted) if scripted else _reply(context, tools, tool_choice)
    plan.drop, plan.incomplete = "drop" in markers, "incomplete" in markers
    plan.mishear = "mishear" in markers
    if "preamble" in markers and plan.kind == "function_call":
        plan.preamble = PREAMBLE
    if "twice" in markers and plan.kind == "message":
        plan.second = SECOND_MESSAGE
    return plan


def _reply(context: Sequence[Item], tools: Any, tool_choice: Any) -> Plan:
    last = context[-1] if context else None
    if last is not None and last.data.get("type") == "function_call_output":
        return Plan("message", tool_output_reply(str(last.data.get("output", ""))))
    if last is None or last.role != "user":
        call = choose_tool("", tools, tool_choice)
        return Plan("function_call", call=call) if call else Plan("message", greeting_reply())
    parts = last.data["content"]
    user_text = " ".join(str(p.get("text") or "") for p in parts if p.get("type") == "input_text")
    call = choose_tool(user_text, tools, tool_choice)
    if call is not None:
        return Plan("function_call", call=call)
    if strip_markers(user_text):
        return Plan("message", text_reply(user_text))
    if any(p.get("type") == "input_audio" for p in parts):
        return Plan("message", audio_reply(last.audio_ms))
    return Plan("message", text_reply(user_text))
