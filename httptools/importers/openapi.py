"""OpenAPI 3 (JSON or YAML) to descriptor proposals: one per operation, local `$ref`s inlined."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from httptools.importers.cards import card_proposal, ok_response_schema
from httptools.importers.proposals import (
    ImportProblem,
    Proposal,
    closed_schema,
    effect_for,
    safe_slot_name,
    snake_case,
    split_base_url,
)

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
# Keywords OpenAPI 3.0 adds to JSON Schema (or JSON Schema we do not want in function parameters).
OPENAPI_ONLY_KEYS = {
    "nullable",
    "example",
    "xml",
    "externalDocs",
    "discriminator",
    "readOnly",
    "writeOnly",
    "deprecated",
    "x-nullable",
}
MAX_DOCUMENT_CHARS = 2_000_000
MAX_REF_DEPTH = 32


def openapi_load(text: str) -> dict[str, Any]:
    """Parse JSON or YAML; ImportProblem when it is neither or not an OpenAPI 3 document."""
    if not text or not text.strip():
        raise ImportProblem("The document is empty.")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ImportProblem("The document is larger than 2 MB.")
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ImportProblem(f"Neither JSON nor YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(document, dict):
        raise ImportProblem("The document must be a JSON or YAML object.")
    version = str(document.get("openapi", ""))
    if not version.startswith("3."):
        raise ImportProblem("Only OpenAPI 3.x documents are supported (the 'openapi' field must start with 3.).")
    if not isinstance(document.get("paths"), dict):
        raise ImportProblem("The document has no 'paths' object.")
    return document


def resolve_refs(node: Any, document: dict[str, Any], *, seen: tuple[str, ...] = ()) -> Any:
    """Inline local `$ref`s (`#/components/...`); a missing, external or circular ref is an ImportProblem."""
    if isinstance(node, list):
        return [resolve_refs(item, document, seen=seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ImportProblem(f"Only local $refs like #/components/schemas/Pet are supported, not {ref!r}.")
        if ref in seen or len(seen) > MAX_REF_DEPTH:
            raise ImportProblem(f"The $ref {ref} refers to itself; circular schemas cannot be imported.")
        target: Any = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise ImportProblem(f"The $ref {ref} points to nothing in this document.")
            target = target[part]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        resolved = resolve_refs(copy.deepcopy(target), document, seen=(*seen, ref))
        return {**resolved, **resolve_refs(siblings, document, seen=seen)} if isinstance(resolved, dict) else resolved
    return {key: resolve_refs(value, document, seen=seen) for key, value in node.items()}


def to_json_schema(schema: Any, *, for_request: bool = True) -> dict[str, Any]:
    """OpenAPI 3.0 schema object → JSON Schema 2020-12 (nullable → type list; OpenAPI-only keywords dropped)."""
    if not isinstance(schema, dict):
        return {}
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in OPENAPI_ONLY_KEYS or key.startswith("x-"):
            continue
        if key == "properties" and isinstance(value, dict):
            result[key] = {
                name: to_json_schema(prop, for_request=for_request)
                for name, prop in value.items()
                if not (for_request and isinstance(prop, dict) and prop.get("readOnly"))
            }
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            result[key] = to_json_schema(value, for_request=for_request)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            result[key] = [to_json_schema(v, for_request=for_request) for v in value]
        else:
            result[key] = copy.deepcopy(value)
    for bound in ("Minimum", "Maximum"):
        flag = result.get(f"exclusive{bound}")
        if isinstance(flag, bool):  # OpenAPI 3.0 style: a flag on minimum/maximum, not a number
            del result[f"exclusive{bound}"]
            if flag and bound.lower() in result:
                result[f"exclusive{bound}"] = result.pop(bound.lower())
    if schema.get("nullable") and isinstance(result.get("type"), str):
        result["type"] = [result["type"], "null"]
    if "example" in schema and "examples" not in result:
        result["examples"] = [schema["example"]]
    if isinstance(result.get("required"), list) and isinstance(result.get("properties"), dict):
        result["required"] = [r for r in result["required"] if r in result["properties"]]
        if not result["required"]:
            del result["required"]
    return result


def openapi_proposals(
    document: dict[str, Any],
    *,
    base_url: str = "",
    selected: set[str] | None = None,
) -> list[Proposal]:
    """One proposal per operation (or per selected "METHOD /path" key). `base_url` overrides `servers`."""
    prefix = ""
    if base_url.strip():
        base, prefix = split_base_url(base_url)
    else:
        servers = document.get("servers") or []
        server_url = servers[0].get("url", "") if servers and isinstance(servers[0], dict) else ""
        if not server_url.startswith(("http://", "https://")):
            raise ImportProblem("The document has no absolute server URL; enter the API's base URL.")
        base, prefix = split_base_url(server_url)
    proposals: list[Proposal] = []
    used: set[str] = set()
    for path, item in document["paths"].items():
        if not isinstance(item, dict):
            continue
        item = resolve_refs(item, document)
        shared = item.get("parameters") or []
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            key = f"{method.upper()} {path}"
            if selected is not None and key not in selected:
                continue
            proposal = _operation_proposal(method.upper(), path, operation, shared, base=base, prefix=prefix)
            name = proposal.data["name"]
            while name in used:
                name = f"{name[:60]}_{len(used)}"
            used.add(name)
            proposal.data["name"] = name
            proposal.key = key
            proposals.append(proposal)
    return proposals


def openapi_operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, summary) for each operation, for the "pick operations" list."""
    found = []
    for path, item in document["paths"].items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                summary = operation.get("summary") or operation.get("operationId") or ""
                found.append((f"{method.upper()} {path}", str(summary)))
    return found


