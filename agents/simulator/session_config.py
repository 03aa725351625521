"""The session object: its defaults, the checks a `session.update` must pass, and how it merges."""

from __future__ import annotations

import copy
import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from .errors import ClientError
from .ids import new_id

JSON = dict[str, Any]

DEFAULT_MODEL = "gpt-realtime"
DEFAULT_INSTRUCTIONS = (
    "You are a helpful, friendly voice assistant. Keep your answers short. "
    "(Default instructions of the realtime simulator.)"
)
PCM_FORMAT: JSON = {"type": "audio/pcm", "rate": 24000}
SESSION_KEYS = frozenset(
    {
        "type",
        "model",
        "output_modalities",
        "instructions",
        "tools",
        "tool_choice",
        "max_output_tokens",
        "tracing",
        "truncation",
        "prompt",
        "audio",
        "include",
        "reasoning",
        "parallel_tool_calls",
    }
)
IGNORED_SESSION_KEYS = frozenset({"object", "id", "expires_at"})  # echoed back by some clients
TURN_DETECTION_PATH = ("audio", "input", "turn_detection")
# Objects that a session.update replaces whole (a new format or tool_choice is not a patch of the old one).
REPLACED_PATHS = frozenset(
    {
        ("tool_choice",),
        ("prompt",),
        ("tracing",),
        ("truncation",),
        ("audio", "input", "format"),
        ("audio", "output", "format"),
        ("audio", "input", "noise_reduction"),
        ("audio", "output", "voice"),
    }
)
VOICES = frozenset({"alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"})
TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# ISO 639-1: the only language codes the real API's input transcription accepts.
ISO_639_1 = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el "
    "en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it "
    "iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt "
    "my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
    "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo "
    "za zh zu".split()
)
SERVER_VAD_DEFAULTS: JSON = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 200,
    "idle_timeout_ms": None,
    "create_response": True,
    "interrupt_response": True,
}
SEMANTIC_VAD_DEFAULTS: JSON = {
    "type": "semantic_vad",
    "eagerness": "auto",
    "create_response": True,
    "interrupt_response": True,
}


def default_session(model: str, expires_at: int) -> JSON:
    """The full GA session object a fresh connection starts with (docs/simulator.md, "What it does": Session)."""
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": new_id("sess"),
        "model": model,
        "output_modalities": ["audio"],
        "instructions": DEFAULT_INSTRUCTIONS,
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "expires_at": expires_at,
        "audio": {
            "input": {
                "format": dict(PCM_FORMAT),
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": dict(SERVER_VAD_DEFAULTS),
            },
            "output": {"format": dict(PCM_FORMAT), "voice": "alloy", "speed": 1.0},
        },
        "include": None,
    }


def deep_merge(base: Any, patch: Any, path: tuple[str, ...] = ()) -> Any:
    """Merge `patch` into `base`: dicts recurse, anything else (lists, null, "") replaces."""
    if not isinstance(patch, dict) or path in REPLACED_PATHS:
        return copy.deepcopy(patch)
    if path == TURN_DETECTION_PATH:
        kind = patch.get("type") or (base.get("type") if isinstance(base, dict) else None) or "server_vad"
        if not isinstance(base, dict) or base.get("type") != kind:
            base = SEMANTIC_VAD_DEFAULTS if kind == "semantic_vad" else SERVER_VAD_DEFAULTS
    if not isinstance(base, dict):
        base = {}
    out = copy.deepcopy(base)
    for key, value in patch.items():
        out[key] = deep_merge(out.get(key), value, (*path, key))
    return out


def get_path(obj: Any, *keys: str) -> Any:
    """`obj[key][key]…`, or None where a level is missing or not an object."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def turn_detection(config: JSON) -> JSON | None:
    """The session's turn detection settings, or None when VAD is off."""
    td = get_path(config, *TURN_DETECTION_PATH)
    return td if isinstance(td, dict) else None


def input_format(config: JSON) -> Any:
    return get_path(config, "audio", "input", "format")


def output_format(config: JSON) -> Any:
    return get_path(config, "audio", "output", "format")


SPEAK_RE = re.compile(r"^\s*(?:#\s*Language\s*)?Speak ([a-z]{2,3})\b", re.IGNORECASE | re.MULTILINE)


def language_of(config: JSON, instructions: str = "") -> str:
    """The language to answer in, as a model would gather it: the input transcription's, else the last
    "Speak xx" line of the instructions (the platform writes "Speak de unless the visitor …"), else English."""
    language = get_path(config, "audio", "input", "transcription", "language")
    if isinstance(language, str) and language in ISO_639_1:
        return language
    found = SPEAK_RE.findall(instructions or str(config.get("instructions") or ""))
    return found[-1].lower() if found else "en"


