"""The HTTP request a descriptor describes for validated arguments, secrets filled into headers.

Path slots are percent-encoded so a value stays one segment; the rendered URL must keep the descriptor's
origin. The real header values are only ever sent; what staff see is the masked copy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from httptools.executor.arguments import ArgumentsInvalid
from httptools.guard import GuardError, host_problem
from httptools.models import HttpTool
from httptools.redaction import MASK
from httptools.validation import SECRET_REF, SLOT

USER_AGENT = "voiceagents-httptool/1"
# The one "absent" marker of the executor: an argument the model left out (its body key is dropped) and a
# response path that leads nowhere (`mapping.path_get`).
MISSING = object()


class SecretMissing(Exception):
    """A header names a secret the tenant does not have."""


@dataclass
class RenderedRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]  # real values, secrets included: only ever sent, never shown or logged
    masked_headers: list[tuple[str, str]]
    body: bytes | None = None
    body_json: Any = None


def secret_names(tool: HttpTool) -> set[str]:
    """The names of the tenant secrets the descriptor's headers reference."""
    names: set[str] = set()
    for value in (tool.headers or {}).values():
        if isinstance(value, str):
            names |= set(SECRET_REF.findall(value))
    return names


def request_render(
    tool: HttpTool,
    arguments: Mapping[str, Any],
    *,
    secrets: Mapping[str, str],
    idempotency: str | None = None,
) -> RenderedRequest:
    """The request the descriptor describes for these (already validated) arguments."""
    values = {key: value for key, value in arguments.items() if key != "confirmed"}
    values.update(tool.constants or {})  # constants fill slots the model never fills
    problem = host_problem(urlsplit(tool.base_url).hostname or "")
    if problem:
        raise GuardError("blocked_host", problem)  # re-checked at call time: settings may have changed
    path = _render_path(tool.path_template or "/", values)
    query = _render_query(tool.query_params or {}, values)
    url = tool.base_url.rstrip("/") + path + ("?" + urlencode(query, quote_via=quote, safe="") if query else "")
    try:
        base, final = httpx.URL(tool.base_url), httpx.URL(url)
    except httpx.InvalidURL:
        raise GuardError("blocked_url", "the URL is not valid") from None
    if (final.scheme, final.host, final.port) != (base.scheme, base.host, base.port):
        raise GuardError("blocked_url", "the rendered URL changed origin")  # defence in depth
    headers: list[tuple[str, str]] = [
        ("Accept", "application/json"),
        ("User-Agent", USER_AGENT),
        ("Accept-Encoding", "gzip, deflate"),
    ]
    masked = list(headers)
    for name, template in (tool.headers or {}).items():
        real = SECRET_REF.sub(lambda m: _secret(secrets, m.group(1)), template)
        headers.append((name, real))
        masked.append((name, SECRET_REF.sub(lambda m: f"{MASK} (secret {m.group(1)})", template)))
    body: bytes | None = None
    body_json: Any = None
    if tool.body_template is not None and tool.method != "GET":
        body_json = _render_body(tool.body_template, values)
        if body_json is MISSING:
            body_json = None
        body = json.dumps(body_json, ensure_ascii=False, separators=(",", ":")).encode()
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
            masked.append(("Content-Type", "application/json"))
    if idempotency:
        headers.append(("Idempotency-Key", idempotency))
        masked.append(("Idempotency-Key", idempotency))
    return RenderedRequest(
        method=tool.method, url=str(final), headers=headers, masked_headers=masked, body=body, body_json=body_json
    )


def _secret(secrets: Mapping[str, str], name: str) -> str:
    if name not in secrets:
        raise SecretMissing(name)
    return secrets[name]


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _interpolate(template: str, values: Mapping[str, Any]) -> str:
    return SLOT.sub(lambda m: _scalar_text(values.get(m.group(1))), template)


def _render_path(template: str, values: Mapping[str, Any]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values or values[name] is None:
            raise ArgumentsInvalid(f"{name} is required")
        text = _scalar_text(values[name])
        if text in {"", ".", ".."}:
            raise ArgumentsInvalid(f"{name} may not be empty, '.' or '..'")
        return quote(text, safe="")  # '/', '?', '#', '%', CR/LF all become %XX: a value stays one segment

    return SLOT.sub(fill, template)


def _render_query(params: Mapping[str, Any], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, template in params.items():
        if not isinstance(template, str):
            pairs.append((name, _scalar_text(template)))
            continue
        slots = SLOT.findall(template)
        if any(values.get(slot) is None for slot in slots):
            continue  # an optional argument the model left out: omit the parameter
        whole = SLOT.fullmatch(template)
        if whole and isinstance(values[whole.group(1)], list):
            pairs.extend((name, _scalar_text(item)) for item in values[whole.group(1)])
        else:
            pairs.append((name, _interpolate(template, values)))
    return pairs


def _render_body(template: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(template, str):
        whole = SLOT.fullmatch(template)
        if whole:
            return values.get(whole.group(1), MISSING)  # keeps the argument's JSON type
        return _interpolate(template, values)
    if isinstance(template, dict):
        rendered = {key: _render_body(value, values) for key, value in template.items()}
        return {key: value for key, value in rendered.items() if value is not MISSING}
    if isinstance(template, list):
        return [item for item in (_render_body(v, values) for v in template) if item is not MISSING]
    return template