def _operation_proposal(
    method: str,
    path: str,
    operation: dict[str, Any],
    shared: list[Any],
    *,
    base: str,
    prefix: str,
) -> Proposal:
    notes: list[str] = []
    properties: dict[str, Any] = {}
    required: list[str] = []
    query: dict[str, str] = {}
    template = prefix + path
    parameters = {
        (p.get("in"), p.get("name")): p for p in [*shared, *(operation.get("parameters") or [])] if isinstance(p, dict)
    }
    for (location, name), parameter in parameters.items():
        if not isinstance(name, str):
            continue
        slot = safe_slot_name(name)
        schema = to_json_schema(parameter.get("schema") or {"type": "string"})
        if parameter.get("description") and "description" not in schema:
            schema["description"] = str(parameter["description"])[:300]
        if location == "path":
            template = template.replace("{" + name + "}", "{" + slot + "}")
            properties[slot] = schema
            required.append(slot)
        elif location == "query":
            properties[slot] = schema
            query[name] = "{" + slot + "}"
            if parameter.get("required"):
                required.append(slot)
        else:
            notes.append(f"The {location} parameter {name!r} was not imported; set it as a header or constant.")
    body_template: Any = None
    body = operation.get("requestBody")
    if isinstance(body, dict):
        content = body.get("content") or {}
        json_type = next((t for t in content if t == "application/json" or t.endswith("+json")), None)
        if json_type is None:
            if content:
                notes.append("The request body is not JSON (" + ", ".join(content) + "); it was not imported.")
        else:
            body_schema = to_json_schema((content[json_type] or {}).get("schema") or {})
            body_props = body_schema.get("properties")
            if body_schema.get("type", "object") == "object" and isinstance(body_props, dict) and body_props:
                body_template = {}
                for name, prop in body_props.items():
                    slot = safe_slot_name(name)
                    if slot in properties:
                        slot = f"body_{slot}"
                    properties[slot] = prop
                    body_template[name] = "{" + slot + "}"
                    if name in (body_schema.get("required") or []):
                        required.append(slot)
            else:
                properties["body"] = body_schema or {}
                body_template = "{body}"
                if body.get("required"):
                    required.append("body")
    name = snake_case(operation.get("operationId") or f"{method}_{path}")
    summary = " ".join(str(operation.get("summary") or "").split())
    description = " ".join(str(operation.get("description") or "").split())
    text = summary if not description else f"{summary}. {description}" if summary else description
    if method == "GET" and body_template is not None:
        body_template = None
        notes.append("GET requests cannot carry a body; the body parameters were dropped.")
    data: dict[str, Any] = {
        "name": name,
        "description": (text or f"{method} {path}")[:1000],
        "method": method,
        "base_url": base,
        "path_template": template or "/",
        "query_params": query,
        "headers": {},
        "body_template": body_template,
        "arguments_schema": closed_schema(properties, required),
        "constants": {},
        "effect": effect_for(method),
        "response_mapping": _mapping_for(operation),
        "visual": "",
        "visual_props": {},
    }
    if method == "GET":  # writes confirm with their own text; a card is for what a read returns
        card, props, why = card_proposal(operation)
        if card:
            data["visual"], data["visual_props"] = card, props
            notes.append(why + " Change or clear Card and Visual props in the review if it does not fit.")
    security = operation.get("security")
    if security:
        notes.append(
            "The operation needs credentials: add a tenant secret and a header such as "
            '{"Authorization": "Bearer {{secret:API_TOKEN}}"}.'
        )
    return Proposal(key=f"{method} {path}", data=data, notes=notes)


def _mapping_for(operation: dict[str, Any]) -> dict[str, Any]:
    mapping: dict[str, Any] = {"max_items": 5, "max_chars": 2000}
    schema = ok_response_schema(operation)
    if schema is not None and schema.get("type") == "object":
        properties = schema.get("properties") or {}
        arrays = [k for k, v in properties.items() if isinstance(v, dict) and v.get("type") == "array"]
        if len(arrays) == 1:
            mapping["items"] = arrays[0]
    return mapping
