"""Deterministic "model": reply texts, scripted fault markers, tool choice and arguments, and each response's plan."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .conversation import Item
from .phrases import everywhere, known, say
from .summaries import summarise
from .text import MARKER_RE, MARKERS, content_words, find_markers, stem, stems, strip_markers, words
from .tool_choice import Facts, ToolCall, choose_tool, decide, fill_object, function_tools

__all__ = [  # the words, tool choice and summaries live in their own modules; their names stay importable here
    "MARKERS",
    "MARKER_RE",
    "Facts",
    "Plan",
    "ToolCall",
    "choose_tool",
    "content_words",
    "fill_object",
    "find_markers",
    "function_tools",
    "plan_response",
    "stem",
    "stems",
    "strip_markers",
    "words",
]

PREAMBLE = say("en", "preamble")
SECOND_MESSAGE = say("en", "second")
SUMMARY_CHARS = 200


def text_tokens(text: str) -> int:
    """Deterministic text token estimate: ceil(chars / 4)."""
    return math.ceil(len(text) / 4)


# --- replies ---------------------------------------------------------------------------------
# Every line is in the agent's language where phrases.py has it. No "(simulator)" suffix: the widget's
# header badge says once that the simulator answers.

SPEECH_HONEST = say("en", "speech_honest")
SPEECH_AGAIN = say("en", "speech_again")


def text_reply(user_text: str, tools: Any = None, language: str = "en") -> str:
    """Reply to a typed message no tool matches: say honestly what the demo can do."""
    said = strip_markers(user_text).rstrip(" .!?") or "…"
    names = [" ".join(words(str(t["name"]))) for t in function_tools(tools)][:4]
    if names:
        return say(language, "demo_limits", names=", ".join(names), said=said)
    return say(language, "no_tools", said=said)


def audio_reply(duration_ms: int, *, said_before: bool = False, language: str = "en") -> str:
    """Reply to a spoken message: the simulator cannot recognise speech, and says so once; then briefly."""
    return say(language, "speech_again" if said_before else "speech_honest")


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


def greeting_reply(language: str = "en") -> str:
    """Reply when the conversation has no user turn to answer (e.g. a scripted greeting)."""
    return say(language, "greeting")


def tool_output_reply(output: str, *, tool_name: str = "", user_text: str = "", language: str = "en") -> str:
    """Follow-up answer after a `function_call_output`: one or two sentences about it."""
    reply = summarise(output, tool_name=tool_name, user_text=user_text, language=language)
    return reply if len(reply) <= 2 * SUMMARY_CHARS else reply[: 2 * SUMMARY_CHARS].rstrip() + "…"


def transcript_placeholder(duration_ms: int, language: str = "en") -> str:
    """Input transcription placeholder; the simulator cannot recognise speech."""
    seconds = f"{duration_ms / 1000:.1f}"
    return say(language, "voice_message", seconds=seconds if known(language) == "en" else seconds.replace(".", ","))


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


def plan_response(
    instructions: str, context: Sequence[Item], tools: Any, tool_choice: Any, *, language: str = "en"
) -> Plan:
    """Decide the reply deterministically from the response-level `instructions` and the last relevant items,
    in `language` (the agent's) where the simulator knows it."""
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
    plan = Plan("message", scripted) if scripted else _reply(context, tools, tool_choice, language)
    plan.drop, plan.incomplete = "drop" in markers, "incomplete" in markers
    plan.mishear = "mishear" in markers
    if "preamble" in markers and plan.kind == "function_call":
        plan.preamble = say(language, "preamble")
    if "twice" in markers and plan.kind == "message":
        plan.second = say(language, "second")
    return plan


RECALL_RE = re.compile(
    r"\b(what did i (ask|say|type)|do you remember|what have we (talked|spoken) about)\b", re.IGNORECASE
)


def recall_reply(context: Sequence[Item], user_text: str) -> str | None:
    """ "What did I ask before?": the visitor's previous typed message and how many messages the conversation
    holds, read from the conversation itself (a continued one includes the seeded items)."""
    if not RECALL_RE.search(strip_markers(user_text)):
        return None
    messages = [i for i in context if i.data.get("type") == "message" and i.role in ("user", "assistant")]
    earlier = [_text_of(i).strip() for i in messages[:-1] if i.role == "user" and _text_of(i).strip()]
    if not earlier:
        return "This is the start of our conversation: you haven't asked anything before."
    count = len(messages) - 1
    return f"Earlier you asked: “{earlier[-1]}”. Our conversation has {count} messages before this one."


def _text_of(item: Item) -> str:
    parts = item.data.get("content") or []
    return " ".join(
        str(p.get("text") or p.get("transcript") or "")
        for p in parts
        if isinstance(p, dict) and p.get("type") in ("input_text", "text", "output_text", "output_audio", "audio")
    )


def _facts(context: Sequence[Item]) -> tuple[Facts, str]:
    """The visitor's typed turns (newest first), earlier tool results, and the assistant's last words."""
    texts: list[str] = []
    outputs: list[str] = []
    last_assistant = ""
    since_call: int | None = None
    for item in reversed(context):
        if item.data.get("type") == "function_call" and since_call is None:
            since_call = len(texts)
        if item.data.get("type") == "function_call_output":
            outputs.append(str(item.data.get("output", "")))
        elif item.role == "user":
            texts.append(
                " ".join(str(p.get("text") or "") for p in item.data["content"] if p.get("type") == "input_text")
            )
        elif item.role == "assistant" and not last_assistant:
            last_assistant = _text_of(item).strip()
    return Facts.of(texts, outputs, since_call=since_call), last_assistant


def _call_of(context: Sequence[Item], call_id: Any) -> str:
    call = next(
        (i for i in context if i.data.get("type") == "function_call" and i.data.get("call_id") == call_id), None
    )
    return str(call.data.get("name", "")) if call is not None else ""


def _reply(context: Sequence[Item], tools: Any, tool_choice: Any, language: str) -> Plan:
    last = context[-1] if context else None
    if last is not None and last.data.get("type") == "function_call_output":
        facts, _ = _facts(context)
        name = _call_of(context, last.data.get("call_id"))
        output = str(last.data.get("output", ""))
        return Plan("message", tool_output_reply(output, tool_name=name, user_text=facts.last, language=language))
    if last is None or last.role != "user":
        call = choose_tool("", tools, tool_choice)
        return Plan("function_call", call=call) if call else Plan("message", greeting_reply(language))
    parts = last.data["content"]
    user_text = " ".join(str(p.get("text") or "") for p in parts if p.get("type") == "input_text")
    if not strip_markers(user_text) and any(p.get("type") == "input_audio" for p in parts):
        honest = everywhere("speech_honest")
        said_before = any(i.role == "assistant" and any(h in _text_of(i) for h in honest) for i in context)
        return Plan("message", audio_reply(last.audio_ms, said_before=said_before, language=language))
    recalled = recall_reply(context, user_text)
    if recalled:
        return Plan("message", recalled)
    facts, last_assistant = _facts(context)
    decision = decide(user_text, tools, tool_choice, facts=facts, last_assistant=last_assistant, language=language)
    if decision.call is not None:
        return Plan("function_call", call=decision.call)
    if decision.say:
        return Plan("message", decision.say)
    return Plan("message", text_reply(user_text, tools, language))
