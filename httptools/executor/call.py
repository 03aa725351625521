"""One tool call, end to end: `tool_trace` runs the stages, `tool_execute` is the entry point for live sessions.

`tool_execute` never raises for a tool problem: it returns a `ToolResult` whose `output` is the bounded text
for `function_call_output`. It enforces "a call id executes at most once per session" in Redis and writes
the tool_logs document itself (in a thread, or through `record`), so the caller must not write another one.
`tool_trace` does the same work without Redis or MongoDB, for the admin test page and the benchmark.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from channels.db import database_sync_to_async

from httptools.executor.arguments import ArgumentsInvalid, arguments_parse
from httptools.executor.idempotency import call_claim, call_key, call_remember, idempotency_key
from httptools.executor.mapping import ToolResult, exchange_result, tool_failure
from httptools.executor.rendering import RenderedRequest, SecretMissing, request_render, secret_names
from httptools.executor.transport import Exchange, request_send
from httptools.generation import needs_confirmation
from httptools.guard import GuardError, Resolver, ssl_context
from httptools.models import HttpTool
from httptools.redaction import arguments_redact, scrub
from httptools.validation import SECRET_REF
from httptools.visuals import visuals_warm_up
from tenants.models import SecretKind, TenantSecret
from transcripts.store import tool_log_write

logger = logging.getLogger(__name__)

ALREADY_EXECUTED = "This tool call was already executed; do not call it again with the same request."
NOT_ALLOWED = "This tool is not available in this conversation."
NEEDS_CONFIRMATION = (
    "Not done yet: this action changes data. Tell the visitor exactly what will happen and ask them to confirm "
    "out loud; call the tool again with confirmed=true only after they say yes."
)


@dataclass
class Trace:
    """Everything one call did, for the admin test page; secrets are masked or scrubbed throughout."""

    result: ToolResult
    request: RenderedRequest | None = None
    exchange: Exchange | None = None
    detail: str = ""  # why it failed, for staff only (the model sees the uniform text)


async def tool_trace(
    *,
    tool: HttpTool,
    arguments: Mapping[str, Any],
    secrets: Mapping[str, str],
    resolver: Resolver | None = None,
    idempotency: str | None = None,
    language: str | None = None,
) -> Trace:
    """Render, send, map and render the card (its fixed texts in `language`) for validated arguments; never
    raises for tool problems."""
    started = time.perf_counter()
    trace = Trace(result=tool_failure("unavailable", "internal_error"))
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
        trace.result = exchange_result(tool, exchange, language)
    except ArgumentsInvalid as exc:
        trace.result = tool_failure(
            "invalid_arguments",
            "invalid_arguments",
            f"The arguments were not valid: {exc}. Fix them and call the tool again.",
        )
        trace.detail = str(exc)
    except SecretMissing as exc:
        trace.result = tool_failure("unavailable", "secret_missing")
        trace.detail = f"The tenant has no secret named {exc}."
    except GuardError as exc:
        trace.result = tool_failure("unavailable", exc.error_class)
        trace.detail = str(exc)
    except TimeoutError:
        trace.result = tool_failure("unavailable", "timeout")
        trace.detail = f"No complete answer within {tool.timeout_seconds} s."
    except httpx.TimeoutException:
        trace.result = tool_failure("unavailable", "timeout")
        trace.detail = f"No complete answer within {tool.timeout_seconds} s."
    except httpx.ConnectError:
        trace.result = tool_failure("unavailable", "connect_error")
        trace.detail = "The connection was refused or failed."
    except httpx.HTTPError as exc:
        trace.result = tool_failure("unavailable", "protocol_error")
        trace.detail = type(exc).__name__
    except Exception as exc:  # a tool must never take the session down; the class goes to the log
        logger.warning("tool %s failed unexpectedly: %s", tool.name, type(exc).__name__)
        trace.result = tool_failure("unavailable", "internal_error")
        trace.detail = type(exc).__name__
    trace.detail = scrub(trace.detail, secrets)
    trace.result.output = scrub(trace.result.output, secrets)
    trace.result.latency_ms = (time.perf_counter() - started) * 1000
    return trace


def secrets_load(*, tenant_id: int, names: set[str]) -> dict[str, str]:
    """Plaintext values of the named secrets of one tenant (sync ORM: call via database_sync_to_async)."""
    if not names:
        return {}
    # Only tool secrets: the identity secret must never leave the platform, not even to the tenant's own API.
    return {
        s.name: s.reveal()
        for s in TenantSecret.objects.filter(tenant_id=tenant_id, kind=SecretKind.TOOL, name__in=sorted(names))
    }


def executor_warm_up() -> None:
    """Do the one-time work of a first call (TLS trust store, card templates) at start-up, not on the
    event loop of a live process where it would stall every session's audio for tens of milliseconds."""
    # httpcore picks its async backend (anyio) on the first request and imports it then.
    for module in ("anyio._backends._asyncio", "anyio.streams.tls", "httpcore._backends.anyio"):
        importlib.import_module(module)
    ssl_context()
    visuals_warm_up()


