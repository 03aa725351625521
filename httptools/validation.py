"""Save-time rules for descriptors: fixed origin, safe headers, a valid closed arguments schema."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

if TYPE_CHECKING:
    from httptools.models import HttpTool

TOOL_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
SLOT = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
FORBIDDEN_HEADERS = {"host", "transfer-encoding", "content-length", "connection", "te", "upgrade", "forwarded"}


def validate_descriptor(tool: HttpTool) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not TOOL_NAME.match(tool.name or ""):
        add("name", "Use snake_case: lower-case letters, digits and _, starting with a letter.")
    try:
        tool.base_url = normalize_base_url(tool.base_url)
    except ValidationError as exc:
        add("base_url", exc.messages[0])
    if not (tool.path_template or "").startswith("/"):
        add("path_template", "The path must start with /.")
    elif any(c in tool.path_template for c in "?#\r\n\\") or ".." in tool.path_template:
        add("path_template", "The path may not contain ?, #, .., backslashes or line breaks.")
    for field, value in (("query_params", tool.query_params), ("headers", tool.headers),
                         ("constants", tool.constants), ("response_mapping", tool.response_mapping),
                         ("visual_props", tool.visual_props)):
        if not isinstance(value, dict):
            add(field, "Must be a JSON object.")
    if isinstance(tool.headers, dict):
        for name, value in tool.headers.items():
            for problem in header_problems(name, value):
                add("headers", problem)
    if isinstance(tool.query_params, dict):
        for name, value in tool.query_params.items():
            if not isinstance(value, str | int | float | bool):
                add("query_params", f"{name}: a query value must be a string template or a scalar.")
    for message in schema_problems(tool.arguments_schema):
        add("arguments_schema", message)
    if not errors:
        slots = template_slots(tool)
        known = set((tool.arguments_schema.get("properties") or {}).keys()) | set(tool.constants.keys())
        missing = sorted(slots - known)
        if missing:
            add("path_template", "Slots without an argument or constant: " + ", ".join(missing))
    if tool.visual:
        from httptools.visuals import VISUALS

        if tool.visual not in VISUALS:
            add("visual", f"Unknown visual {tool.visual!r}; choose one of: " + ", ".join(sorted(VISUALS)))
    if errors:
        raise ValidationError(errors)


def normalize_base_url(raw: str) -> str:
    """`scheme://host[:port]`, lower-cased; the scheme and port must be allowed."""
    value = (raw or "").strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"}:
        raise ValidationError("Only http and https URLs are allowed.")
    if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment or parts.path:
        raise ValidationError("Give only scheme, host and port, like https://api.example.com (no path or user).")
    try:
        port = parts.port or {"http": 80, "https": 443}[parts.scheme]
    except ValueError:
        raise ValidationError("The port is not a number between 1 and 65535.") from None
    if port not in settings.HTTPTOOLS_ALLOWED_PORTS:
        raise ValidationError(f"Port {port} is not allowed; allowed: {settings.HTTPTOOLS_ALLOWED_PORTS}.")
    from httptools.guard import check_host_literal

    check_host_literal(parts.hostname)
    return value.lower() if parts.hostname == parts.hostname.lower() else f"{parts.scheme}://{parts.netloc.lower()}"


def header_problems(name: Any, value: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(name, str) or not HEADER_NAME.match(name):
        return [f"{name!r} is not a valid header name."]
    lowered = name.lower()
    if lowered in FORBIDDEN_HEADERS or lowered.startswith(("proxy-", "x-forwarded-")):
        problems.append(f"The header {name} steers routing and cannot be set.")
    if not isinstance(value, str):
        problems.append(f"{name}: header values must be strings.")
    elif "\r" in value or "\n" in value or "\x00" in value:
        problems.append(f"{name}: header values may not contain line breaks.")
    return problems


def schema_problems(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return ["Must be a JSON object (a JSON Schema)."]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [f"Not a valid JSON Schema: {exc.message}"]
    problems = []
    if schema.get("type") != "object":
        problems.append('The top level must be {"type": "object", ...}.')
    if schema.get("additionalProperties") is not False:
        problems.append('Set "additionalProperties": false so the model cannot add arguments.')
    return problems


def template_slots(tool: HttpTool) -> set[str]:
    found = set(SLOT.findall(tool.path_template or ""))
    for value in (tool.query_params or {}).values():
        if isinstance(value, str):
            found |= set(SLOT.findall(value))
    return found
