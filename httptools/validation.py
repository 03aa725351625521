"""Save-time rules for descriptors: fixed origin, safe headers, a valid closed arguments schema.

The rules check a descriptor given as data (the fields of `HttpTool.snapshot()`), so the model calls them
from `clean()` and this module never needs the model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from httptools.card_actions import declared_problems
from httptools.guard import check_host_literal, dev_server_port, is_loopback
from httptools.redaction import CREDENTIAL_NAME
from httptools.visuals import VISUALS

TOOL_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
SLOT = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
SECRET_REF = re.compile(r"\{\{secret:([A-Z][A-Z0-9_]{1,63})\}\}")
FORBIDDEN_HEADERS = {
    "host",
    "transfer-encoding",
    "content-length",
    "connection",
    "te",
    "upgrade",
    "forwarded",
    "keep-alive",
    "trailer",
    "expect",
    "accept-encoding",
    "idempotency-key",
    "x-real-ip",
    "x-original-url",
    "x-rewrite-url",
    "x-http-method-override",
    "x-host",
    "via",
}
MAPPING_KEYS = {"items", "fields", "max_items", "max_chars"}


def validate_descriptor(descriptor: Mapping[str, Any]) -> dict[str, Any]:
    """The descriptor with its base URL normalized, or ValidationError with the messages per field."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    cleaned = dict(descriptor)
    name, method, effect = descriptor.get("name"), descriptor.get("method"), descriptor.get("effect")
    path_template = descriptor.get("path_template") or ""
    query_params, headers = descriptor.get("query_params"), descriptor.get("headers")
    body_template, arguments_schema = descriptor.get("body_template"), descriptor.get("arguments_schema")
    constants, response_mapping = descriptor.get("constants"), descriptor.get("response_mapping")
    visual, visual_props = descriptor.get("visual"), descriptor.get("visual_props")

    if not TOOL_NAME.match(name or ""):
        add("name", "Use snake_case: lower-case letters, digits and _, starting with a letter.")
    try:
        cleaned["base_url"] = normalize_base_url(descriptor.get("base_url") or "")
    except ValidationError as exc:
        add("base_url", exc.messages[0])
    if not path_template.startswith("/"):
        add("path_template", "The path must start with /.")
    elif any(c in path_template for c in "?#\r\n\\") or ".." in path_template:
        add("path_template", "The path may not contain ?, #, .., backslashes or line breaks.")
    for field, value in (
        ("query_params", query_params),
        ("headers", headers),
        ("constants", constants),
        ("response_mapping", response_mapping),
        ("visual_props", visual_props),
    ):
        if not isinstance(value, dict):
            add(field, "Must be a JSON object.")
    if isinstance(headers, dict):
        for header, value in headers.items():
            for problem in header_problems(header, value):
                add("headers", problem)
    if isinstance(query_params, dict):
        for parameter, value in query_params.items():
            if not isinstance(value, str | int | float | bool):
                add("query_params", f"{parameter}: a query value must be a string template or a scalar.")
    for message in schema_problems(arguments_schema):
        add("arguments_schema", message)
    for field, value in (
        ("path_template", path_template),
        ("query_params", query_params),
        ("body_template", body_template),
        ("constants", constants),
    ):
        if "{{secret:" in _json_text(value):
            add(field, "Secrets may only be used in headers, as {{secret:NAME}}.")
    if method == "GET" and body_template is not None:
        add("body_template", "GET requests have no body; use query parameters or another method.")
    if isinstance(response_mapping, dict):
        for message in mapping_problems(response_mapping):
            add("response_mapping", message)
    if not errors and isinstance(arguments_schema, dict) and isinstance(constants, dict):
        properties = set((arguments_schema.get("properties") or {}).keys())
        for argument in sorted(properties):
            if not SLOT.fullmatch("{" + argument + "}"):
                add("arguments_schema", f"{argument!r}: argument names must be letters, digits and _.")
        if "confirmed" in properties and effect in ("write", "irreversible"):
            add("arguments_schema", "'confirmed' is added automatically for write tools; remove it.")
        overlap = sorted(properties & set(constants.keys()))
        if overlap:
            add("constants", "Both an argument and a constant: " + ", ".join(overlap))
        slots = template_slots(path_template=path_template, query_params=query_params, body_template=body_template)
        known = properties | set(constants.keys())
        missing = sorted(slots - known)
        if missing:
            add("path_template", "Slots without an argument or constant: " + ", ".join(missing))
    if visual:
        if visual not in VISUALS:
            add("visual", f"Unknown visual {visual!r}; choose one of: " + ", ".join(sorted(VISUALS)))
        elif isinstance(visual_props, dict):
            known_props = set(VISUALS[visual].props_schema.get("properties", {}))
            for prop, path in visual_props.items():
                if prop not in known_props:
                    add("visual_props", f"{visual} has no prop {prop!r}; it has: " + ", ".join(sorted(known_props)))
                if not isinstance(path, str):
                    add("visual_props", f'{prop}: give a dotted path into the response as a string, or "$".')
    elif visual_props:
        add("visual_props", "Choose a visual first, or leave the props mapping empty.")
    for message in declared_problems(descriptor.get("card_actions"), visual=visual or ""):
        add("card_actions", message)
    email_argument = descriptor.get("visitor_email_argument") or ""
    if email_argument:
        email_schema = (
            (arguments_schema or {}).get("properties", {}).get(email_argument)
            if isinstance(arguments_schema, dict)
            else None
        )
        if not isinstance(email_schema, dict) or email_schema.get("type") != "string":
            add("visitor_email_argument", f"{email_argument!r} must be a string argument of this tool's schema.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def normalize_base_url(raw: str) -> str:
    """`scheme://host[:port]`, lower-cased; the scheme and port must be allowed."""
    value = (raw or "").strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"}:
        raise ValidationError("Only http and https URLs are allowed.")
    if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment or parts.path:
        raise ValidationError("Give only scheme, host and port, like https://api.example.com (no path or user).")
    try:
        port = parts.port if parts.port is not None else {"http": 80, "https": 443}[parts.scheme]
    except ValueError:
        raise ValidationError("The port is not a number between 1 and 65535.") from None
    if port not in settings.HTTPTOOLS_ALLOWED_PORTS and not (
        port == dev_server_port() and (parts.hostname == "localhost" or is_loopback(parts.hostname))
    ):
        raise ValidationError(
            f"Port {port} is not allowed: use one of HTTPTOOLS_ALLOWED_PORTS ({_ports()}), or add it to that setting."
        )
    check_host_literal(parts.hostname)
    return value.lower() if parts.hostname == parts.hostname.lower() else f"{parts.scheme}://{parts.netloc.lower()}"


def _ports() -> str:
    return ", ".join(str(port) for port in settings.HTTPTOOLS_ALLOWED_PORTS)


def header_problems(name: Any, value: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(name, str) or not HEADER_NAME.match(name):
        return [f"{name!r} is not a valid header name."]
    lowered = name.lower()
    if lowered in FORBIDDEN_HEADERS or lowered.startswith(("proxy-", "x-forwarded-")):
        problems.append(f"The header {name} steers routing and cannot be set.")
    if not isinstance(value, str):
        problems.append(f"{name}: header values must be strings.")
        return problems
    if "\r" in value or "\n" in value or "\x00" in value:
        problems.append(f"{name}: header values may not contain line breaks.")
    leftover = SECRET_REF.sub("", value)
    if SLOT.search(leftover):
        problems.append(f"{name}: headers cannot take arguments; put them in the path, query or body.")
    elif "{{" in leftover or "}}" in leftover:
        problems.append(f"{name}: write secret references as {{{{secret:NAME}}}} with NAME in UPPER_SNAKE_CASE.")
    # A header named like a credential takes its value from a tenant secret, never a literal.
    if CREDENTIAL_NAME.search(name) and not SECRET_REF.search(value):
        problems.append(f"{name}: put the credential in a tenant secret and reference it as {{{{secret:NAME}}}}.")
    return problems


def mapping_problems(mapping: dict[str, Any]) -> list[str]:
    problems = [
        f"Unknown key {key!r}; use items, fields, max_items, max_chars." for key in mapping if key not in MAPPING_KEYS
    ]
    if "items" in mapping and not isinstance(mapping["items"], str):
        problems.append("items: a dotted path to a list, as a string.")
    fields = mapping.get("fields")
    if fields is not None and not (isinstance(fields, list) and all(isinstance(f, str) for f in fields)):
        problems.append("fields: a list of dotted paths (strings).")
    for key, low, high in (("max_items", 1, 50), ("max_chars", 100, 20_000)):
        value = mapping.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
            problems.append(f"{key}: a whole number from {low} to {high}.")
    return problems


def _json_text(value: Any) -> str:
    try:
        return value if isinstance(value, str) else json.dumps(value)
    except (TypeError, ValueError):
        return str(value)


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


def template_slots(*, path_template: str, query_params: Any, body_template: Any) -> set[str]:
    """Slots in the path, query and body templates (headers take no arguments)."""
    found = set(SLOT.findall(path_template or ""))
    for value in (query_params or {}).values():
        if isinstance(value, str):
            found |= set(SLOT.findall(value))
    found |= _body_slots(body_template)
    return found


def _body_slots(template: Any) -> set[str]:
    if isinstance(template, str):
        return set(SLOT.findall(template))
    if isinstance(template, dict):
        return set().union(*(_body_slots(v) for v in template.values())) if template else set()
    if isinstance(template, list):
        return set().union(*(_body_slots(v) for v in template)) if template else set()
    return set()
