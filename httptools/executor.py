"""The tool executor: validate arguments, render the request, send it through the SSRF guard, map the response.

`tool_execute` is the entry point for the realtime consumer: it never raises for a tool problem, it returns a
`ToolResult` whose `output` is the bounded text for `function_call_output`. It enforces "a call id executes
at most once per session" in Redis and writes the tool_logs document itself (in a thread), so the caller must
not write another one. `tool_trace` does the same work without Redis or MongoDB, for the admin test page and
the benchmark.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from channels.db import database_sync_to_async
from jsonschema import Draft202012Validator

from httptools.generation import needs_confirmation, tool_parameters
from httptools.guard import GuardError, Resolver, check_port, host_problem, pinned_transport, resolve_pinned
from httptools.models import HttpTool
from httptools.redaction import CREDENTIAL_NAME, MASK, arguments_redact, scrub
from httptools.validation import SECRET_REF, SLOT
from httptools.visuals import VisualError, render_visual

logger = logging.getLogger(__name__)

UNAVAILABLE = "The tool is unavailable right now."
ALREADY_EXECUTED = "This tool call was already executed; do not call it again with the same request."
NOT_ALLOWED = "This tool is not available in this conversation."
NEEDS_CONFIRMATION = (
    "Not done yet: this action changes data. Tell the visitor exactly what will happen and ask them to confirm "
    "out loud; call the tool again with confirmed=true only after they say yes."
)
MAX_ARGUMENTS_CHARS = 16_000
MAX_REDIRECTS = 3
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
USER_AGENT = "voiceagents-httptool/1"


class ArgumentsInvalid(Exception):
    """The model's arguments do not fit the schema; the message is safe to show the model."""


class SecretMissing(Exception):
    """A header names a secret the tenant does not have."""


@dataclass
class ToolResult:
    ok: bool
    output: str
    visual: str | None = None
    props: dict[str, Any] | None = None
    html: str | None = None
    status: str = "ok"
    http_status: int | None = None
    latency_ms: float = 0.0
    error_class: str | None = None
    response_bytes: int = 0


@dataclass
class RenderedRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]  # real values, secrets included: only ever sent, never shown or logged
    masked_headers: list[tuple[str, str]]
    body: bytes | None = None
    body_json: Any = None


@dataclass
class Exchange:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    data: Any
    final_url: str
    redirects: list[str] = field(default_factory=list)


@dataclass
class Trace:
    """Everything one call did, for the admin test page; secrets are masked or scrubbed throughout."""

    result: ToolResult
    request: RenderedRequest | None = None
    exchange: Exchange | None = None
    detail: str = ""  # why it failed, for staff only (the model sees the uniform text)


# ----- arguments -------------------------------------------------------------------------------------------

_validators: dict[str, Draft202012Validator] = {}


def _validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    key = json.dumps(schema, sort_keys=True)
    validator = _validators.get(key)
    if validator is None:
        if len(_validators) > 512:
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


# ----- rendering -------------------------------------------------------------------------------------------


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


_MISSING = object()


