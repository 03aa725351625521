"""The visitor socket's protocol and the `platform.*` events, from `agents/protocol.py` and the session's own
dispatch of what a visitor may send (`agents/session.py`)."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from agents import protocol

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL_SOURCE = ROOT / "agents" / "protocol.py"
SESSION_SOURCE = ROOT / "agents" / "session.py"


@dataclass(frozen=True)
class ServerEvent:
    type: str
    fields: tuple[str, ...]
    builder: str
    doc: str


def server_events() -> list[ServerEvent]:
    """Every event a builder in agents/protocol.py sends: its type, its fields and the builder's docstring."""
    events = []
    tree = ast.parse(PROTOCOL_SOURCE.read_text())
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_event"):
                continue
            payload = node.args[0]
            if not isinstance(payload, ast.Dict):
                continue
            keys = [k.value for k in payload.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            values = dict(zip(keys, payload.values, strict=False))
            kind = values.get("type")
            if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                fields = tuple(k for k in keys if k != "type")
                doc = " ".join((ast.get_docstring(function) or "").split())
                doc = doc.removeprefix(f"`{kind.value}`:").strip()
                events.append(ServerEvent(kind.value, ("event_id", *fields), function.name, doc))
    return events


def client_events() -> list[str]:
    """Every event type the session accepts from a visitor, from the comparisons in its `_client_event`."""
    tree = ast.parse(SESSION_SOURCE.read_text())
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "_client_event":
            for compare in ast.walk(node):
                if (
                    isinstance(compare, ast.Compare)
                    and isinstance(compare.left, ast.Name)
                    and compare.left.id == "kind"
                ):
                    for right in compare.comparators:
                        options = right.elts if isinstance(right, ast.Tuple | ast.Set | ast.List) else [right]
                        found += [o.value for o in options if isinstance(o, ast.Constant) and isinstance(o.value, str)]
    if not found:
        raise LookupError("agents/session.py has no _client_event dispatch on `kind` to document")
    return list(dict.fromkeys(found))


def platform_events() -> set[str]:
    """Every `platform.*` event type the server sends or accepts."""
    names = {event.type for event in server_events()} | set(client_events())
    return {name for name in names if name.startswith("platform.")}


def markdown() -> str:
    out = [
        "## The socket",
        "",
        "| what | value |",
        "|---|---|",
        f"| path | `{protocol.WS_PATH}` |",
        f"| subprotocols the client offers | `{protocol.SUBPROTOCOL}` and `{protocol.TOKEN_PREFIX}<token>` "
        "(the token from the bootstrap, never in the URL) |",
        f"| largest frame the relay handles | {protocol.MAX_CLIENT_FRAME:,} bytes |",
        f"| longest typed turn | {protocol.MAX_USER_TEXT:,} characters |",
        "",
        "Close codes:",
        "",
        "| code | meaning |",
        "|---|---|",
        f"| `{protocol.CLOSE_NORMAL}` | the session ended normally (`platform.ended` says why) |",
        f"| `{protocol.CLOSE_REFUSED}` | refused after a `platform.notice` saying why (busy, over budget, no agent) |",
    ]
    out += [f"| `{code}` | {reason} |" for code, reason in protocol.CLOSE_REASONS.items()]
    out += ["", "## What a visitor may send", "", "Anything else is answered with an `error` event.", ""]
    out += [f"- `{kind}`" for kind in client_events()]
    out += [
        "",
        "## What the server sends",
        "",
        "The OpenAI Realtime events a visitor may see (everything else, `session.*` included, stays on the server):",
        "",
    ]
    out += [f"- `{kind}`" for kind in sorted(protocol.VISITOR_EVENTS)]
    out += ["", "And the events the relay builds itself:", "", "| event | fields | what it is |", "|---|---|---|"]
    for event in server_events():
        fields = ", ".join(f"`{field}`" for field in event.fields)
        out.append(f"| `{event.type}` | {fields} | {event.doc.replace('|', '/')} <small>(`{event.builder}`)</small> |")
    out += ["", "## Notices", "", "`platform.notice` codes and the line the visitor reads:", "", "| code | message |"]
    out += ["|---|---|"] + [f"| `{code}` | {message} |" for code, message in protocol.NOTICES.items()]
    out += [
        "",
        "## What the pages embed",
        "",
        "The widget and console pages get these constants from the server (`#va-protocol`), so the browser "
        "client keeps no copy:",
        "",
        "```json",
        json.dumps(protocol.browser_protocol(), indent=2),
        "```",
    ]
    return "\n".join(out) + "\n"
