"""One curl command (as copied from API docs or browser devtools) to a descriptor proposal, in three steps:
split the command into words, read the request they describe, build the descriptor from that request.

Credentials found in the command become `{{secret:NAME}}` references, never descriptor text.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

from httptools.importers.proposals import (
    ImportProblem,
    Proposal,
    closed_schema,
    effect_for,
    safe_slot_name,
    snake_case,
)
from httptools.redaction import CREDENTIAL_NAME

DROPPED_HEADERS = {"host", "content-length", "connection", "accept-encoding", "transfer-encoding", "user-agent"}
METHOD_FLAGS = {"-X", "--request"}
HEADER_FLAGS = {"-H", "--header"}
DATA_FLAGS = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json"}
USER_FLAGS = {"-u", "--user"}
GET_FLAGS = {"-G", "--get"}
# Flags that only steer curl itself; their value is skipped with them.
IGNORED_WITH_VALUE = {
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
DESCRIPTOR_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass
class CurlRequest:
    """The request a curl command describes, before it becomes a descriptor."""

    method: str = ""
    url: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    data_parts: list[str] = field(default_factory=list)
    force_get: bool = False
    user: str = ""

    def add_header(self, line: str) -> None:
        if ":" in line:
            key, _, value = line.partition(":")
            self.headers.append((key.strip(), value.strip()))


def curl_proposal(command: str, *, name: str = "") -> Proposal:
    """A descriptor proposal from one curl command line."""
    return curl_descriptor(curl_request(curl_words(command)), name=name)


# ----- 1. words ----------------------------------------------------------------------------------------------


def curl_words(command: str) -> list[str]:
    """The command's words after `curl`, shell quoting undone and continuation lines joined."""
    text = (command or "").strip().replace("\\\r\n", " ").replace("\\\n", " ")
    if not text:
        raise ImportProblem("Paste a curl command.")
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ImportProblem(f"The command could not be parsed: {exc}.") from None
    if not words or words[0].rsplit("/", 1)[-1] not in ("curl", "curl.exe"):
        raise ImportProblem("That is not a curl command (it must start with curl).")
    return words[1:]


# ----- 2. request --------------------------------------------------------------------------------------------


def curl_request(words: list[str]) -> CurlRequest:
    """Read the flags that shape the request (method, headers, data, user, URL); others are skipped."""
    request = CurlRequest()
    index = 0
    while index < len(words):
        word = words[index]
        value = words[index + 1] if index + 1 < len(words) else None
        if value is not None and _read_flag_with_value(request, word, value):
            index += 2
        elif word in IGNORED_WITH_VALUE:
            index += 2
        else:
            _read_word(request, word)
            index += 1
    return request


def _read_flag_with_value(request: CurlRequest, flag: str, value: str) -> bool:
    if flag in METHOD_FLAGS:
        request.method = value.upper()
    elif flag in HEADER_FLAGS:
        request.add_header(value)
    elif flag in DATA_FLAGS:
        request.data_parts.append(value)
        if flag == "--json":
            request.headers.append(("Content-Type", "application/json"))
    elif flag in USER_FLAGS:
        request.user = value
    elif flag == "--url":
        request.url = value
    else:
        return False
    return True


def _read_word(request: CurlRequest, word: str) -> None:
    if word in GET_FLAGS:
        request.force_get = True
    elif word.startswith("-X") and len(word) > 2:
        request.method = word[2:].upper()
    elif word.startswith("-H") and len(word) > 2:
        request.add_header(word[2:])
    elif not word.startswith("-") and not request.url:
        request.url = word


# ----- 3. descriptor -----------------------------------------------------------------------------------------