TOOL_LOG_RESULT_CHARS = 4000


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
    language: str | None = None,
) -> ToolResult:
    """Run one model tool call safely and log it to tool_logs (through `record` when given, else directly);
    the result's `output` goes to the model, its card speaks `language` (the session agent's)."""
    started = time.perf_counter()
    secrets: dict[str, str] = {}
    logged_arguments: Any = None
    try:
        if tool.tenant_id != tenant_id or not tool.enabled:
            result = tool_failure("not_allowed", "not_allowed", NOT_ALLOWED)
        else:
            result = await _execute(
                tool=tool,
                arguments_json=arguments_json,
                tenant_id=tenant_id,
                session_id=session_id,
                call_id=call_id,
                resolver=resolver,
                secrets=secrets,
                language=language,
            )
        try:
            logged_arguments = arguments_redact(json.loads(arguments_json or "{}"), secrets)
        except ValueError:
            logged_arguments = {"_unparsed": scrub(str(arguments_json)[:500], secrets)}
    except Exception as exc:
        logger.warning("tool %s crashed: %s", tool.name, type(exc).__name__)
        result = tool_failure("unavailable", "internal_error")
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
        # For the console's session detail: what the model was told (already scrubbed) and the card shown.
        "result": scrub(result.output[:TOOL_LOG_RESULT_CHARS], secrets),
        "visual": result.visual if result.html else None,
    }
    if record is not None:
        record(document)  # a live session queues it with its other records (kept and retried)
    else:
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
    language: str | None,
) -> ToolResult:
    try:
        arguments = arguments_parse(tool, arguments_json)
    except ArgumentsInvalid as exc:
        return tool_failure(
            "invalid_arguments",
            "invalid_arguments",
            f"The arguments were not valid: {exc}. Fix them and call the tool again.",
        )
    writes = needs_confirmation(tool)
    if writes and arguments.get("confirmed") is not True:
        return tool_failure("needs_confirmation", "not_confirmed", NEEDS_CONFIRMATION)
    key = call_key(tenant_id=tenant_id, session_id=session_id, call_id=call_id)
    try:
        claimed, earlier = await call_claim(key)
    except Exception as exc:
        # Without the claim a write could run twice: fail closed for writes, open for reads.
        logger.warning("idempotency store unavailable: %s", type(exc).__name__)
        if writes:
            return tool_failure("unavailable", "idempotency_unavailable")
        claimed, earlier = True, None
    if not claimed:
        if earlier is not None:
            earlier.status, earlier.error_class = "duplicate", "duplicate_call"
            return earlier
        return tool_failure("duplicate", "duplicate_call", ALREADY_EXECUTED)
    names = secret_names(tool)
    if names:
        # database_sync_to_async hands the connection back after the call: one kept open in the shared
        # thread would outlive a database restart and fail every later call.
        secrets.update(await database_sync_to_async(secrets_load)(tenant_id=tenant_id, names=names))
    idempotency = idempotency_key(tenant_id=tenant_id, session_id=session_id, call_id=call_id) if writes else None
    trace = await tool_trace(
        tool=tool,
        arguments=arguments,
        secrets=secrets,
        resolver=resolver,
        idempotency=idempotency,
        language=language,
    )
    try:
        await call_remember(key, trace.result)
    except Exception as exc:
        logger.warning("idempotency store write failed: %s", type(exc).__name__)
    return trace.result
