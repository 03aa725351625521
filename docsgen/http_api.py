"""The HTTP API from the project's own OpenAPI schema (the one NinjaAPI), and the other URLs the server answers."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from config.api import api

METHODS = ("get", "post", "put", "patch", "delete")


@cache
def schema() -> dict[str, Any]:
    """The schema as `/api/openapi.json` serves it (through JSON: status codes become strings)."""
    return dict(json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/"), default=str)))


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        return dict(schema()["components"]["schemas"][ref.rsplit("/", 1)[1]])
    return node


def _type(node: dict[str, Any]) -> str:
    node = _resolve(node) if "$ref" not in node else node
    if "$ref" in node:
        return node["$ref"].rsplit("/", 1)[1]
    if "anyOf" in node:
        return " or ".join(_type(option) for option in node["anyOf"])
    if node.get("type") == "array":
        return f"array of {_type(node.get('items', {}))}"
    if "enum" in node:
        return " | ".join(f"`{json.dumps(value)}`" for value in node["enum"])
    return str(node.get("type", "any")) + (f" ({node['format']})" if "format" in node else "")


def _cell(text: Any) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def _object_table(node: dict[str, Any]) -> list[str]:
    node = _resolve(node)
    properties = node.get("properties") or {}
    if not properties:
        return [f"`{_type(node)}`", ""]
    required = set(node.get("required") or [])
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name, prop in properties.items():
        rows.append(
            f"| `{name}` | {_cell(_type(prop))} | {'yes' if name in required else ''} | "
            f"{_cell(prop.get('description'))} |"
        )
    return [*rows, ""]


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation the API serves."""
    return [
        (method.upper(), path, operation)
        for path, item in schema()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _endpoint(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    out = [f"## `{method} {path}`", ""]
    if operation.get("summary"):
        out += [f"**{operation['summary']}**", ""]
    if operation.get("description"):
        out += [operation["description"].strip(), ""]
    parameters = operation.get("parameters") or []
    if parameters:
        out += ["| parameter | in | type | required | meaning |", "|---|---|---|---|---|"]
        for parameter in parameters:
            out.append(
                f"| `{parameter['name']}` | {parameter['in']} | {_cell(_type(parameter.get('schema', {})))} | "
                f"{'yes' if parameter.get('required') else ''} | {_cell(parameter.get('description'))} |"
            )
        out.append("")
    body = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if body:
        out += ["Request body (JSON):", "", *_object_table(body["schema"])]
    for status, response in (operation.get("responses") or {}).items():
        content = (response.get("content") or {}).get("application/json")
        out += [f"Response **{status}**: {response.get('description', '')}", ""]
        if content:
            out += _object_table(content["schema"])
    return out


def _other_urls() -> list[tuple[str, str]]:
    """The URLs outside /api/ and /admin/ (their views' first docstring line), for the table below the API."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(("api/", "admin/", "demo/")):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                doc = (getattr(pattern.callback, "__doc__", None) or "").strip().splitlines()
                found.append(("/" + route, doc[0] if doc else ""))

    walk(get_resolver().url_patterns, "")
    return found


def markdown() -> str:
    info = schema()["info"]
    out = [f"OpenAPI {schema()['openapi']}, *{info['title']}* version {info['version']}.", ""]
    for method, path, operation in operations():
        out += _endpoint(method, path, operation)
    out += ["## Other URLs", "", "| path | what it is |", "|---|---|"]
    out += [f"| `{path}` | {_cell(doc)} |" for path, doc in _other_urls()]
    return "\n".join(out) + "\n"