def curl_descriptor(request: CurlRequest, *, name: str = "") -> Proposal:
    """The descriptor for a curl request: query and JSON body fields become arguments, credentials secrets."""
    parts, base = _target(request.url)
    method = request.method or ("GET" if request.force_get or not request.data_parts else "POST")
    notes: list[str] = []
    properties: dict[str, Any] = {}
    query: dict[str, str] = {}
    _add_query_arguments(parts.query, properties, query)
    body_template = _body_arguments(
        "&".join(request.data_parts),
        in_query=request.force_get or method == "GET",
        properties=properties,
        query=query,
        notes=notes,
    )
    hostname = parts.hostname or "API"
    headers = _descriptor_headers(request.headers, user=request.user, hostname=hostname, notes=notes)
    path = parts.path or "/"
    generated = snake_case(name or f"{method.lower()}_{'_'.join(p for p in path.split('/') if p)[:40] or 'root'}")
    data: dict[str, Any] = {
        "name": generated,
        "description": f"Calls {method} {path} on {parts.hostname}. Describe for the model what it does.",
        "method": method if method in DESCRIPTOR_METHODS else "GET",
        "base_url": base,
        "path_template": path,
        "query_params": query,
        "headers": headers,
        "body_template": body_template,
        "arguments_schema": closed_schema(properties, []),
        "constants": {},
        "effect": effect_for(method),
        "response_mapping": {"max_items": 5, "max_chars": 2000},
        "visual": "",
        "visual_props": {},
    }
    return Proposal(key="curl", data=data, notes=notes)


def _target(url: str) -> tuple[SplitResult, str]:
    """The URL's parts and its `scheme://host[:port]`; a URL without a scheme is taken as https."""
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
    return parts, f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _add_query_arguments(text: str, properties: dict[str, Any], query: dict[str, str]) -> None:
    for key, value in parse_qsl(text, keep_blank_values=True):
        slot = safe_slot_name(key)
        properties[slot] = _example_schema(value)
        query[key] = "{" + slot + "}"


def _body_arguments(
    body_text: str, *, in_query: bool, properties: dict[str, Any], query: dict[str, str], notes: list[str]
) -> Any:
    """The body template for the data flags (GET data goes to the query instead); only JSON objects are kept."""
    if not body_text:
        return None
    if in_query:
        _add_query_arguments(body_text, properties, query)
        return None
    try:
        body_json = json.loads(body_text)
    except ValueError:
        body_json = None
    if not isinstance(body_json, dict):
        notes.append("The body is not a JSON object; only JSON bodies are supported, so it was left out.")
        return None
    body_template = {}
    for key, value in body_json.items():
        slot = safe_slot_name(key)
        if slot in properties:
            slot = f"body_{slot}"
        properties[slot] = _example_schema(value)
        body_template[key] = "{" + slot + "}"
    return body_template


def _descriptor_headers(
    headers: list[tuple[str, str]], *, user: str, hostname: str, notes: list[str]
) -> dict[str, str]:
    """The headers worth keeping; a credential's value is never copied, it becomes a secret reference."""
    secret_prefix = re.sub(r"[^A-Z0-9]+", "_", hostname.upper()).strip("_")[:40]
    if not secret_prefix[:1].isalpha():
        secret_prefix = f"API_{secret_prefix}".rstrip("_")
    kept: dict[str, str] = {}
    for key, value in headers:
        lowered = key.lower()
        if lowered in DROPPED_HEADERS or lowered.startswith(("proxy-", "x-forwarded-")):
            continue
        if lowered == "content-type" and "json" in value.lower():
            continue  # the executor sets it for JSON bodies
        if CREDENTIAL_NAME.search(key):
            secret = f"{secret_prefix}_{re.sub(r'[^A-Z0-9]+', '_', key.upper()).strip('_')}"[:64]
            scheme = value.split(" ", 1)[0] if " " in value else ""
            kept[key] = (f"{scheme} " if scheme else "") + "{{secret:" + secret + "}}"
            notes.append(
                f"The {key} header looked like a credential: create the tenant secret {secret} with its "
                "value (the value was not copied)."
            )
        else:
            kept[key] = value
    if user:
        secret = f"{secret_prefix}_BASIC_AUTH"
        kept["Authorization"] = "Basic {{secret:" + secret + "}}"
        notes.append(f"Create the tenant secret {secret} with the base64 of user:password (not copied).")
    return kept


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