def _render_body(template: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(template, str):
        whole = SLOT.fullmatch(template)
        if whole:
            return values.get(whole.group(1), _MISSING)  # keeps the argument's JSON type
        return _interpolate(template, values)
    if isinstance(template, dict):
        rendered = {key: _render_body(value, values) for key, value in template.items()}
        return {key: value for key, value in rendered.items() if value is not _MISSING}
    if isinstance(template, list):
        return [item for item in (_render_body(v, values) for v in template) if item is not _MISSING]
    return template


def secret_names(tool: HttpTool) -> set[str]:
    names: set[str] = set()
    for value in (tool.headers or {}).values():
        if isinstance(value, str):
            names |= set(SECRET_REF.findall(value))
    return names


def idempotency_key(*, tenant_id: int, session_id: str, call_id: str) -> str:
    digest = hashlib.sha256(f"{tenant_id}\x00{session_id}\x00{call_id}".encode()).hexdigest()
    return f"va-{digest[:40]}"


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
        if body_json is _MISSING:
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


# ----- sending ---------------------------------------------------------------------------------------------


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


async def request_send(
    rendered: RenderedRequest,
    *,
    max_bytes: int,
    io_timeout: float,
    resolver: Resolver | None = None,
    credential_headers: set[str] | None = None,
) -> Exchange:
    """Send through the guard: resolve once per hop, dial only the pinned address, follow at most 3 checked
    redirects (credentials dropped when the origin changes), read at most `max_bytes` decoded bytes."""
    url = httpx.URL(rendered.url)
    method, body = rendered.method, rendered.body
    headers = list(rendered.headers)
    # Dropped when a redirect leaves the origin: headers named like a credential and those carrying a secret.
    sensitive = {name.lower() for name, _ in headers if CREDENTIAL_NAME.search(name)}
    sensitive |= {name.lower() for name in (credential_headers or set())}
    redirects: list[str] = []
    timeouts = {"connect": io_timeout, "read": io_timeout, "write": io_timeout, "pool": io_timeout}
    for hop in range(MAX_REDIRECTS + 1):
        port = check_port(url.scheme, url.port)
        host = url.raw_host.decode("ascii")
        address = await resolve_pinned(host, port, resolver=resolver)
        transport = pinned_transport(scheme=url.scheme, host=host, port=port, address=address)
        request = httpx.Request(method, url, headers=headers, content=body, extensions={"timeout": timeouts})
        response = await transport.handle_async_request(request)
        try:
            location = response.headers.get("location")
            if response.status_code in REDIRECT_STATUSES and location:
                if hop == MAX_REDIRECTS:
                    raise GuardError("too_many_redirects", "more than 3 redirects")
                try:
                    target = url.join(location)
                except httpx.InvalidURL:
                    raise GuardError("blocked_redirect", "unparseable redirect target") from None
                if target.scheme not in {"http", "https"} or target.userinfo:
                    raise GuardError("blocked_redirect", "redirect to a disallowed URL")
                if _origin(target) != _origin(url):
                    headers = [(k, v) for k, v in headers if k.lower() not in sensitive]
                if response.status_code == 303 or (response.status_code in {301, 302} and method == "POST"):
                    method, body = "GET", None
                    headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
                redirects.append(str(target.copy_with(query=None)))
                url = target
                continue
            raw = await _read_capped(response, max_bytes)
            return Exchange(
                status=response.status_code,
                headers=list(response.headers.items()),
                body=raw,
                data=_parse(raw, response.headers.get("content-type", "")),
                final_url=str(url),
                redirects=redirects,
            )
        finally:
            await response.aclose()
    raise GuardError("too_many_redirects")  # pragma: no cover - the loop always returns or raises


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """Decode gzip/deflate ourselves with a bound per step, so a compression bomb never fills memory."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        decoder = None
    elif encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj()
    else:
        raise GuardError("unsupported_encoding", f"content-encoding {encoding!r}")
    declared = response.headers.get("content-length", "")
    if decoder is None and declared.isdigit() and int(declared) > max_bytes:
        raise GuardError("too_large", "declared length above the cap")
    buffer = bytearray()
    raw_seen = 0
    async for chunk in response.aiter_raw():
        raw_seen += len(chunk)
        if raw_seen > max_bytes + 65_536:
            raise GuardError("too_large", "body above the cap")
        if decoder is None:
            buffer += chunk
        else:
            pending = chunk
            while pending:
                try:
                    buffer += decoder.decompress(pending, max_bytes + 1 - len(buffer))
                except zlib.error:
                    raise GuardError("bad_encoding", "the body is not valid compressed data") from None
                pending = decoder.unconsumed_tail
                if len(buffer) > max_bytes:
                    break
        if len(buffer) > max_bytes:
            raise GuardError("too_large", "body above the cap")
    return bytes(buffer)


def _parse(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if "json" in content_type.lower() or stripped[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


# ----- mapping ---------------------------------------------------------------------------------------------

MISSING = object()


def path_get(data: Any, path: str) -> Any:
    """Follow a dotted path (`results.0.name`); digits index lists; `$` is the whole value; MISSING if absent."""
    if path in ("$", ""):
        return data
    if path.startswith("$."):
        path = path[2:]
    current = data
    for part in path.split("."):
        if isinstance(current, list) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return MISSING
            current = current[index]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return MISSING
    return current


def _pick(item: Any, fields: list[str] | None) -> Any:
    if not fields or not isinstance(item, dict | list):
        return item
    picked = {}
    for name in fields:
        value = path_get(item, name)
        if value is not MISSING:
            picked[name] = value
    return picked


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def response_map(mapping: Mapping[str, Any], data: Any) -> str:
    """The bounded text the model gets: picked fields, at most `max_items` items and `max_chars` characters."""
    max_items = int(mapping.get("max_items") or 5)
    max_chars = int(mapping.get("max_chars") or 2000)
    fields = mapping.get("fields") or None
    if isinstance(data, str):
        text = " ".join(data.split())
        return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
    items_path = mapping.get("items")
    items: Any = path_get(data, items_path) if items_path else (data if isinstance(data, list) else None)
    if items_path and not isinstance(items, list):
        items = []
    if items is None:
        text = _dump(_pick(data, fields))
    else:
        shown = [_pick(item, fields) for item in items[:max_items]]
        while True:
            payload: dict[str, Any] = {"count": len(items), "items": shown}
            if len(shown) < len(items):
                payload["note"] = f"showing {len(shown)} of {len(items)}"
            text = _dump(payload)
            if len(text) <= max_chars or len(shown) <= 1:
                break
            shown = shown[:-1]  # drop whole items before cutting text, so the JSON stays readable
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def props_map(visual_props: Mapping[str, str], data: Any) -> dict[str, Any]:
    if not visual_props:
        return dict(data) if isinstance(data, dict) else {}
    props = {}
    for prop, path in visual_props.items():
        value = path_get(data, path)
        if value is not MISSING:
            props[prop] = value
    return props


# ----- one call, end to end --------------------------------------------------------------------------------


def _failure(status: str, error_class: str, output: str = UNAVAILABLE, http_status: int | None = None) -> ToolResult:
    return ToolResult(ok=False, output=output, status=status, error_class=error_class, http_status=http_status)


def _error_text(data: Any) -> str:
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str):
                return " ".join(value.split())[:200]
    return ""


async def tool_trace(
    *,
    tool: HttpTool,
    arguments: Mapping[str, Any],
    secrets: Mapping[str, str],
    resolver: Resolver | None = None,
    idempotency: str | None = None,
) -> Trace:
    """Render, send, map and render the card for validated arguments; never raises for tool problems."""
    started = time.perf_counter()
    trace = Trace(result=_failure("unavailable", "internal_error"))
    try:
        rendered = request_render(tool, arguments, secrets=secrets, idempotency=idempotency)
        trace.request = RenderedRequest(
            method=rendered.method,
            url=rendered.url,
            headers=[],
            masked_headers=rendered.masked_headers,
            body=None,
            body_json=scrub(rendered.body_json, secrets),
        )
        credential_headers = {name for name, value in (tool.headers or {}).items() if SECRET_REF.search(value)}
        async with asyncio.timeout(tool.timeout_seconds):
            exchange = await request_send(
                rendered,
                max_bytes=tool.max_response_bytes,
                io_timeout=tool.timeout_seconds,
                resolver=resolver,
                credential_headers=credential_headers,
            )
        exchange.body = scrub(exchange.body, secrets)
        exchange.data = scrub(exchange.data, secrets)
        exchange.headers = scrub(exchange.headers, secrets)
        trace.exchange = exchange
        trace.result = _result_from(tool, exchange)
    except ArgumentsInvalid as exc:
        trace.result = _failure(
            "invalid_arguments",
            "invalid_arguments",
            f"The arguments were not valid: {exc}. Fix them and call the tool again.",
        )
        trace.detail = str(exc)
    except SecretMissing as exc:
        trace.result = _failure("unavailable", "secret_missing")
        trace.detail = f"The tenant has no secret named {exc}."
    except GuardError as exc:
        trace.result = _failure("unavailable", exc.error_class)
        trace.detail = str(exc)
    except TimeoutError:
        trace.result = _failure("unavailable", "timeout")
        trace.detail = f"No complete answer within {tool.timeout_seconds} s."
    except httpx.TimeoutException:
        trace.result = _failure("unavailable", "timeout")
        trace.detail = f"No complete answer within {tool.timeout_seconds} s."
    except httpx.ConnectError:
        trace.result = _failure("unavailable", "connect_error")
        trace.detail = "The connection was refused or failed."
    except httpx.HTTPError as exc:
        trace.result = _failure("unavailable", "protocol_error")
        trace.detail = type(exc).__name__
    except Exception as exc:  # a tool must never take the session down; the class goes to the log
        logger.warning("tool %s failed unexpectedly: %s", tool.name, type(exc).__name__)
        trace.result = _failure("unavailable", "internal_error")
        trace.detail = type(exc).__name__
    trace.detail = scrub(trace.detail, secrets)
    trace.result.output = scrub(trace.result.output, secrets)
    trace.result.latency_ms = (time.perf_counter() - started) * 1000
    return trace


def _result_from(tool: HttpTool, exchange: Exchange) -> ToolResult:
    status, size = exchange.status, len(exchange.body)
    if 200 <= status < 300:
        output = (
            response_map(tool.response_mapping or {}, exchange.data)
            if exchange.body.strip()
            else f"Done (HTTP {status}, no content)."
        )
        result = ToolResult(ok=True, output=output, status="ok", http_status=status, response_bytes=size)
        if tool.visual:
            props = props_map(tool.visual_props or {}, exchange.data)
            try:
                result.html = render_visual(tool.visual, props)
                result.visual, result.props = tool.visual, props
            except VisualError:
                result.error_class = "visual_invalid"  # the call worked; only the card is skipped
        return result
    if 400 <= status < 500:
        detail = _error_text(exchange.data)
        output = f"The service refused the request (HTTP {status})." + (f" It said: {detail}" if detail else "")
        failure = _failure("http_error", f"http_{status}", output, http_status=status)
    else:
        failure = _failure("unavailable", f"http_{status}", http_status=status)
    failure.response_bytes = size
    return failure


def secrets_load(*, tenant_id: int, names: set[str]) -> dict[str, str]:
    """Plaintext values of the named secrets of one tenant (sync ORM: call via database_sync_to_async)."""
    from tenants.models import TenantSecret

    if not names:
        return {}
    return {s.name: s.reveal() for s in TenantSecret.objects.filter(tenant_id=tenant_id, name__in=sorted(names))}


def _call_key(*, tenant_id: int, session_id: str, call_id: str) -> str:
    digest = hashlib.sha256(f"{session_id}\x00{call_id}".encode()).hexdigest()[:32]
    return f"httptools:call:{tenant_id}:{digest}"


def _redis() -> Any:
    from config import redis

    return redis.connection()


async def _claim(key: str) -> tuple[bool, ToolResult | None]:
    """(claimed, earlier result): SET NX makes the first caller the only one that sends the request."""
    connection = _redis()
    claimed = await asyncio.to_thread(connection.set, key, "pending", nx=True, ex=IDEMPOTENCY_TTL_SECONDS)
    if claimed:
        return True, None
    stored = await asyncio.to_thread(connection.get, key)
    if stored and stored != b"pending":
        try:
            data = json.loads(stored)
            return False, ToolResult(**{k: v for k, v in data.items() if k in ToolResult.__dataclass_fields__})
        except (ValueError, TypeError):
            pass
    return False, None


async def _remember(key: str, result: ToolResult) -> None:
    stored = {k: v for k, v in asdict(result).items() if k not in {"html", "props", "visual"}}
    await asyncio.to_thread(_redis().set, key, json.dumps(stored), xx=True, keepttl=True)


def executor_warm_up() -> None:
    """Do the one-time work of a first call (TLS trust store, card templates) at start-up, not on the
    event loop of a live process where it would stall every session's audio for tens of milliseconds."""
    import importlib

    from httptools.guard import ssl_context
    from httptools.visuals import visuals_warm_up

    # httpcore picks its async backend (anyio) on the first request and imports it then.
    for module in ("anyio._backends._asyncio", "anyio.streams.tls", "httpcore._backends.anyio"):
        importlib.import_module(module)
    ssl_context()
    visuals_warm_up()


async def tool_execute(
    *,
    tool: HttpTool,
    arguments_json: str,
    tenant_id: int,
    channel: str,
    session_id: str,
    call_id: str,
    resolver: Resolver | None = None,
    record: Callable[[dict[str, Any]], None] | None = None,
) -> ToolResult:
    """Run one model tool call safely and log it to tool_logs (through `record` when given, else directly);
    the result's `output` goes to the model."""
    started = time.perf_counter()
    secrets: dict[str, str] = {}
    logged_arguments: Any = None
    try:
        if tool.tenant_id != tenant_id or not tool.enabled:
            result = _failure("not_allowed", "not_allowed", NOT_ALLOWED)
        else:
            result = await _execute(
                tool=tool,
                arguments_json=arguments_json,
                tenant_id=tenant_id,
                session_id=session_id,
                call_id=call_id,
                resolver=resolver,
                secrets=secrets,
            )
        try:
            logged_arguments = arguments_redact(json.loads(arguments_json or "{}"), secrets)
        except ValueError:
            logged_arguments = {"_unparsed": scrub(str(arguments_json)[:500], secrets)}
    except Exception as exc:
        logger.warning("tool %s crashed: %s", tool.name, type(exc).__name__)
        result = _failure("unavailable", "internal_error")
    result.latency_ms = (time.perf_counter() - started) * 1000
    document = {
        "kind": "call",
        "tenantId": tenant_id,
        "channel": channel,
        "sessionId": session_id,
        "callId": call_id,
        "tool": tool.name,
        "toolVersion": tool.version,
        "arguments": logged_arguments,
        "status": result.status,
        "httpStatus": result.http_status,
        "latencyMs": round(result.latency_ms, 2),
        "responseBytes": result.response_bytes,
        "errorClass": result.error_class,
    }
    if record is not None:
        record(document)  # a live session queues it with its other records (kept and retried)
    else:
        from transcripts.store import tool_log_write

        await asyncio.to_thread(tool_log_write, document)
    return result


async def _execute(
    *,
    tool: HttpTool,
    arguments_json: str,
    tenant_id: int,
    session_id: str,
    call_id: str,
    resolver: Resolver | None,
    secrets: dict[str, str],
) -> ToolResult:
    try:
        arguments = arguments_parse(tool, arguments_json)
    except ArgumentsInvalid as exc:
        return _failure(
            "invalid_arguments",
            "invalid_arguments",
            f"The arguments were not valid: {exc}. Fix them and call the tool again.",
        )
    writes = needs_confirmation(tool)
    if writes and arguments.get("confirmed") is not True:
        return _failure("needs_confirmation", "not_confirmed", NEEDS_CONFIRMATION)
    key = _call_key(tenant_id=tenant_id, session_id=session_id, call_id=call_id)
    try:
        claimed, earlier = await _claim(key)
    except Exception as exc:
        # Without the claim a write could run twice: fail closed for writes, open for reads.
        logger.warning("idempotency store unavailable: %s", type(exc).__name__)
        if writes:
            return _failure("unavailable", "idempotency_unavailable")
        claimed, earlier = True, None
    if not claimed:
        if earlier is not None:
            earlier.status, earlier.error_class = "duplicate", "duplicate_call"
            return earlier
        return _failure("duplicate", "duplicate_call", ALREADY_EXECUTED)
    names = secret_names(tool)
    if names:
        # database_sync_to_async hands the connection back after the call: one kept open in the shared
        # thread would outlive a database restart and fail every later call.
        secrets.update(await database_sync_to_async(secrets_load)(tenant_id=tenant_id, names=names))
    idempotency = idempotency_key(tenant_id=tenant_id, session_id=session_id, call_id=call_id) if writes else None
    trace = await tool_trace(
        tool=tool, arguments=arguments, secrets=secrets, resolver=resolver, idempotency=idempotency
    )
    try:
        await _remember(key, trace.result)
    except Exception as exc:
        logger.warning("idempotency store write failed: %s", type(exc).__name__)
    return trace.result
