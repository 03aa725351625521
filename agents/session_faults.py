"""How a live session answers what the upstream API refuses or fails: errors matched to the event that caused
them, a refused session config, a failed input transcription. Visitors get a friendly notice and never the
upstream message (it may quote the session config); staff read it in the log, the tool log and the console.

A mixin of `agents.session.AgentSession`, kept apart so the relay's frame paths stay readable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from agents import protocol
from agents.plans import SessionPlan
from agents.session_records import SessionRecords
from agents.turns import ResponseGate, SentEvents

logger = logging.getLogger("agents.session")


class UpstreamFaults:
    plan: SessionPlan
    debug: bool
    records: SessionRecords
    _gate: ResponseGate
    _sent: SentEvents
    _configured: Any  # asyncio.Event
    end: Callable[..., Awaitable[None]]
    _forward_raw: Callable[[str], Awaitable[None]]
    _to_client: Callable[[str], Awaitable[None]]
    _notice: Callable[..., Awaitable[None]]
    _debug: Callable[[str, dict[str, Any]], Awaitable[None]]

    async def _transcription_failed(self, event: dict[str, Any]) -> None:
        """A spoken turn nobody can read: the visitor is asked to repeat or type, the record says why."""
        item_id = str(event.get("item_id"))
        code = str((event.get("error") or {}).get("code") or "transcription_failed")
        self.records.utterance_missing(item_id)
        self.records.tool_log({"kind": "transcription_failed", "tool": None, "itemId": item_id, "status": code})
        if not self.debug:
            await self._to_client(protocol.transcription_failed(item_id, code))
        await self._notice("transcription_failed", retryable=True)

    async def _upstream_error(self, error: dict[str, Any]) -> None:
        """An upstream `error`, matched to the event that caused it by `error.event_id`."""
        code = str(error.get("code") or "upstream_error")
        cause = self._sent.cause(error.get("event_id"))
        if cause is None and code == "conversation_already_has_active_response":
            cause = self._sent.cause(self._gate.last_create)  # no event_id in the error: our latest create
        kind = cause.get("type") if cause else None
        if kind == "session.update":
            await self._config_rejected(code, error)
            return
        if cause is not None and kind == "response.create":
            ready = (
                self._gate.refused(cause)
                if code == "conversation_already_has_active_response"
                else self._gate.failed(cause)
            )
            if ready is not None:
                await self._forward_raw(json.dumps(ready))
            if code == "conversation_already_has_active_response":
                return  # asked again after the active response's `response.done`
        if kind == "response.cancel" and code == "response_cancel_not_active":
            return  # our cancel raced with the response's end
        if code in ("session_expired", "invalid_api_key"):
            await self.end(code, notice=("upstream_failed", code == "session_expired"))
            return
        # The upstream message may quote the session config: staff read it in the log and the console.
        logger.warning("upstream error %s (%s): %s", code, kind, str(error.get("message") or "")[:300])
        if not self.debug:
            message = protocol.UPSTREAM_ERROR_MESSAGE
            await self._to_client(protocol.error_event(code[:64], message, error_type="upstream_error"))

    async def _config_rejected(self, code: str, error: dict[str, Any]) -> None:
        """The API refused the session config: no conversation on its defaults (no prompt, no tools)."""
        message = str(error.get("message") or "")[:500]
        logger.error("upstream refused the session config of agent %s: %s %s", self.plan.agent_id, code, message)
        detail = {"code": code, "param": error.get("param"), "message": message}
        self.records.tool_log({"kind": "config_rejected", "tool": None, "status": code, "error": detail})
        if self.debug:
            await self._debug("config_rejected", detail)
        self._configured.set()
        await self.end("config_rejected", notice=("config_rejected", False))
