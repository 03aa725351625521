"""A model call id executes at most once per session, and a write carries an Idempotency-Key.

The claim is one Redis `SET NX` with a 24-hour TTL: the first caller sends the request, a repeat gets the
first result back (or "pending" while it runs).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import asdict

from config import redis
from httptools.executor.mapping import ToolResult

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
PENDING = b"pending"


def idempotency_key(*, tenant_id: int, session_id: str, call_id: str) -> str:
    """The Idempotency-Key header a write request carries: the same call id always gives the same key."""
    digest = hashlib.sha256(f"{tenant_id}\x00{session_id}\x00{call_id}".encode()).hexdigest()
    return f"va-{digest[:40]}"


def call_key(*, tenant_id: int, session_id: str, call_id: str) -> str:
    """The Redis key that records one call id of one session."""
    digest = hashlib.sha256(f"{session_id}\x00{call_id}".encode()).hexdigest()[:32]
    return f"httptools:call:{tenant_id}:{digest}"


async def call_claim(key: str) -> tuple[bool, ToolResult | None]:
    """(claimed, earlier result): SET NX makes the first caller the only one that sends the request."""
    connection = redis.connection()
    claimed = await asyncio.to_thread(connection.set, key, PENDING, nx=True, ex=IDEMPOTENCY_TTL_SECONDS)
    if claimed:
        return True, None
    stored = await asyncio.to_thread(connection.get, key)
    if stored and stored != PENDING:
        try:
            data = json.loads(stored)
            return False, ToolResult(**{k: v for k, v in data.items() if k in ToolResult.__dataclass_fields__})
        except (ValueError, TypeError):
            pass
    return False, None


async def call_remember(key: str, result: ToolResult) -> None:
    """Store a claimed call's result (without its card) for the repeats that may follow."""
    stored = {k: v for k, v in asdict(result).items() if k not in {"html", "props", "visual", "offers"}}
    await asyncio.to_thread(redis.connection().set, key, json.dumps(stored), xx=True, keepttl=True)
