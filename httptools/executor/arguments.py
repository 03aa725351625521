"""Parse the model's arguments and validate them against the tool's closed schema."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

from httptools.generation import tool_parameters
from httptools.models import HttpTool

MAX_ARGUMENTS_CHARS = 16_000
MAX_CACHED_VALIDATORS = 512


class ArgumentsInvalid(Exception):
    """The model's arguments do not fit the schema; the message is safe to show the model."""


# Compiling a schema costs more than validating with it; a descriptor's schema is the same call after call.
_validators: dict[str, Draft202012Validator] = {}


def _validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    key = json.dumps(schema, sort_keys=True)
    validator = _validators.get(key)
    if validator is None:
        if len(_validators) > MAX_CACHED_VALIDATORS:
            _validators.clear()
        validator = _validators[key] = Draft202012Validator(schema)
    return validator


def arguments_parse(tool: HttpTool, arguments_json: str) -> dict[str, Any]:
    """Parse and validate the model's JSON against the closed schema; nothing touches the network before this."""
    if len(arguments_json or "") > MAX_ARGUMENTS_CHARS:
        raise ArgumentsInvalid("the arguments are too long")
    try:
        arguments = json.loads(arguments_json or "{}")
    except ValueError:
        raise ArgumentsInvalid("the arguments are not valid JSON") from None
    if not isinstance(arguments, dict):
        raise ArgumentsInvalid("the arguments must be a JSON object")
    errors = sorted(_validator_for(tool_parameters(tool)).iter_errors(arguments), key=lambda e: list(e.path))
    if errors:
        messages = []
        for error in errors[:3]:
            where = "/".join(str(p) for p in error.absolute_path)
            message = error.message if len(error.message) < 200 else error.message[:200] + "…"
            messages.append(f"{where}: {message}" if where else message)
        raise ArgumentsInvalid("; ".join(messages))
    return arguments
