"""One live voice session: the relay between a visitor and the upstream realtime model, transport-independent.

Audio is the hot path: visitor appends that match the strict wire shape and upstream audio deltas are
forwarded as the original strings, never parsed. Everything slow (tools, MongoDB writes) runs in its own
task behind a bounded queue so audio never waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from agents import budget_steps, protocol, visitor_context
from agents.audio_budget import APPEND_ENVELOPE, audio_budget_for
from agents.audio_budget import CLOSE as AUDIO_CLOSE
from agents.audio_budget import REFUSE as AUDIO_REFUSE
from agents.plans import SessionPlan, greeting_instructions
from agents.protocol import AUDIO_DELTA, MAX_CLIENT_FRAME, TYPE_PEEK, is_append_wire  # per frame: one lookup each
from agents.recorder import recorder
from agents.resume import ResumeSeed, seed_items
from agents.session_faults import UpstreamFaults
from agents.session_metering import SessionMeter
from agents.session_records import SessionRecords, VisitorIdentity
from agents.turns import ResponseGate, SentEvents
from config.metrics import RELAYED_FRAMES, TOOL_CALL_SECONDS, UPSTREAM_CONNECT_FAILURES
from httptools.card_actions import CardActionRefused, Offer, click_text, offer_for_click
from httptools.executor import tool_execute
from usage import budgets, limits
from usage import services as usage_services

logger = logging.getLogger(__name__)
CONFIG_TIMEOUT_SECONDS = 10  # the wait for `session.updated` before the first turn
CARDS_KEPT = 32  # the newest cards whose buttons a visitor may still press

# Bound once: the relay counts every frame.
_FRAMES_TO_UPSTREAM = RELAYED_FRAMES.labels("to_upstream")
_FRAMES_FROM_UPSTREAM = RELAYED_FRAMES.labels("from_upstream")


@dataclass
class SessionLimits:
    max_duration_seconds: float
    idle_timeout_seconds: float
    heartbeat_seconds: float  # usage.timers.heartbeat_seconds()
    idle_warning_seconds: float = 0.0  # "Still there?" this long before the idle timeout; 0: no warning


@dataclass
class PendingCall:
    call_id: str
    name: str
    arguments: str
    response_id: str
    task: asyncio.Task[Any] | None = None


@dataclass
class AgentSession(UpstreamFaults):
    plan: SessionPlan
    session_id: str
    key_id: int | None
    limits: SessionLimits
    retention_days: int
    upstream_url: str
    api_key: str
    price: Any
    send_client: Callable[[str], Awaitable[None]]  # one text frame to the visitor's socket
    close_client: Callable[[int], Awaitable[None]]
    still_allowed: Callable[[], Awaitable[str | None]]
    simulator: bool = False
    audio_speed_limit: float = 1.0  # settings.VOICE_AUDIO_SPEED_LIMIT
    debug: bool = False
    identity: VisitorIdentity = field(default_factory=VisitorIdentity)
    upstream_proxy: str | None = None  # settings.REALTIME_PROXY; None: no proxy, whatever the environment says
    transcription_price: Any = None
    origin: str | None = None  # the site (or console) the visitor came from, for the stored session
    seed: ResumeSeed | None = None  # the conversation this session continues (agents/resume.py)
    upstream: ClientConnection | None = None
    ended_reason: str | None = None
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    _calls: dict[str, PendingCall] = field(default_factory=dict)
    _tool_queue: asyncio.Queue[tuple[str, list[PendingCall]]] = field(default_factory=lambda: asyncio.Queue(maxsize=16))
    _started: float = field(default_factory=time.monotonic)
    _tool_failures: int = 0
    _last_activity: float = field(default_factory=time.monotonic)
    _gate: ResponseGate = field(default_factory=ResponseGate)
    _configured: asyncio.Event = field(default_factory=asyncio.Event)
    _context_updates: int = 0
    _seed_ids: set[str] = field(default_factory=set)
    _idle_warned: bool = False
    _cards: dict[str, tuple[str, list[Offer]]] = field(default_factory=dict)  # call id → (tool, its buttons)
    _click_texts: list[str] = field(default_factory=list)  # clicks' lines, not echoed (the widget showed its own)

    # ---- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect upstream, configure the model, start the workers; an unreachable upstream ends the session."""
        plan = self.plan
        self.records.started(
            agent_id=plan.agent_id,
            agent_name=plan.agent_name,
            model=plan.model,
            key_id=self.key_id,
            simulator=self.simulator,
            transcription_model=plan.transcription_model,
            model_switches=plan.model_switches,
            origin=self.origin,
            resumed_from=self.seed.previous_session_id if self.seed else None,
        )
        try:
            self.upstream = await connect(
                f"{self.upstream_url}?model={plan.model}",
                additional_headers={"Authorization": f"Bearer {self.api_key}"},
                # No permessage-deflate: base64 audio barely compresses and deflate costs CPU per frame.
                max_size=None,
                open_timeout=10,
                close_timeout=2,
                compression=None,
                proxy=self.upstream_proxy,  # websockets follows *_PROXY variables unless told otherwise
            )
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            logger.warning("upstream connect failed: %s", type(exc).__name__)
            UPSTREAM_CONNECT_FAILURES.labels(type(exc).__name__).inc()
            await self.end("upstream_unavailable", notice=("upstream_failed", True))
            return
        loop = asyncio.get_running_loop()
        for worker, name in (
            (self._upstream_reader, "upstream"),
            (self._tool_worker, "tools"),
            (self._heartbeat, "heartbeat"),
            (self._watchdog, "watchdog"),
        ):
            self._tasks.append(loop.create_task(worker(), name=f"{name}:{self.session_id}"))
        await self._send_upstream({"type": "session.update", "session": plan.realtime_config})
        if self.debug:
            # Nothing to mask: secrets live only in request headers, never in the session config.
            await self._debug("config", {"model": plan.model, "session": plan.realtime_config})
        # The API may refuse the config (and then runs on its defaults): no turn before `session.updated`.
        # The consumer awaits open(), so the visitor's first frames wait here too.
        try:
            await asyncio.wait_for(self._configured.wait(), CONFIG_TIMEOUT_SECONDS)
        except TimeoutError:
            await self.end("upstream_unavailable", notice=("upstream_failed", True))
        if self.ended_reason is None and self.seed is not None and self.seed.messages:
            await self._send_seed(self.seed)
            return  # a continued conversation is not greeted again
        if self.ended_reason is None and plan.greeting:
            await self._request_response({"instructions": greeting_instructions(plan)})

    async def _send_seed(self, seed: ResumeSeed) -> None:
        """The previous conversation's messages, in order, before any new turn: the agent remembers it."""
        for item in seed_items(seed, prefix=self.session_id[-8:]):
            self._seed_ids.add(str(item["id"]))
            await self._send_upstream({"type": "conversation.item.create", "item": item})

    async def end(
        self, reason: str, *, notice: tuple[str, bool] | None = None, close_code: int = protocol.CLOSE_NORMAL
    ) -> None:
        """End once, for one reason: tell the visitor, stop workers, record, free the lease."""
        if self.ended_reason is not None:
            return
        self.ended_reason = reason
        self.meter.unfinished()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        for call in self._calls.values():
            if call.task:
                call.task.cancel()
        if self.upstream is not None:
            with contextlib.suppress(Exception):
                await self.upstream.close()
        self.records.ended(reason)
        await asyncio.to_thread(limits.lease_release, tenant_id=self.plan.tenant_id, session_id=self.session_id)
        with contextlib.suppress(Exception):
            if notice:
                await self._notice(notice[0], retryable=notice[1])
            await self._to_client(protocol.session_ended(reason))
            await self.close_client(close_code)

    # ---- visitor → upstream ------------------------------------------------------------------

    async def from_client(self, raw: str) -> None:
        if self.ended_reason is not None or self.upstream is None or self.budget.closing:
            return  # closing: the budget goodbye is decided, no more visitor turns
        if len(raw) > MAX_CLIENT_FRAME:  # audio appends too: one frame never carries minutes of audio
            await self._client_error("frame_too_large", "The message is too large.")
            return
        if is_append_wire(raw):
            verdict = self.audio.take(len(raw) - APPEND_ENVELOPE)
            if verdict:
                await self._audio_refused(verdict)
            else:
                await self._forward_raw(raw)  # hot path: already the exact, safe wire shape
            return
        try:
            event = json.loads(raw)
        except ValueError:
            await self._client_error("invalid_json", "The message is not valid JSON.")
            return
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            await self._client_error("invalid_event", "Every message needs a type.")
            return
        await self._client_event(event)

    async def _client_event(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "input_audio_buffer.append" and isinstance(event.get("audio"), str):
            verdict = self.audio.take(len(event["audio"]))
            if verdict:
                await self._audio_refused(verdict)
            else:
                await self._send_upstream({"type": kind, "audio": event["audio"]})
        elif kind in ("input_audio_buffer.commit", "input_audio_buffer.clear", "response.cancel"):
            await self._send_upstream({"type": kind})
        elif kind == "conversation.item.truncate":
            item_id, end_ms = event.get("item_id"), event.get("audio_end_ms")
            if not isinstance(item_id, str) or not isinstance(end_ms, int) or isinstance(end_ms, bool) or end_ms < 0:
                await self._client_error("invalid_event", "truncate needs item_id and audio_end_ms.")
                return
            await self._send_upstream({"type": kind, "item_id": item_id, "content_index": 0, "audio_end_ms": end_ms})
        elif kind == "conversation.item.create":
            text = protocol.user_text(event.get("item"))
            if text is None:
                await self._client_error("invalid_event", "Only a user text message can be sent.")
                return
            await self._user_turn(text)
        elif kind == "platform.keepalive":  # "Still there?" answered: the visitor is here
            self._active()
        elif kind == "platform.end":  # the End button: over for good, never continued
            await self.end("visitor_ended")
        elif kind == "platform.action":
            await self._card_action(event)
        elif kind == "platform.context":
            await self._context_update(event.get("context"))
        else:
            await self._client_error("event_not_allowed", f"Event type {kind[:64]!r} is not allowed here.")

    async def _context_update(self, raw: Any) -> None:
        """The host page's new variables (VoiceAgent.setContext): the instructions are re-sent with them."""
        try:
            context = visitor_context.context_validate(raw)
        except visitor_context.ContextInvalid as exc:
            await self._client_error("invalid_context", str(exc))
            return
        if context == self.plan.visitor_context:
            return
        if self._context_updates >= visitor_context.MAX_UPDATES_PER_SESSION:
            await self._client_error("context_limit", "The page context was updated too often in this conversation.")
            return
        self._context_updates += 1
        self.plan = visitor_context.plan_with_context(self.plan, context)
        instructions = self.plan.realtime_config["instructions"]
        await self._send_upstream(
            {"type": "session.update", "session": {"type": "realtime", "instructions": instructions}}
        )

    async def _card_action(self, event: dict[str, Any]) -> None:
        """A card's button: checked against the buttons this session's cards offered, then one user message.

        The click becomes a user message in a fixed, marked form (card_actions.click_text), then
        `response.create`, rather than a function call the platform makes itself: the model stays the one
        that calls tools, so a write keeps its confirmation step (the model asks for what is missing and for
        the visitor's yes, then calls with confirmed=true), the conversation holds no call the model never made
        (a client-made function_call with partial arguments is an error turn the real API answers unevenly),
        and the same item works with the simulator and the real Realtime API alike."""
        schemas = {name: tool.arguments_schema for name, tool in self.plan.tools.items()}
        try:
            offer = offer_for_click(event, cards=self._cards, tool_schemas=schemas)
        except CardActionRefused as refused:
            await self._client_error(refused.code, refused.message)
            return
        card_tool = self._cards[str(event["callId"])][0]
        self.records.tool_log(
            {
                "kind": "card_action",
                "tool": card_tool,
                "callId": event["callId"],
                "action": offer.action,
                "target": offer.tool or None,
                "arguments": offer.arguments,
                "status": "clicked",
            }
        )
        text = click_text(offer)
        self._click_texts = [*self._click_texts[-15:], text]
        await self._user_turn(text)

    async def _audio_refused(self, verdict: int) -> None:
        """Audio past real time plus the burst is dropped; the visitor is told, and a flood ends the session."""
        if verdict == AUDIO_CLOSE:
            await self.end("audio_too_fast", notice=("audio_too_fast", False), close_code=protocol.CLOSE_POLICY)
        elif verdict == AUDIO_REFUSE:
            await self._client_error("audio_too_fast", "Audio is arriving faster than real time; some was not sent.")

    def _active(self) -> None:
        """The visitor did something: the idle clock starts again, and so does its warning."""
        self._last_activity = time.monotonic()
        self._idle_warned = False

    async def _user_turn(self, text: str) -> None:
        self._active()
        if self._gate.busy:
            # Typing interrupts the agent as speaking does. The cancel returns at once; the answer is
            # asked for only after the cancelled response's `response.done` (the gate holds it).
            await self._send_upstream({"type": "response.cancel"})
        await self._send_upstream(
            {
                "type": "conversation.item.create",
                "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
            }
        )
        await self._request_response()

    async def _request_response(self, params: dict[str, Any] | None = None) -> None:
        """Ask for a response now, or after the active one's `response.done`."""
        create = self._sent.stamp({"type": "response.create", **({"response": params} if params else {})})
        ready = self._gate.request(create)
        if ready is not None:
            await self._forward_raw(json.dumps(ready))

    # ---- upstream → visitor ------------------------------------------------------------------

    async def _upstream_reader(self) -> None:
        assert self.upstream is not None
        try:
            async for raw in self.upstream:
                _FRAMES_FROM_UPSTREAM.inc()
                await self._upstream_frame(raw if isinstance(raw, str) else raw.decode())
        except ConnectionClosed:
            pass
        if self.ended_reason is None:
            await self.end("upstream_closed", notice=("upstream_failed", True))

    async def _upstream_frame(self, text: str) -> None:
        peek = TYPE_PEEK.match(text)
        if peek and peek.group(1) == AUDIO_DELTA:
            self.meter.audio_delta(text)
            await self._to_client(text)  # hot path: forwarded unparsed
            return
        try:
            event = json.loads(text)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        if event.get("type") == AUDIO_DELTA:
            self.meter.observe(AUDIO_DELTA, event)
            await self._to_client(text)  # the fast path is an optimisation: another key may come first
            return
        await self._upstream_event(event)

    async def _upstream_event(self, event: dict[str, Any]) -> None:
        kind = str(event.get("type", ""))
        self.meter.observe(kind, event)
        if self.debug or kind in protocol.VISITOR_EVENTS:
            await self._to_client(json.dumps(event))  # the console sees the raw stream; visitors an allowlist
        if kind == "response.created":
            self._gate.created(str((event.get("response") or {}).get("id") or ""))
        elif kind == "session.updated":
            self._configured.set()
        elif kind == "input_audio_buffer.speech_started":
            self._active()
        elif kind in ("conversation.item.added", "conversation.item.created"):
            item = event.get("item") or {}
            if item.get("id") in self._seed_ids:
                return  # the previous session's line: already in its own transcript
            if item.get("type") == "message" and item.get("id"):
                self.records.item_added(str(item["id"]), event.get("previous_item_id"), expects_text=True)
        elif kind == "conversation.item.input_audio_transcription.completed":
            self.records.utterance(str(event.get("item_id")), "user", str(event.get("transcript") or ""))
        elif kind == "conversation.item.input_audio_transcription.failed":
            await self._transcription_failed(event)
        elif kind == "conversation.item.done":
            await self._item_done(event.get("item") or {})
        elif kind in ("response.output_audio_transcript.done", "response.output_text.done"):
            text = event.get("transcript") if "transcript" in event else event.get("text")
            self.records.utterance(str(event.get("item_id")), "assistant", str(text or ""))
        elif kind == "response.output_item.done":
            self._register_call(event)
        elif kind == "response.done":
            await self._response_done(event.get("response") or {})
        elif kind == "error":
            await self._upstream_error(event.get("error") or {})

    async def _item_done(self, item: dict[str, Any]) -> None:
        text = protocol.user_text(item)
        if text is None or item.get("id") in self._seed_ids:
            return
        self.records.utterance(str(item.get("id")), "user", text)
        if text in self._click_texts:  # a card's button: the widget shows its own line for the press
            self._click_texts.remove(text)
            return
        if not self.debug:  # the visitor sees their own typed turn, nothing else about items
            await self._to_client(protocol.user_item_done(item.get("id"), text))

    # ---- tools -------------------------------------------------------------------------------

    def _register_call(self, event: dict[str, Any]) -> None:
        """A finished output item: a function call runs only if the item completed, never from cut-off arguments
        (the API sends `function_call_arguments.done` for cancelled and incomplete calls too)."""
        item = event.get("item") or {}
        if item.get("type") != "function_call" or item.get("status") != "completed":
            return
        call = PendingCall(
            call_id=str(item.get("call_id")),
            name=str(item.get("name")),
            arguments=str(item.get("arguments") or "{}"),
            response_id=str(event.get("response_id")),
        )
        if call.call_id in self._calls:
            return  # a repeated event never runs a call twice
        self._calls[call.call_id] = call
        tool = self.plan.tools.get(call.name)
        if tool is not None and tool.effect == "read":
            # Reads start at once; writes wait until their response completes (a barge-in cancels them).
            call.task = asyncio.get_running_loop().create_task(self._execute(call))

    async def _response_done(self, response: dict[str, Any]) -> None:
        response_id = str(response.get("id") or "")
        status = response.get("status")
        if status == "failed":
            error = (response.get("status_details") or {}).get("error") or {}
            reason = str(error.get("code") or error.get("type") or "failed")
            self.records.tool_log(
                {"kind": "response_failed", "tool": None, "responseId": response_id, "status": reason}
            )
            await self._notice("response_failed", retryable=True)
        if response.get("usage") and response_id:
            # The day rule: a response counts on the UTC day its response.done arrived, however late it is written.
            arrived = datetime.now(UTC)
            recorder().submit(self._meter, response_id=response_id, usage=response["usage"], at=arrived)
        calls = [call for call in self._calls.values() if call.response_id == response_id]
        if status != "completed":
            for call in calls:
                if call.task:
                    call.task.cancel()
                self._calls.pop(call.call_id, None)
        elif calls:
            try:
                self._tool_queue.put_nowait((response_id, calls))
            except asyncio.QueueFull:
                await self._notice("busy", retryable=True)
        if not self.debug:
            await self._to_client(protocol.response_done(response))
        ready = self._gate.done(response_id)
        if self.budget.goodbye_sent and (budget_steps.is_goodbye(response) or (ready is None and not self._gate.busy)):
            await self.end("budget", notice=("budget", False))  # the goodbye is said (or could not be)
            return
        if ready is not None:
            await self._forward_raw(json.dumps(ready))

    def _meter(self, *, response_id: str, usage: dict[str, Any], at: datetime) -> None:
        """Runs in the recorder's thread: count the response once, and show it on the console."""
        dollars = usage_services.usage_meter(
            tenant_id=self.plan.tenant_id,
            channel=self.plan.channel,
            session_id=self.session_id,
            model=self.plan.model,
            response_id=response_id,
            usage=usage,
            price=self.price,
            email_hash=self.identity.email_hash,
            at=at,
        )
        step = self.budget.after_response(response_usd=dollars) if dollars is not None else None
        if step is not None:  # shorter answers, the goodbye, or the end: budget_steps decides
            self._loop.call_soon_threadsafe(lambda: self._loop.create_task(self._budget_step(step)))
        if dollars is not None and self.debug:
            summary = budgets.session_usage_summary(tenant_id=self.plan.tenant_id, session_id=self.session_id)
            data = {"responseId": response_id, "response": {"usage": usage, "dollars": float(dollars)}, **summary}
            self._loop.call_soon_threadsafe(lambda: self._loop.create_task(self._debug("usage", data)))

    async def _budget_step(self, step: budget_steps.Step) -> None:
        if self.ended_reason is None:
            await budget_steps.step_apply(
                self.budget,
                step,
                language=self.plan.language,
                send_upstream=self._send_upstream,
                request_response=self._request_response,
                end=self.end,
            )

    async def _tool_worker(self) -> None:
        while True:
            _response_id, calls = await self._tool_queue.get()
            results = []
            for call in calls:
                if call.task is None:
                    call.task = asyncio.get_running_loop().create_task(self._execute(call))
                try:
                    output = await call.task
                except Exception:
                    logger.exception("tool call %s failed inside the platform", call.name)
                    output = json.dumps({"error": "The tool is unavailable right now."})
                results.append((call, output))
                self._calls.pop(call.call_id, None)
            for call, output in results:
                await self._send_upstream(
                    {
                        "type": "conversation.item.create",
                        "item": {"type": "function_call_output", "call_id": call.call_id, "output": output},
                    }
                )
            await self._request_response()

    async def _tool_failed(self) -> None:
        """The second failed call of a session gives the visitor the agent's human contact, once."""
        self._tool_failures += 1
        contact = self.plan.escalation_contact
        if self._tool_failures == protocol.ESCALATE_AFTER_TOOL_FAILURES and contact:
            await self._to_client(protocol.escalation(contact))

    async def _execute(self, call: PendingCall) -> str:
        """Run one call; returns the text for the model. Unknown tools run nothing."""
        tool = self.plan.tools.get(call.name)
        await self._to_client(protocol.tool_status(call_id=call.call_id, tool=call.name, status="running"))
        if tool is None:
            await self._to_client(protocol.tool_status(call_id=call.call_id, tool=call.name, status="error"))
            return json.dumps({"error": f"There is no tool named {call.name[:64]!r}."})
        result = await tool_execute(
            tool=tool,
            arguments_json=call.arguments,
            tenant_id=self.plan.tenant_id,
            channel=self.plan.channel,
            session_id=self.session_id,
            call_id=call.call_id,
            record=self.records.tool_log,
            language=self.plan.language,
        )
        TOOL_CALL_SECONDS.labels(result.status).observe(result.latency_ms / 1000)
        if result.ok and tool.visitor_email_argument:
            self._email_given(call.arguments, tool.visitor_email_argument)
        status = "ok" if result.ok else "error"
        await self._to_client(protocol.tool_status(call_id=call.call_id, tool=call.name, status=status))
        if not result.ok and result.status != "needs_confirmation":  # asking for a yes is no failure
            await self._tool_failed()
        if result.html:
            self._cards[call.call_id] = (call.name, result.offers)
            while len(self._cards) > CARDS_KEPT:
                self._cards.pop(next(iter(self._cards)))
            await self._to_client(protocol.visual(call_id=call.call_id, tool=call.name, html=result.html))
        if self.debug:
            await self._debug(
                "tool",
                {
                    "tool": call.name,
                    "callId": call.call_id,
                    "arguments": call.arguments,
                    "result": result.output,
                    "status": result.status,
                    "httpStatus": result.http_status,
                    "latencyMs": round(result.latency_ms, 1),
                },
            )
        return result.output

    def _email_given(self, arguments_json: str, argument: str) -> None:
        with contextlib.suppress(ValueError):
            arguments = json.loads(arguments_json)
            if isinstance(arguments, dict):
                self.records.email_given(arguments.get(argument))

    # ---- timers ------------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.limits.heartbeat_seconds)
            self.records.seen()
            await asyncio.to_thread(limits.lease_renew, tenant_id=self.plan.tenant_id, session_id=self.session_id)
            refusal = await self.still_allowed()
            if refusal:
                await self.end(refusal, notice=(refusal, False))
                return

    async def _watchdog(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.limits.idle_timeout_seconds / 4))
            now = time.monotonic()
            if now - self._started >= self.limits.max_duration_seconds:
                await self.end("max_duration", notice=("max_duration", False))
                return
            quiet = now - self._last_activity
            if quiet >= self.limits.idle_timeout_seconds:
                await self._to_client(protocol.idle_ended(idle_seconds=self.limits.idle_timeout_seconds))
                await self.end("idle_timeout")
                return
            warn_at = self.limits.idle_timeout_seconds - self._idle_warning_lead()
            if self._idle_warned or quiet < warn_at or not self.limits.idle_warning_seconds:
                continue
            self._idle_warned = True
            await self._to_client(protocol.idle_warning(seconds_left=self.limits.idle_timeout_seconds - quiet))

    def _idle_warning_lead(self) -> float:
        """The warning comes this long before the timeout: the setting, at most half the timeout."""
        return min(self.limits.idle_warning_seconds, self.limits.idle_timeout_seconds / 2)

    # ---- plumbing ----------------------------------------------------------------------------

    async def _send_upstream(self, event: dict[str, Any]) -> None:
        await self._forward_raw(json.dumps(self._sent.stamp(event)))

    async def _forward_raw(self, raw: str) -> None:
        if self.upstream is None:
            return
        _FRAMES_TO_UPSTREAM.inc()
        try:
            await self.upstream.send(raw)
        except ConnectionClosed:
            if self.ended_reason is None:
                await self.end("upstream_closed", notice=("upstream_failed", True))

    async def _to_client(self, text: str) -> None:
        """Send to the visitor; a socket already gone is not this session's error."""
        with contextlib.suppress(Exception):
            await self.send_client(text)

    async def _client_error(self, code: str, message: str) -> None:
        await self._to_client(protocol.error_event(code, message))

    async def _notice(self, code: str, *, retryable: bool) -> None:
        await self._to_client(protocol.notice(code, retryable=retryable))

    async def _debug(self, kind: str, data: dict[str, Any]) -> None:
        await self._to_client(protocol.debug(kind, data))

    def __post_init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._sent = SentEvents(prefix=self.session_id[-8:])
        self.audio = audio_budget_for(self.plan.realtime_config, speed_limit=self.audio_speed_limit)
        self.budget = budget_steps.BudgetSteps(tenant_id=self.plan.tenant_id, language=self.plan.language)
        self.records = SessionRecords(
            tenant_id=self.plan.tenant_id,
            channel=self.plan.channel,
            session_id=self.session_id,
            retention_days=self.retention_days,
            identity=self.identity,
        )
        self.meter = SessionMeter(
            plan=self.plan,
            session_id=self.session_id,
            price=self.price,
            transcription_price=self.transcription_price,
            notify=self._debug_usage_threadsafe,
            email_hash=lambda: self.identity.email_hash,
        )

    def _debug_usage_threadsafe(self, data: dict[str, Any]) -> None:
        if self.debug:
            self._loop.call_soon_threadsafe(lambda: self._loop.create_task(self._debug("usage", data)))


def new_session_id() -> str:
    return "vs_" + uuid.uuid4().hex
