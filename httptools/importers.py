"""Turn an OpenAPI 3 document or a curl command into unsaved descriptor data for staff to review.

Nothing here saves: the admin shows the proposals and `services.descriptors_confirm` saves what staff confirm.
Credentials found in a curl command become `{{secret:NAME}}` references, never descriptor text.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from httptools.redaction import CREDENTIAL_NAME

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


class ImportProblem(Exception):
    """The input cannot be imported; the message is for staff."""


@dataclass
class Proposal:
    """One proposed descriptor (the data for `services.descriptor_build`) plus notes for the reviewer."""

    key: str
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)


# ----- shared helpers --------------------------------------------------------------------------------------


def snake_case(text: str) -> str:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    if not text or not text[0].isalpha():
        text = "op_" + text
    return text[:64].rstrip("_")


def safe_slot_name(name: str) -> str:
    slot = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return slot if slot and (slot[0].isalpha() or slot[0] == "_") else f"p_{slot}"


def effect_for(method: str) -> str:
    return {"GET": "read", "DELETE": "irreversible"}.get(method.upper(), "write")


def split_base_url(url: str) -> tuple[str, str]:
    """(scheme://host[:port], path prefix) from a server or request URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImportProblem(f"{url!r} is not an absolute http(s) URL.")
    return f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")


def _closed(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = sorted(set(required))
    return schema


# ----- OpenAPI ---------------------------------------------------------------------------------------------


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
        "arguments_schema": _closed(properties, required),
        "constants": {},
        "effect": effect_for(method),
        "response_mapping": _mapping_for(operation),
        "visual": "",
        "visual_props": {},
    }
    security = operation.get("security")
    if security:
        notes.append(
            "The operation needs credentials: add a tenant secret and a header such as "
            '{"Authorization": "Bearer {{secret:API_TOKEN}}"}.'
        )
    return Proposal(key=f"{method} {path}", data=data, notes=notes)


def _mapping_for(operation: dict[str, Any]) -> dict[str, Any]:
    mapping: dict[str, Any] = {"max_items": 5, "max_chars": 2000}
    responses = operation.get("responses") or {}
    ok = next((responses[c] for c in ("200", "201", 200, 201) if c in responses), None)
    if isinstance(ok, dict):
        content = ok.get("content") or {}
        schema = next((v.get("schema") for k, v in content.items() if "json" in k and isinstance(v, dict)), None)
        if isinstance(schema, dict) and schema.get("type") == "object":
            arrays = [
                k
                for k, v in (schema.get("properties") or {}).items()
                if isinstance(v, dict) and v.get("type") == "array"
            ]
            if len(arrays) == 1:
                mapping["items"] = arrays[0]
    return mapping


# ----- curl ------------------------------------------------------------------------------------------------

DROPPED_HEADERS = {"host", "content-length", "connection", "accept-encoding", "transfer-encoding", "user-agent"}
_DATA_FLAGS = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json"}
_IGNORED_WITH_VALUE = {
    "-o",
    "--output",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "-w",
    "--write-out",
    "--retry",
    "-x",
    "--proxy",
    "-b",
    "--cookie",
}


def curl_proposal(command: str, *, name: str = "") -> Proposal:
    """A descriptor proposal from one curl command line (as copied from docs or browser devtools)."""
    text = (command or "").strip().replace("\\\r\n", " ").replace("\\\n", " ")
    if not text:
        raise ImportProblem("Paste a curl command.")
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ImportProblem(f"The command could not be parsed: {exc}.") from None
    if not words or words[0].rsplit("/", 1)[-1] not in ("curl", "curl.exe"):
        raise ImportProblem("That is not a curl command (it must start with curl).")
    method = ""
    url = ""
    headers: list[tuple[str, str]] = []
    data_parts: list[str] = []
    notes: list[str] = []
    force_get = False
    user = ""
    index = 1
    while index < len(words):
        word = words[index]
        value = words[index + 1] if index + 1 < len(words) else None
        if word in ("-X", "--request") and value is not None:
            method = value.upper()
            index += 2
            continue
        if word in ("-H", "--header") and value is not None:
            if ":" in value:
                key, _, header_value = value.partition(":")
                headers.append((key.strip(), header_value.strip()))
            index += 2
            continue
        if word in _DATA_FLAGS and value is not None:
            data_parts.append(value)
            if word == "--json":
                headers.append(("Content-Type", "application/json"))
            index += 2
            continue
        if word in ("-u", "--user") and value is not None:
            user = value
            index += 2
            continue
        if word == "--url" and value is not None:
            url = value
            index += 2
            continue
        if word in ("-G", "--get"):
            force_get = True
        elif word in _IGNORED_WITH_VALUE:
            index += 2
            continue
        elif word.startswith("-X") and len(word) > 2:
            method = word[2:].upper()
        elif word.startswith("-H") and len(word) > 2 and ":" in word:
            key, _, header_value = word[2:].partition(":")
            headers.append((key.strip(), header_value.strip()))
        elif not word.startswith("-") and not url:
            url = word
        index += 1
    if not url:
        raise ImportProblem("The curl command has no URL.")
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ImportProblem(f"{url!r} has an invalid port.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImportProblem(f"{url!r} is not an http(s) URL.")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    base = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    body_text = "&".join(data_parts)
    if not method:
        method = "GET" if force_get or not data_parts else "POST"
    properties: dict[str, Any] = {}
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        slot = safe_slot_name(key)
        properties[slot] = _example_schema(value)
        query[key] = "{" + slot + "}"
    body_template: Any = None
    if body_text:
        try:
            body_json = json.loads(body_text)
        except ValueError:
            body_json = None
        if force_get or method == "GET":
            for key, value in parse_qsl(body_text, keep_blank_values=True):
                slot = safe_slot_name(key)
                properties[slot] = _example_schema(value)
                query[key] = "{" + slot + "}"
        elif isinstance(body_json, dict):
            body_template = {}
            for key, value in body_json.items():
                slot = safe_slot_name(key)
                if slot in properties:
                    slot = f"body_{slot}"
                properties[slot] = _example_schema(value)
                body_template[key] = "{" + slot + "}"
        else:
            notes.append("The body is not a JSON object; only JSON bodies are supported, so it was left out.")
    descriptor_headers: dict[str, str] = {}
    secret_prefix = re.sub(r"[^A-Z0-9]+", "_", (parts.hostname or "API").upper()).strip("_")[:40]
    if not secret_prefix[:1].isalpha():
        secret_prefix = f"API_{secret_prefix}".rstrip("_")
    for key, value in headers:
        lowered = key.lower()
        if lowered in DROPPED_HEADERS or lowered.startswith(("proxy-", "x-forwarded-")):
            continue
        if lowered == "content-type" and "json" in value.lower():
            continue  # the executor sets it for JSON bodies
        if CREDENTIAL_NAME.search(key):
            secret = f"{secret_prefix}_{re.sub(r'[^A-Z0-9]+', '_', key.upper()).strip('_')}"[:64]
            scheme = value.split(" ", 1)[0] if " " in value else ""
            descriptor_headers[key] = (f"{scheme} " if scheme else "") + "{{secret:" + secret + "}}"
            notes.append(
                f"The {key} header looked like a credential: create the tenant secret {secret} with its "
                "value (the value was not copied)."
            )
        else:
            descriptor_headers[key] = value
    if user:
        secret = f"{secret_prefix}_BASIC_AUTH"
        descriptor_headers["Authorization"] = "Basic {{secret:" + secret + "}}"
        notes.append(f"Create the tenant secret {secret} with the base64 of user:password (not copied).")
    path = parts.path or "/"
    generated = snake_case(name or f"{method.lower()}_{'_'.join(p for p in path.split('/') if p)[:40] or 'root'}")
    data: dict[str, Any] = {
        "name": generated,
        "description": f"Calls {method} {path} on {parts.hostname}. Describe for the model what it does.",
        "method": method if method in ("GET", "POST", "PUT", "PATCH", "DELETE") else "GET",
        "base_url": base,
        "path_template": path,
        "query_params": query,
        "headers": descriptor_headers,
        "body_template": body_template,
        "arguments_schema": _closed(properties, []),
        "constants": {},
        "effect": effect_for(method),
        "response_mapping": {"max_items": 5, "max_chars": 2000},
        "visual": "",
        "visual_props": {},
    }
    return Proposal(key="curl", data=data, notes=notes)


def _example_schema(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean", "examples": [value]}
    if isinstance(value, int):
        return {"type": "integer", "examples": [value]}
    if isinstance(value, float):
        return {"type": "number", "examples": [value]}
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,15}", value):
        return {"type": "integer", "examples": [int(value)]}
    if isinstance(value, list):
        return {"type": "array", "examples": [value]}
    if isinstance(value, dict):
        return {"type": "object", "examples": [value]}
    return {"type": "string", "examples": [value]} if value not in ("", None) else {"type": "string"}
