"""One simulated Realtime session: the state machine behind a single WebSocket connection."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import json
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from . import replies, session_config
from .audio import OUTPUT_CHUNK_MS, assistant_audio, bytes_per_ms
from .conversation import Conversation, Item
from .errors import ClientError
from .ids import new_id, obfuscation
from .usage import InputUsage, PromptCache, ceil_div, rate_limits, response_usage, transcription_usage
from .vad import EnergyVad, VadSettings

JSON = dict[str, Any]

RESPONSE_KEYS = frozenset(
    {
        "instructions",
        "tools",
        "tool_choice",
        "output_modalities",
        "audio",
        "max_output_tokens",
        "metadata",
        "conversation",
        "input",
        "prompt",
        "tracing",
        "reasoning",
        "parallel_tool_calls",
    }
)
MS_PER_CHAR = 60  # assistant speech length per reply character
MAX_REPLY_AUDIO_MS = 20_000
MIN_COMMIT_MS = 100
TEXT_DELTA_MS = 25  # model time per text delta, for pacing text-only replies
BUFFER_KEEP_MS = 30_000  # silence kept in the input buffer while VAD waits for speech
DROP_AFTER_DELTAS = 3

Status = Literal["completed", "cancelled", "incomplete", "failed"]


def _guess_event_id(raw: str) -> str | None:
    """Best-effort `event_id` from a frame that is not valid JSON."""
    match = re.search(r'"event_id"\s*:\s*"([^"\\]{1,200})"', raw)
    return match.group(1) if match else None


@dataclass
class Plan:
    """What a response will do, decided when it is created."""

    kind: Literal["message", "function_call", "fail", "expire"]
    text: str = ""
    call: replies.ToolCall | None = None
    drop: bool = False
    incomplete: bool = False


@dataclass
class Response:
    """A response being generated."""

    id: str
    in_conversation: bool
    modalities: list[str]
    max_output_tokens: Any
    audio_output: JSON
    metadata: Any
    plan: Plan
    usage_in: InputUsage
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    cancel_reason: str | None = None
    task: asyncio.Task[None] | None = None
    output: list[JSON] = field(default_factory=list)
    out_text_tokens: int = 0
    out_audio_ms: int = 0


class RealtimeSession:
    """Handles one connection: parses client events, keeps state, streams responses."""

    def __init__(
        self, ws: ServerConnection, *, model: str, realtime_factor: float, session_limit_seconds: float | None
    ) -> None:
        self.ws = ws
        self.realtime_factor = realtime_factor
        self.session_limit_seconds = session_limit_seconds
        lifetime = session_limit_seconds if session_limit_seconds is not None else 3600
        self.config = session_config.default_session(model, int(time.time() + math.ceil(lifetime)))
        self.conversation = Conversation()
        self.active: Response | None = None  # the default-conversation response
        self.responses: dict[str, Response] = {}
        self.audio_started = False  # voice is frozen after the first audio output
        self.buffer = bytearray()
        self.buffer_start_ms = 0.0
        self.vad = EnergyVad()
        self.speech_item_id: str | None = None
        self.speech_start_ms = 0
        self.prompt_cache = PromptCache()
        self.closed = False
        self._handlers: dict[str, Callable[[JSON], Awaitable[None]]] = {
            "session.update": self._on_session_update,
            "input_audio_buffer.append": self._on_append,
            "input_audio_buffer.commit": self._on_commit,
            "input_audio_buffer.clear": self._on_clear,
            "conversation.item.create": self._on_item_create,
            "conversation.item.truncate": self._on_item_truncate,
            "conversation.item.delete": self._on_item_delete,
            "conversation.item.retrieve": self._on_item_retrieve,
            "response.create": self._on_response_create,
            "response.cancel": self._on_response_cancel,
            "output_audio_buffer.clear": self._on_output_audio_buffer_clear,
        }

    # --- plumbing -------------------------------------------------------------------------------

    async def emit(self, type_: str, **fields: Any) -> None:
        """Send one server event with a fresh `event_id`."""
        event: JSON = {"type": type_, "event_id": new_id("event"), **fields}
        if type_.endswith(".delta") and isinstance(fields.get("delta"), str):
            event["obfuscation"] = obfuscation(len(fields["delta"]))
        await self.ws.send(json.dumps(event))

    async def send_error(
        self,
        code: str,
        message: str,
        param: str | None = None,
        event_id: str | None = None,
        kind: str = "invalid_request_error",
    ) -> None:
        """Send an `error` event (GA shape, echoing the client's event_id)."""
        await self.emit(
            "error",
            error={"type": kind, "code": code, "message": message, "param": param, "event_id": event_id},
        )

    async def expire(self, message: str) -> None:
        """End the session like the real 60-minute limit: `session_expired` error, then close."""
        if self.closed:
            return
        await self.send_error("session_expired", message)
        self.closed = True
        await self.ws.close(1000, "session expired")

    async def run(self) -> None:
        """Serve the connection until it closes."""
        limit_task: asyncio.Task[None] | None = None
        try:
            await self.emit("session.created", session=self.config)
            if self.session_limit_seconds is not None:
                limit_task = asyncio.create_task(self._limit_timer(self.session_limit_seconds))
            async for raw in self.ws:
                await self.handle(raw)
        except ConnectionClosed:
            pass
        finally:
            self.closed = True
            if limit_task is not None:
                limit_task.cancel()
            for resp in list(self.responses.values()):
                if resp.task is not None and resp.task is not asyncio.current_task():
                    resp.task.cancel()

    async def _limit_timer(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        with contextlib.suppress(ConnectionClosed):
            await self.expire(f"Your session hit the maximum duration of {seconds:g} seconds.")

    async def handle(self, raw: str | bytes) -> None:
        """Parse and dispatch one client frame; client mistakes become `error` events."""
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="replace")
        try:
            msg = json.loads(raw)
        except ValueError as exc:
            await self.send_error(
                "invalid_json", f"The client event is not valid JSON: {exc}.", event_id=_guess_event_id(raw)
            )
            return
        if not isinstance(msg, dict):
            await self.send_error("invalid_json", "The client event must be a JSON object.")
            return
        event_id = msg.get("event_id") if isinstance(msg.get("event_id"), str) else None
        type_ = msg.get("type")
        try:
            if not isinstance(type_, str) or not type_:
                raise ClientError("missing_required_parameter", "Missing required parameter: 'type'.", "type")
            handler = self._handlers.get(type_)
            if handler is None:
                supported = ", ".join(f"'{name}'" for name in self._handlers)
                raise ClientError(
                    "invalid_value", f"Invalid value: '{type_}'. Supported values are: {supported}.", "type"
                )
            await handler(msg)
        except ClientError as err:
            await self.send_error(err.code, err.message, err.param, event_id, err.kind)

    # --- session --------------------------------------------------------------------------------

    async def _on_session_update(self, msg: JSON) -> None:
        config = session_config.apply_session_update(self.config, msg.get("session"), audio_started=self.audio_started)
        if session_config.turn_detection(config) is None and self.vad.speaking:
            self.vad.reset()
        self.config = config
        await self.emit("session.updated", session=self.config)

    @property
    def turn_detection(self) -> JSON | None:
        return session_config.turn_detection(self.config)

    @property
    def input_format(self) -> Any:
        return session_config.input_format(self.config)

    # --- input audio ----------------------------------------------------------------------------

    def _offset(self, ms: float) -> int:
        """Byte offset in the input buffer of a session audio time, sample aligned."""
        bpm = bytes_per_ms(self.input_format)
        offset = round((ms - self.buffer_start_ms) * bpm)
        if bpm == 48:
            offset -= offset % 2
        return max(0, min(len(self.buffer), offset))

    def _buffer_ms(self) -> float:
        return len(self.buffer) / bytes_per_ms(self.input_format)

    async def _on_append(self, msg: JSON) -> None:
        audio = msg.get("audio")
        if not isinstance(audio, str):
            raise ClientError("missing_required_parameter", "Missing required parameter: 'audio'.", "audio")
        try:
            data = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ClientError("invalid_value", "Invalid 'audio': not valid base64.", "audio") from exc
        self.buffer.extend(data)
        td = self.turn_detection
        fmt = self.input_format
        if td is None:
            self.vad.skip(len(data), fmt)
            return
        events = self.vad.feed(data, fmt, VadSettings.from_turn_detection(td), int(self.buffer_start_ms))
        for event in events:
            if event.kind == "start":
                await self._speech_started(max(event.ms, math.ceil(self.buffer_start_ms)), td)
            else:
                await self._speech_stopped(event.ms, td)
        pending = self.vad.pending_loud_start_ms
        if not self.vad.speaking and pending is None and self._buffer_ms() > BUFFER_KEEP_MS:
            cut = self._offset(self.buffer_start_ms + self._buffer_ms() - BUFFER_KEEP_MS)
            del self.buffer[:cut]
            self.buffer_start_ms += cut / bytes_per_ms(fmt)

    async def _speech_started(self, start_ms: int, td: JSON) -> None:
        self.speech_item_id = new_id("item")
        self.speech_start_ms = start_ms
        await self.emit("input_audio_buffer.speech_started", audio_start_ms=start_ms, item_id=self.speech_item_id)
        if td.get("interrupt_response", True) and self.active is not None:
            await self._cancel(self.active, "turn_detected")

    async def _speech_stopped(self, end_ms: int, td: JSON) -> None:
        item_id = self.speech_item_id or new_id("item")
        self.speech_item_id = None
        await self.emit("input_audio_buffer.speech_stopped", audio_end_ms=end_ms, item_id=item_id)
        start, end = self._offset(self.speech_start_ms), self._offset(end_ms)
        audio = bytes(self.buffer[start:end])
        del self.buffer[:end]
        self.buffer_start_ms += end / bytes_per_ms(self.input_format)
        await self._commit_audio(item_id, audio)
        if td.get("create_response", True) and self.active is None and not self.closed:
            await self._start_response({})

    async def _commit_audio(self, item_id: str, audio: bytes) -> None:
        """Turn committed audio into a user item (+ placeholder transcription if configured)."""
        previous = self.conversation.last_id()
        await self.emit("input_audio_buffer.committed", item_id=item_id, previous_item_id=previous)
        duration = int(len(audio) / bytes_per_ms(self.input_format))
        item = Item(
            data={
                "id": item_id,
                "type": "message",
                "status": "completed",
                "role": "user",
                "content": [{"type": "input_audio", "transcript": None}],
            },
            audio=audio,
            audio_ms=duration,
            audio_format=self.input_format,
        )
        self.conversation.items.append(item)
        await self.emit("conversation.item.added", previous_item_id=previous, item=item.data)
        await self.emit("conversation.item.done", previous_item_id=previous, item=item.data)
        if session_config.get_path(self.config, "audio", "input", "transcription") is not None:
            transcript = replies.transcript_placeholder(duration)
            half = len(transcript) // 2
            for piece in (transcript[:half], transcript[half:]):
                await self.emit(
                    "conversation.item.input_audio_transcription.delta",
                    item_id=item_id,
                    content_index=0,
                    delta=piece,
                )
            await self.emit(
                "conversation.item.input_audio_transcription.completed",
                item_id=item_id,
                content_index=0,
                transcript=transcript,
                usage=transcription_usage(duration, transcript),
            )
            item.data["content"][0]["transcript"] = transcript

    async def _on_commit(self, msg: JSON) -> None:
        ms = self._buffer_ms()
        if ms < MIN_COMMIT_MS:
            raise ClientError(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
                f"but buffer only has {ms:.2f}ms of audio.",
            )
        item_id = self.speech_item_id if self.vad.speaking and self.speech_item_id else new_id("item")
        self.speech_item_id = None
        audio = bytes(self.buffer)
        self._reset_buffer()
        await self._commit_audio(item_id, audio)

    def _reset_buffer(self) -> None:
        self.vad.skip(0, self.input_format)  # a partial frame is dropped with the buffer
        self.vad.reset()
        self.buffer.clear()
        self.buffer_start_ms = self.vad.position_ms

    async def _on_clear(self, msg: JSON) -> None:
        self.speech_item_id = None
        self._reset_buffer()
        await self.emit("input_audio_buffer.cleared")

    async def _on_output_audio_buffer_clear(self, msg: JSON) -> None:
        raise ClientError(
            "invalid_value",
            "output_audio_buffer.clear is only supported for WebRTC and SIP sessions.",
            "type",
        )

    # --- conversation items ---------------------------------------------------------------------

    def _normalise_item(self, raw: Any, param: str = "item") -> Item:
        return self.conversation.normalise_item(
            raw,
            param,
            input_format=self.input_format,
            output_format=session_config.output_format(self.config),
            pending_call_ids=self._pending_call_ids(),
        )

    def _pending_call_ids(self) -> set[str]:
        """The call_ids of function calls in responses still streaming (not yet in the conversation)."""
        ids: set[str] = set()
        for resp in self.responses.values():
            ids.update(str(o.get("call_id")) for o in resp.output if o.get("type") == "function_call")
        return ids

    async def _on_item_create(self, msg: JSON) -> None:
        item = self._normalise_item(msg.get("item"))
        previous = self.conversation.insert(item, msg.get("previous_item_id"))
        await self.emit("conversation.item.added", previous_item_id=previous, item=item.data)
        await self.emit("conversation.item.done", previous_item_id=previous, item=item.data)

    async def _on_item_truncate(self, msg: JSON) -> None:
        item, index, end_ms = self.conversation.truncate(msg)
        await self.emit("conversation.item.truncated", item_id=item.id, content_index=index, audio_end_ms=end_ms)

    async def _on_item_delete(self, msg: JSON) -> None:
        item = self.conversation.delete(msg)
        await self.emit("conversation.item.deleted", item_id=item.id)

    async def _on_item_retrieve(self, msg: JSON) -> None:
        await self.emit("conversation.item.retrieved", item=self.conversation.retrieve(msg))

    # --- responses ------------------------------------------------------------------------------

    async def _on_response_create(self, msg: JSON) -> None:
        params = msg.get("response") or {}
        if not isinstance(params, dict):
            raise ClientError("invalid_type", "Invalid type for 'response': expected an object.", "response")
        for key in params:
            if key not in RESPONSE_KEYS:
                raise ClientError("unknown_parameter", f"Unknown parameter: 'response.{key}'.", f"response.{key}")
        if "output_modalities" in params:
            session_config.check_modalities(params["output_modalities"], "response.output_modalities")
        if "tools" in params:
            session_config.check_tools(params["tools"], "response.tools")
        conversation = params.get("conversation", "auto")
        if conversation not in ("auto", "none"):
            raise ClientError(
                "invalid_value", "'response.conversation' must be 'auto' or 'none'.", "response.conversation"
            )
        if conversation == "auto" and self.active is not None:
            raise ClientError(
                "conversation_already_has_active_response",
                f"Conversation already has an active response in progress: {self.active.id}. "
                "Wait until the response is finished before creating a new one.",
            )
        await self._start_response(params)

    def _context(self, params: JSON) -> list[Item]:
        if "input" not in params:
            return list(self.conversation.items)
        raw_items = params["input"]
        if not isinstance(raw_items, list):
            raise ClientError("invalid_type", "'response.input' must be a list of items.", "response.input")
        context: list[Item] = []
        for index, raw in enumerate(raw_items):
            if isinstance(raw, dict) and raw.get("type") == "item_reference":
                found = self.conversation.find(raw.get("id"))
                if found is None:
                    raise ClientError(
                        "invalid_value",
                        f"Item with id '{raw.get('id')}' not found.",
                        f"response.input[{index}].id",
                    )
                context.append(found)
            else:
                raw = dict(raw) if isinstance(raw, dict) else raw
                if isinstance(raw, dict):
                    raw.pop("id", None)  # inline items never clash with conversation ids
                context.append(self._normalise_item(raw, f"response.input[{index}]"))
        return context

    def _plan(self, params: JSON, context: list[Item], tools: Any, tool_choice: Any) -> Plan:
        """Decide the reply deterministically from the last relevant items."""
        markers = replies.find_markers(str(params.get("instructions") or ""))
        user = next((i for i in reversed(context) if i.role == "user"), None)
        if user is not None and not user.markers_used:
            user_text = " ".join(
                str(p.get("text") or "") for p in user.data["content"] if p.get("type") == "input_text"
            )
            found = replies.find_markers(user_text)
            if found:
                user.markers_used = True  # a marker fires once, not on every later response
                markers |= found
        if "expire" in markers:
            return Plan("expire")
        if "fail" in markers:
            return Plan("fail")
        scripted = replies.scripted_reply(str(params.get("instructions") or ""))
        plan = Plan("message", scripted) if scripted else self._reply(context, tools, tool_choice)
        plan.drop, plan.incomplete = "drop" in markers, "incomplete" in markers
        return plan

    def _reply(self, context: list[Item], tools: Any, tool_choice: Any) -> Plan:
        last = context[-1] if context else None
        if last is not None and last.data.get("type") == "function_call_output":
            return Plan("message", replies.tool_output_reply(str(last.data.get("output", ""))))
        if last is None or last.role != "user":
            call = replies.choose_tool("", tools, tool_choice)
            return Plan("function_call", call=call) if call else Plan("message", replies.greeting_reply())
        parts = last.data["content"]
        user_text = " ".join(str(p.get("text") or "") for p in parts if p.get("type") == "input_text")
        call = replies.choose_tool(user_text, tools, tool_choice)
        if call is not None:
            return Plan("function_call", call=call)
        if replies.strip_markers(user_text):
            return Plan("message", replies.text_reply(user_text))
        if any(p.get("type") == "input_audio" for p in parts):
            return Plan("message", replies.audio_reply(last.audio_ms))
        return Plan("message", replies.text_reply(user_text))

    async def _start_response(self, params: JSON) -> None:
        """Create a response: emit `response.created` now, stream the rest in a task."""
        cfg = self.config
        in_conversation = params.get("conversation", "auto") != "none"
        instructions = params["instructions"] if isinstance(params.get("instructions"), str) else cfg["instructions"]
        tools = params["tools"] if "tools" in params else cfg["tools"]
        tool_choice = params["tool_choice"] if "tool_choice" in params else cfg["tool_choice"]
        context = self._context(params)
        plan = self._plan(params, context, tools, tool_choice)
        if plan.kind == "expire":
            await self.expire("Your session hit the maximum duration of 60 minutes.")
            return
        usage_in = self.prompt_cache.input_usage(str(instructions), tools, context)
        override = session_config.get_path(params, "audio", "output")
        audio_output = {
            "format": copy.deepcopy(cfg["audio"]["output"]["format"]),
            "voice": cfg["audio"]["output"]["voice"],
            **(copy.deepcopy(override) if isinstance(override, dict) else {}),
        }
        resp = Response(
            id=new_id("resp"),
            in_conversation=in_conversation,
            modalities=list(params.get("output_modalities") or cfg["output_modalities"]),
            max_output_tokens=params.get("max_output_tokens", cfg["max_output_tokens"]),
            audio_output=audio_output,
            metadata=params.get("metadata"),
            plan=plan,
            usage_in=usage_in,
        )
        if in_conversation:
            self.active = resp
        self.responses[resp.id] = resp
        await self.emit("response.created", response=self._snapshot(resp, "in_progress"))
        resp.task = asyncio.create_task(self._run_response(resp))

    def _snapshot(self, resp: Response, status: str, details: JSON | None = None, usage: JSON | None = None) -> JSON:
        return {
            "object": "realtime.response",
            "id": resp.id,
            "status": status,
            "status_details": details,
            "output": copy.deepcopy(resp.output),
            "conversation_id": self.conversation.id if resp.in_conversation else None,
            "output_modalities": resp.modalities,
            "max_output_tokens": resp.max_output_tokens,
            "audio": {"output": resp.audio_output},
            "usage": usage,
            "metadata": resp.metadata,
        }

    async def _cancel(self, resp: Response, reason: str) -> None:
        """Stop a streaming response and wait until it has sent its `response.done`."""
        if resp.cancel_reason is None:
            resp.cancel_reason = reason
        resp.wake.set()
        if resp.task is not None and resp.task is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await resp.task

    async def _on_response_cancel(self, msg: JSON) -> None:
        wanted = msg.get("response_id")
        resp = self.responses.get(str(wanted)) if wanted else self.active
        if resp is None or resp.cancel_reason is not None:
            raise ClientError("response_cancel_not_active", "Cancellation failed: no active response found.")
        await self._cancel(resp, "client_cancelled")

    async def _pace(self, resp: Response, model_ms: float) -> None:
        """Let `model_ms` of output take model_ms / factor of wall time; wake early on cancel."""
        if self.realtime_factor <= 0:
            await asyncio.sleep(0)  # still yield, so barge-in and cancel are seen between chunks
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(resp.wake.wait(), model_ms / 1000 / self.realtime_factor)

    async def _run_response(self, resp: Response) -> None:
        try:
            if resp.plan.kind == "fail":
                await self._finish(
                    resp,
                    "failed",
                    {
                        "type": "failed",
                        "error": {
                            "type": "server_error",
                            "code": "simulated_failure",
                            "message": "The simulator failed this response on purpose (#sim:fail).",
                        },
                    },
                )
            elif resp.plan.kind == "function_call":
                await self._stream_function_call(resp)
            else:
                await self._stream_message(resp)
        except ConnectionClosed:
            pass
        finally:
            self.responses.pop(resp.id, None)
            if self.active is resp:
                self.active = None

    async def _finish(self, resp: Response, status: Status, details: JSON | None) -> None:
        """Send `response.done` (full usage) and `rate_limits.updated`."""
        self.responses.pop(resp.id, None)
        if self.active is resp:
            self.active = None  # before sending, so the client may create the next response at once
        usage = response_usage(resp.usage_in, resp.out_text_tokens, resp.out_audio_ms)
        await self.emit("response.done", response=self._snapshot(resp, status, details, usage))
        await self.emit("rate_limits.updated", rate_limits=rate_limits(usage["total_tokens"]))

    def _limit(self, resp: Response, full_tokens: int) -> int | None:
        if resp.plan.incomplete:
            return max(1, full_tokens // 2)
        limit = resp.max_output_tokens
        return limit if isinstance(limit, int) and not isinstance(limit, bool) else None

    async def _drop(self) -> None:
        """Scripted fault: close abruptly (1011) without `response.done`."""
        self.closed = True
        await self.ws.close(1011, "simulated connection drop")

    async def _open_item(self, resp: Response, data: JSON) -> tuple[int, str | None]:
        output_index = len(resp.output)
        resp.output.append(data)
        await self.emit("response.output_item.added", response_id=resp.id, output_index=output_index, item=data)
        previous: str | None = None
        if resp.in_conversation:
            previous = self.conversation.last_id()
            self.conversation.items.append(Item(data=data, audio_format=resp.audio_output.get("format")))
            await self.emit("conversation.item.added", previous_item_id=previous, item=data)
        return output_index, previous

    async def _close_item(
        self, resp: Response, output_index: int, previous: str | None, data: JSON, audio_ms: int = 0
    ) -> None:
        resp.output[output_index] = data
        if resp.in_conversation:
            stored = self.conversation.find(data["id"])
            if stored is not None:
                if stored.truncated and audio_ms:
                    # Truncated while still streaming: keep only what the client said was heard.
                    kept = min(stored.audio_ms, audio_ms)
                    context = copy.deepcopy(data)
                    for part in context["content"]:
                        transcript = str(part.get("transcript") or "")
                        part["transcript"] = transcript[: len(transcript) * kept // audio_ms]
                    stored.data, stored.audio_ms = context, kept
                else:
                    stored.data, stored.audio_ms = data, audio_ms
                stored.version += 1
            await self.emit("conversation.item.done", previous_item_id=previous, item=data)
        await self.emit("response.output_item.done", response_id=resp.id, output_index=output_index, item=data)

    def _status(self, resp: Response, hit_limit: bool) -> tuple[Status, JSON | None]:
        if resp.cancel_reason is not None:
            return "cancelled", {"type": "cancelled", "reason": resp.cancel_reason}
        if hit_limit:
            return "incomplete", {"type": "incomplete", "reason": "max_output_tokens"}
        return "completed", None

    async def _stream_message(self, resp: Response) -> None:
        text = resp.plan.text
        audio_mode = "audio" in resp.modalities
        item_id = new_id("item")
        output_index, previous = await self._open_item(
            resp,
            {"id": item_id, "type": "message", "status": "in_progress", "role": "assistant", "content": []},
        )
        ids = {"response_id": resp.id, "item_id": item_id, "output_index": output_index, "content_index": 0}
        part: JSON = {"type": "audio", "transcript": ""} if audio_mode else {"type": "text", "text": ""}
        await self.emit("response.content_part.added", **ids, part=part)
        stored = self.conversation.find(item_id) if resp.in_conversation else None

        words = re.findall(r"\S+\s*", text) or [text]
        total_ms = 0
        if audio_mode:
            total_ms = max(50, ceil_div(min(MS_PER_CHAR * len(text), MAX_REPLY_AUDIO_MS), 50) * 50)
        # Steps are (transcript/text delta, audio chunk ms); transcript deltas lead the audio they describe.
        steps: list[tuple[str, int]] = []
        if audio_mode:
            chunks = ceil_div(total_ms, OUTPUT_CHUNK_MS)
            position = 0
            queue = list(words)
            for chunk in range(chunks):
                while queue and position * chunks < (chunk + 1) * len(text):
                    position += len(queue[0])
                    steps.append((queue.pop(0), 0))
                steps.append(("", min(OUTPUT_CHUNK_MS, total_ms - chunk * OUTPUT_CHUNK_MS)))
            steps.extend((word, 0) for word in queue)
        else:
            steps = [(word, 0) for word in words]
        limit = self._limit(resp, replies.text_tokens(text) + ceil_div(total_ms, 50))

        sent_text, sent_ms, hit_limit = "", 0, False
        fmt = resp.audio_output.get("format")
        for deltas, (delta_text, chunk_ms) in enumerate(steps, start=1):
            if resp.cancel_reason is not None:
                break
            if limit is not None:
                projected = replies.text_tokens(sent_text + delta_text) + ceil_div(sent_ms + chunk_ms, 50)
                if projected > limit:
                    hit_limit = True
                    break
            if chunk_ms:
                audio = assistant_audio(fmt, sent_ms, sent_ms + chunk_ms, total_ms)
                sent_ms += chunk_ms
                resp.out_audio_ms = sent_ms
                if stored is not None and not stored.truncated:
                    stored.audio_ms = sent_ms  # truncation may already refer to audio sent so far
                self.audio_started = True
                await self.emit("response.output_audio.delta", **ids, delta=base64.b64encode(audio).decode())
                await self._pace(resp, chunk_ms)
            else:
                sent_text += delta_text
                resp.out_text_tokens = replies.text_tokens(sent_text)
                kind = "response.output_audio_transcript.delta" if audio_mode else "response.output_text.delta"
                await self.emit(kind, **ids, delta=delta_text)
                if not audio_mode:
                    await self._pace(resp, TEXT_DELTA_MS)
            if resp.plan.drop and deltas >= DROP_AFTER_DELTAS:
                await self._drop()
                return

        if audio_mode:
            await self.emit("response.output_audio.done", **ids)
            await self.emit("response.output_audio_transcript.done", **ids, transcript=sent_text)
            await self.emit("response.content_part.done", **ids, part={"type": "audio", "transcript": sent_text})
            content: JSON = {"type": "output_audio", "transcript": sent_text}
        else:
            await self.emit("response.output_text.done", **ids, text=sent_text)
            await self.emit("response.content_part.done", **ids, part={"type": "text", "text": sent_text})
            content = {"type": "output_text", "text": sent_text}
        status, details = self._status(resp, hit_limit)
        item_status = "completed" if status == "completed" else "incomplete"
        final = {
            "id": item_id,
            "type": "message",
            "status": item_status,
            "role": "assistant",
            "content": [content],
        }
        await self._close_item(resp, output_index, previous, final, sent_ms)
        await self._finish(resp, status, details)

    async def _stream_function_call(self, resp: Response) -> None:
        call = resp.plan.call
        assert call is not None
        item_id, call_id = new_id("item"), new_id("call")
        base = {"id": item_id, "type": "function_call", "name": call.name, "call_id": call_id}
        output_index, previous = await self._open_item(resp, {**base, "status": "in_progress", "arguments": ""})
        ids = {"response_id": resp.id, "item_id": item_id, "output_index": output_index, "call_id": call_id}
        size = max(1, ceil_div(len(call.arguments), 4))
        pieces = [call.arguments[i : i + size] for i in range(0, len(call.arguments), size)]
        limit = self._limit(resp, replies.text_tokens(call.name + call.arguments))
        sent, hit_limit = "", False
        for deltas, piece in enumerate(pieces, start=1):
            if resp.cancel_reason is not None:
                break
            if limit is not None and replies.text_tokens(call.name + sent + piece) > limit:
                hit_limit = True
                break
            sent += piece
            resp.out_text_tokens = replies.text_tokens(call.name + sent)
            await self.emit("response.function_call_arguments.delta", **ids, delta=piece)
            if resp.plan.drop and deltas >= DROP_AFTER_DELTAS:
                await self._drop()
                return
            await self._pace(resp, TEXT_DELTA_MS)
        status, details = self._status(resp, hit_limit)
        if status == "completed":
            # Only a finished call gets `.done`: relays execute tools on it.
            await self.emit("response.function_call_arguments.done", **ids, name=call.name, arguments=sent)
        item_status = "completed" if status == "completed" else "incomplete"
        await self._close_item(resp, output_index, previous, {**base, "status": item_status, "arguments": sent})
        await self._finish(resp, status, details)