def apply_session_update(config: JSON, patch: Any, *, audio_started: bool) -> JSON:
    """Check the `session` of a `session.update` and return `config` with it merged in; ClientError if refused."""
    if not isinstance(patch, dict):
        raise ClientError("missing_required_parameter", "Missing required parameter: 'session'.", "session")
    if "type" not in patch:
        raise ClientError("missing_required_parameter", "Missing required parameter: 'session.type'.", "session.type")
    if patch["type"] != "realtime":
        raise ClientError("invalid_value", "The simulator only supports session.type 'realtime'.", "session.type")
    for key in patch:
        if key not in SESSION_KEYS and key not in IGNORED_SESSION_KEYS:
            raise ClientError("unknown_parameter", f"Unknown parameter: 'session.{key}'.", f"session.{key}")
    patch = {k: v for k, v in patch.items() if k not in IGNORED_SESSION_KEYS}
    if "model" in patch and patch["model"] != config["model"]:
        raise ClientError("invalid_value", "The model of an existing session cannot be changed.", "session.model")
    voice = get_path(patch, "audio", "output", "voice")
    if voice is not None and voice != config["audio"]["output"]["voice"] and audio_started:
        raise ClientError(
            "cannot_update_voice",
            "Cannot update a conversation's voice if assistant audio is present.",
            "session.audio.output.voice",
        )
    if voice is not None:
        check_voice(voice, "session.audio.output.voice")
    language = get_path(patch, "audio", "input", "transcription", "language")
    if language is not None and language not in ISO_639_1:
        raise ClientError(
            "invalid_value",
            f"Invalid value: '{str(language)[:32]}'. The transcription language must be an ISO-639-1 code "
            "such as 'en'.",
            "session.audio.input.transcription.language",
        )
    if "output_modalities" in patch:
        check_modalities(patch["output_modalities"], "session.output_modalities")
    if "tools" in patch:
        check_tools(patch["tools"], "session.tools")
    if "instructions" in patch and not isinstance(patch["instructions"], str):
        raise ClientError(
            "invalid_type",
            "Invalid type for 'session.instructions': expected a string.",
            "session.instructions",
        )
    for direction in ("input", "output"):
        fmt = get_path(patch, "audio", direction, "format")
        if fmt is not None and not valid_format(fmt):
            raise ClientError(
                "invalid_value",
                "Audio format must be {type: 'audio/pcm', rate: 24000}, {type: 'audio/pcmu'} or {type: 'audio/pcma'}.",
                f"session.audio.{direction}.format",
            )
    merged = deep_merge(config, patch)
    td = get_path(merged, *TURN_DETECTION_PATH)
    if td is not None and (not isinstance(td, dict) or td.get("type") not in ("server_vad", "semantic_vad")):
        raise ClientError(
            "invalid_value",
            "turn_detection.type must be 'server_vad' or 'semantic_vad'.",
            "session.audio.input.turn_detection.type",
        )
    return merged


def valid_format(fmt: Any) -> bool:
    if not isinstance(fmt, dict):
        return False
    if fmt.get("type") == "audio/pcm":
        return bool(fmt.get("rate", 24000) == 24000)
    return fmt.get("type") in ("audio/pcmu", "audio/pcma")


def check_modalities(value: Any, param: str) -> None:
    if value not in (["audio"], ["text"]):
        raise ClientError("invalid_value", f'Invalid \'{param}\': use ["audio"] or ["text"].', param)


def check_tools(value: Any, param: str) -> None:
    if not isinstance(value, list):
        raise ClientError("invalid_type", f"Invalid type for '{param}': expected an array.", param)
    for index, tool in enumerate(value):
        if not isinstance(tool, dict) or tool.get("type", "function") not in ("function", "mcp"):
            raise ClientError("invalid_value", f"Invalid tool at '{param}[{index}]'.", f"{param}[{index}]")
        if tool.get("type", "function") != "function":
            continue
        where = f"{param}[{index}]"
        if not isinstance(tool.get("name"), str):
            raise ClientError(
                "missing_required_parameter", f"Missing required parameter: '{where}.name'.", f"{where}.name"
            )
        if not TOOL_NAME_RE.fullmatch(tool["name"]):
            raise ClientError(
                "invalid_value", f"Invalid '{where}.name': use letters, digits, _ or -, at most 64.", f"{where}.name"
            )
        check_parameters(tool.get("parameters"), f"{where}.parameters")


def check_parameters(schema: Any, param: str) -> None:
    """A function's parameters: a valid JSON Schema whose type is object (like the real API's check)."""
    if schema is None:
        return
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise ClientError("invalid_function_parameters", f"Invalid schema for '{param}': type must be 'object'.", param)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ClientError(
            "invalid_function_parameters", f"Invalid schema for '{param}': {exc.message[:200]}.", param
        ) from exc


def check_voice(voice: Any, param: str) -> None:
    if isinstance(voice, dict) and isinstance(voice.get("id"), str) and voice["id"].startswith("voice_"):
        return  # a custom voice
    if voice not in VOICES:
        shown = str(voice)[:32]
        raise ClientError(
            "invalid_value",
            f"Invalid value: '{shown}'. Supported values are: {', '.join(sorted(VOICES))}.",
            param,
        )
