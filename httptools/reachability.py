"""Which saved tools the guard would refuse to call under the current settings, found without any network
I/O: a tool saved while a port or loopback was allowed, and run after the settings changed (or `make run` on
another PORT), fails every call. `/readyz` and `make run`'s banner report them, naming the setting to change."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from httptools.guard import GuardError, check_port, host_problem, ip_literal, is_loopback
from httptools.models import HttpTool

MAX_CHECKED = 2000  # /readyz is polled: a bounded, URL-only query


@dataclass(frozen=True)
class Refusal:
    tool_id: int
    tenant_id: int
    name: str
    reason: str  # says which setting to change


def base_url_refusal(base_url: str) -> str | None:
    """Why the guard would refuse every call of a tool with this base URL, or None."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    literal = ip_literal(host)
    loopback = host == "localhost" or (literal is not None and is_loopback(str(literal)))
    if loopback and not settings.HTTPTOOLS_ALLOW_LOOPBACK:
        return "it calls a loopback address and HTTPTOOLS_ALLOW_LOOPBACK is off"
    try:
        port = parts.port
        check_port(parts.scheme, port, address="127.0.0.1" if loopback else None)
    except ValueError:
        return "its port is not a number"
    except GuardError:
        allowed = ", ".join(str(port) for port in settings.HTTPTOOLS_ALLOWED_PORTS)
        return f"its port {parts.port} is not in HTTPTOOLS_ALLOWED_PORTS ({allowed})"
    problem = None if loopback else host_problem(host)
    return f"its host is refused: {problem}" if problem else None


def tools_refused() -> list[Refusal]:
    """Enabled tools (of every tenant: operators' readiness, not tenant data) the guard would refuse."""
    rows = HttpTool.objects.filter(enabled=True).values_list("pk", "tenant_id", "name", "base_url")[:MAX_CHECKED]
    refused = []
    for pk, tenant_id, name, base_url in rows:
        reason = base_url_refusal(base_url)
        if reason:
            refused.append(Refusal(tool_id=pk, tenant_id=tenant_id, name=name, reason=reason))
    return refused


def refusal_warnings() -> list[str]:
    """One line per reason, with how many tools it stops (no names: /readyz is public)."""
    counts = Counter(refusal.reason for refusal in tools_refused())
    return [f"{count} enabled HTTP tool(s) cannot be called: {reason}" for reason, count in sorted(counts.items())]
