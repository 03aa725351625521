"""The tool executor: one model tool call, from the model's JSON to the text it gets back. One module a stage,
in the order a call goes through them:

- `arguments`   parse the model's JSON and validate it against the closed schema (before any I/O);
- `idempotency` claim the call id in Redis so it runs at most once per session; a write's Idempotency-Key;
- `rendering`   the request the descriptor describes: URL, query, body, headers with the tenant's secrets;
- `transport`   send it through the SSRF guard: pinned address, checked redirects, a capped, decoded body;
- `mapping`     the response as the bounded text the model gets, the card's props, the `ToolResult`;
- `httptools.redaction` scrubs secrets from everything returned and logged (shared with validation and the
  importers, so it lives beside them);
- `call`        `tool_trace` runs rendering to mapping (the admin test page, the benchmark); `tool_execute`,
  the entry point for live sessions, adds the checks, the claim and the tool_logs document.
"""

from __future__ import annotations

from httptools.executor.arguments import MAX_ARGUMENTS_CHARS, ArgumentsInvalid, arguments_parse
from httptools.executor.call import (
    ALREADY_EXECUTED,
    NEEDS_CONFIRMATION,
    NOT_ALLOWED,
    Trace,
    executor_warm_up,
    secrets_load,
    tool_execute,
    tool_trace,
)
from httptools.executor.idempotency import IDEMPOTENCY_TTL_SECONDS, idempotency_key
from httptools.executor.mapping import UNAVAILABLE, ToolResult, path_get, props_map, response_map
from httptools.executor.rendering import (
    MISSING,
    USER_AGENT,
    RenderedRequest,
    SecretMissing,
    request_render,
    secret_names,
)
from httptools.executor.transport import MAX_REDIRECTS, REDIRECT_STATUSES, Exchange, request_send
from httptools.redaction import arguments_redact, scrub

__all__ = [
    "ALREADY_EXECUTED",
    "IDEMPOTENCY_TTL_SECONDS",
    "MAX_ARGUMENTS_CHARS",
    "MAX_REDIRECTS",
    "MISSING",
    "NEEDS_CONFIRMATION",
    "NOT_ALLOWED",
    "REDIRECT_STATUSES",
    "UNAVAILABLE",
    "USER_AGENT",
    "ArgumentsInvalid",
    "Exchange",
    "RenderedRequest",
    "SecretMissing",
    "ToolResult",
    "Trace",
    "arguments_parse",
    "arguments_redact",
    "executor_warm_up",
    "idempotency_key",
    "path_get",
    "props_map",
    "request_render",
    "request_send",
    "response_map",
    "scrub",
    "secret_names",
    "secrets_load",
    "tool_execute",
    "tool_trace",
]
