"""What staff should change when "Test this tool" fails: one hint per error class the executor reports.

The model only ever sees the uniform failure text; these hints are for the admin test page alone."""

from __future__ import annotations

from django.conf import settings

from httptools.reachability import base_url_refusal

# Refusals a setting may be behind: the hint then names the setting instead of blaming the Base URL.
_BY_SETTING = {"blocked_port", "blocked_address", "blocked_host"}

_BLOCKED = (
    "The platform refuses this address (private, loopback, metadata, or a scheme or port outside the allowlist): "
    "tools may only call public APIs over http(s) on allowed ports. Check the Base URL."
)
_UNREADABLE = "The response could not be read: check that the API answers plain HTTP/1.1 with JSON or text."

HINTS = {
    "invalid_arguments": "Change the arguments to match the tool's parameters (its Arguments schema).",
    "not_confirmed": 'This tool changes data: add "confirmed": true to the arguments to send a real request.',
    "timeout": "The API did not answer in time: raise Timeout seconds (30 at most) or check that the API is up.",
    "dns_failure": "The host name does not resolve: check the host in the Base URL.",
    "dns_timeout": "The host name did not resolve in time: check the host in the Base URL, then try again.",
    "connect_error": "Nothing answered at that address: check the Base URL's host and port and that the API runs.",
    "blocked_address": _BLOCKED,
    "blocked_host": _BLOCKED,
    "blocked_url": _BLOCKED,
    "blocked_scheme": _BLOCKED,
    "blocked_port": _BLOCKED,
    "blocked_redirect": "The API redirected to an address the platform refuses: put the final URL in Base URL.",
    "too_many_redirects": "The API redirected too many times: put the final URL in Base URL and Path template.",
    "too_large": "The response is larger than Max response bytes: raise it, or ask the API for fewer results.",
    "http_error": "The API answered with an HTTP error: check the Path template, the query parameters and the "
    "secrets the headers use (the response is below).",
    "secret_missing": "A {{secret:NAME}} the headers use is not set: add it among the tenant's secrets.",
    "visual_invalid": "The call worked but the response did not fit the card: check Visual props against the "
    "response below.",
    "bad_encoding": _UNREADABLE,
    "unsupported_encoding": _UNREADABLE,
    "protocol_error": _UNREADABLE,
    "idempotency_unavailable": "The duplicate-call guard (Redis) is unavailable: try again in a moment.",
}


def fix_hint(error_class: str | None, *, base_url: str = "") -> str:
    """How to fix a failed test run, in one sentence (naming the setting when one decides); empty for a success."""
    if not error_class:
        return ""
    reason = (base_url_refusal(base_url) if base_url and error_class in _BY_SETTING else None) or ""
    if "HTTPTOOLS_ALLOW_LOOPBACK" in reason:
        return (
            "This tool calls this machine, which HTTPTOOLS_ALLOW_LOOPBACK (development only) forbids: set "
            "HTTPTOOLS_ALLOW_LOOPBACK=1 in development, or point the Base URL at a public API."
        )
    if error_class == "blocked_port" or "HTTPTOOLS_ALLOWED_PORTS" in reason:
        allowed = ", ".join(str(port) for port in settings.HTTPTOOLS_ALLOWED_PORTS)
        return (
            f"The Base URL's port is not in HTTPTOOLS_ALLOWED_PORTS ({allowed}): use one of those ports, or add "
            "this one to HTTPTOOLS_ALLOWED_PORTS (with HTTPTOOLS_ALLOW_LOOPBACK on, the server's own PORT is "
            "allowed for loopback tools)."
        )
    return HINTS.get(error_class, "The call failed; the server log has the details.")
