"""Responses: what each one will say, and streaming its events (deltas, function calls, done, cancellation)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from websockets.exceptions import ConnectionClosed

from . import replies, session_config, speech
from .audio import OUTPUT_CHUNK_MS
from .conversation import Conversation, Item
from .errors import ClientError
from .ids import new_id
from .token_usage import InputUsage, PromptCache, ceil_div, rate_limits, response_usage

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
TEXT_DELTA_MS = 25  # model time per text delta, for pacing text-only replies
DROP_AFTER_DELTAS = 3
# The real API's `response.cancel` returns at once; the cancelled response's last events and its
# `response.done` follow a little later, and a `response.create` in between is refused. Wall time, not
# model time: it holds even with pacing off, so clients are tested against the gap.
CANCEL_LAG_SECONDS = 0.15

Status = Literal["completed", "cancelled", "incomplete", "failed"]


@dataclass
class Response:
    """A response being generated."""

    id: str
    in_conversation: bool
    modalities: list[str]
    max_output_tokens: Any
    audio_output: JSON
    metadata: Any
    plan: replies.Plan
    usage_in: InputUsage
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    cancel_reason: str | None = None
    task: asyncio.Task[None] | None = None
    output: list[JSON] = field(default_factory=list)
    out_text_tokens: int = 0
    out_audio_ms: int = 0
    lagged: bool = False
    language: str = "en"  # what the reply says and speaks in
    after_done: list[Callable[[], Awaitable[None]]] = field(default_factory=list)  # run after `response.done`


class _Dropped(Exception):
    """The scripted connection drop happened mid-response."""


class Session(Protocol):
    """What responses need from the session they belong to (`session.RealtimeSession`)."""

    config: JSON
    conversation: Conversation
    realtime_factor: float
    audio_started: bool
    voice: speech.VoiceKind

    async def emit(self, type_: str, **fields: Any) -> None: ...

    async def expire(self, message: str) -> None: ...

    async def drop(self) -> None: ...

    def arm_transcription_failure(self) -> None: ...

    def normalise_item(self, raw: Any, param: str = "item") -> Item: ...


class ResponseStreamer:
    """Starts, streams and cancels the responses of one session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.active: Response | None = None  # the default-conversation response
        self.streaming: dict[str, Response] = {}
        self.prompt_cache = PromptCache()

    def pending_call_ids(self) -> set[str]:
        """The call_ids of function calls in responses still streaming (not yet in the conversation)."""
        ids: set[str] = set()
        for resp in self.streaming.values():
            ids.update(str(o.get("call_id")) for o in resp.output if o.get("type") == "function_call")
        return ids

    def stop_tasks(self) -> None:
        """Cancel every streaming task (the connection is gone)."""
        for resp in list(self.streaming.values()):
            if resp.task is not None and resp.task is not asyncio.current_task():
                resp.task.cancel()

    async def create(self, params: Any) -> None:
        """Check the `response` of a `response.create`, then start it."""
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
        await self.start(params)

    def _context(self, params: JSON) -> list[Item]:
        if "input" not in params:
            return list(self.session.conversation.items)
        raw_items = params["input"]
        if not isinstance(raw_items, list):
            raise ClientError("invalid_type", "'response.input' must be a list of items.", "response.input")
        context: list[Item] = []
        for index, raw in enumerate(raw_items):
            if isinstance(raw, dict) and raw.get("type") == "item_reference":
                found = self.session.conversation.find(raw.get("id"))
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
                context.append(self.session.normalise_item(raw, f"response.input[{index}]"))
        return context

    async def start(self, params: JSON) -> Response | None:
        """Create a response: emit `response.created` and `rate_limits.updated` now, stream the rest in a task."""
        cfg = self.session.config
        in_conversation = params.get("conversation", "auto") != "none"
        instructions = params["instructions"] if isinstance(params.get("instructions"), str) else cfg["instructions"]
        tools = params["tools"] if "tools" in params else cfg["tools"]
        tool_choice = params["tool_choice"] if "tool_choice" in params else cfg["tool_choice"]
        context = self._context(params)
        language = session_config.language_of(cfg, str(instructions))
        plan = replies.plan_response(
            str(params.get("instructions") or ""), context, tools, tool_choice, language=language
        )
        if plan.kind == "expire":
            await self.session.expire("Your session hit the maximum duration of 60 minutes.")
            return None
        if plan.mishear:
            self.session.arm_transcription_failure()
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
            language=language,
        )
        if in_conversation:
            self.active = resp
        self.streaming[resp.id] = resp
        await self.session.emit("response.created", response=self._snapshot(resp, "in_progress"))
        # Like the real API: the limits are reported when a response starts (its input is reserved).
        await self.session.emit("rate_limits.updated", rate_limits=rate_limits(sum(usage_in[:3])))
        resp.task = asyncio.create_task(self._run_response(resp))
        return resp

    def _snapshot(self, resp: Response, status: str, details: JSON | None = None, usage: JSON | None = None) -> JSON:
        return {
            "object": "realtime.response",
            "id": resp.id,
            "status": status,
            "status_details": details,
            "output": copy.deepcopy(resp.output),
            "conversation_id": self.session.conversation.id if resp.in_conversation else None,
            "output_modalities": resp.modalities,
            "max_output_tokens": resp.max_output_tokens,
            "audio": {"output": resp.audio_output},
            "usage": usage,
            "metadata": resp.metadata,
        }

    def cancel(self, resp: Response, reason: str) -> None:
        """Ask a streaming response to stop; it sends its last events and `response.done` a little later."""
        if resp.cancel_reason is None:
            resp.cancel_reason = reason
        resp.wake.set()

    async def settle(self, resp: Response) -> None:
        """Wait until a response has sent its `response.done` (the server's own next turn waits for it)."""
        if resp.task is not None and resp.task is not asyncio.current_task():
            with contextlib.suppress(asyncio.CancelledError):
                await resp.task

    async def _cancel_lag(self, resp: Response) -> None:
        if resp.cancel_reason is not None and not resp.lagged:
            resp.lagged = True
            await asyncio.sleep(CANCEL_LAG_SECONDS)

    async def cancel_requested(self, response_id: Any) -> None:
        """A `response.cancel`: the named response, or the active one."""
        resp = self.streaming.get(str(response_id)) if response_id else self.active
        if resp is None or resp.cancel_reason is not None:
            raise ClientError("response_cancel_not_active", "Cancellation failed: no active response found.")
        self.cancel(resp, "client_cancelled")

    async def _pace(self, resp: Response, model_ms: float) -> None:
        """Let `model_ms` of output take model_ms / factor of wall time; wake early on cancel."""
        if self.session.realtime_factor <= 0:
            await asyncio.sleep(0)  # still yield, so barge-in and cancel are seen between chunks
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(resp.wake.wait(), model_ms / 1000 / self.session.realtime_factor)

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
            else:
                hit_limit = False
                for kind, payload in resp.plan.steps():
                    if resp.cancel_reason is not None or hit_limit:
                        break
                    if kind == "call":
                        hit_limit = await self._stream_function_call(resp, payload)
                    else:
                        hit_limit = await self._stream_message(resp, payload)
                await self._cancel_lag(resp)
                await self._finish(resp, *self._status(resp, hit_limit))
        except (ConnectionClosed, _Dropped):
            pass
        finally:
            self.streaming.pop(resp.id, None)
            if self.active is resp:
                self.active = None

    async def _finish(self, resp: Response, status: Status, details: JSON | None) -> None:
        """Send `response.done` (full usage), then whatever waited for it (a slow input transcription)."""
        self.streaming.pop(resp.id, None)
        if self.active is resp:
            self.active = None  # before sending, so the client may create the next response at once
        usage = response_usage(resp.usage_in, resp.out_text_tokens, resp.out_audio_ms)
        await self.session.emit("response.done", response=self._snapshot(resp, status, details, usage))
        for follow in resp.after_done:
            await follow()

    def _limit(self, resp: Response, full_tokens: int) -> int | None:
        if resp.plan.incomplete:
            return max(1, full_tokens // 2)
        limit = resp.max_output_tokens
        return limit if isinstance(limit, int) and not isinstance(limit, bool) else None

    async def _open_item(self, resp: Response, data: JSON) -> tuple[int, str | None]:
        output_index = len(resp.output)
        resp.output.append(data)
        await self.session.emit("response.output_item.added", response_id=resp.id, output_index=output_index, item=data)
        previous: str | None = None
        if resp.in_conversation:
            previous = self.session.conversation.last_id()
            self.session.conversation.items.append(Item(data=data, audio_format=resp.audio_output.get("format")))
            await self.session.emit("conversation.item.added", previous_item_id=previous, item=data)
        return output_index, previous

    async def _close_item(
        self, resp: Response, output_index: int, previous: str | None, data: JSON, audio_ms: int = 0
    ) -> None:
        resp.output[output_index] = data
        if resp.in_conversation:
            stored = self.session.conversation.find(data["id"])
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
            await self.session.emit("conversation.item.done", previous_item_id=previous, item=data)
        await self.session.emit("response.output_item.done", response_id=resp.id, output_index=output_index, item=data)

    def _status(self, resp: Response, hit_limit: bool) -> tuple[Status, JSON | None]:
        if resp.cancel_reason is not None:
            return "cancelled", {"type": "cancelled", "reason": resp.cancel_reason}
        if hit_limit:
            return "incomplete", {"type": "incomplete", "reason": "max_output_tokens"}
        return "completed", None

    async def _stream_message(self, resp: Response, text: str) -> bool:
        """Stream one assistant message item; True if it stopped at the output token limit."""
        audio_mode = "audio" in resp.modalities
        item_id = new_id("item")
        output_index, previous = await self._open_item(
            resp,
            {"id": item_id, "type": "message", "status": "in_progress", "role": "assistant", "content": []},
        )
        ids = {"response_id": resp.id, "item_id": item_id, "output_index": output_index, "content_index": 0}
        part: JSON = {"type": "audio", "transcript": ""} if audio_mode else {"type": "text", "text": ""}
        await self.session.emit("response.content_part.added", **ids, part=part)
        stored = self.session.conversation.find(item_id) if resp.in_conversation else None

        words = re.findall(r"\S+\s*", text) or [text]
        total_ms = 0
        fmt = resp.audio_output.get("format")
        voice: speech.Speech | None = None
        if audio_mode:
            voice = await speech.render(
                text,
                kind=self.session.voice,
                fmt=fmt,
                language=resp.language,
                voice=resp.audio_output.get("voice"),
                speed=session_config.get_path(self.session.config, "audio", "output", "speed"),
            )
            total_ms = voice.total_ms
            if stored is not None:
                stored.speech = voice
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

        # Usage counts every item of the response: this one adds to what earlier items sent.
        base_text, base_ms = resp.out_text_tokens, resp.out_audio_ms
        sent_text, sent_ms, hit_limit = "", 0, False
        for deltas, (delta_text, chunk_ms) in enumerate(steps, start=1):
            if resp.cancel_reason is not None:
                break
            if limit is not None:
                projected = replies.text_tokens(sent_text + delta_text) + ceil_div(sent_ms + chunk_ms, 50)
                if projected > limit:
                    hit_limit = True
                    break
            if chunk_ms and voice is not None:
                audio = voice.chunk(sent_ms, sent_ms + chunk_ms)
                sent_ms += chunk_ms
                resp.out_audio_ms = base_ms + sent_ms
                if stored is not None and not stored.truncated:
                    stored.audio_ms = sent_ms  # truncation may already refer to audio sent so far
                self.session.audio_started = True
                await self.session.emit("response.output_audio.delta", **ids, delta=base64.b64encode(audio).decode())
                await self._pace(resp, chunk_ms)
            else:
                sent_text += delta_text
                resp.out_text_tokens = base_text + replies.text_tokens(sent_text)
                kind = "response.output_audio_transcript.delta" if audio_mode else "response.output_text.delta"
                await self.session.emit(kind, **ids, delta=delta_text)
                if not audio_mode:
                    await self._pace(resp, TEXT_DELTA_MS)
            if resp.plan.drop and deltas >= DROP_AFTER_DELTAS:
                await self.session.drop()
                raise _Dropped
        await self._cancel_lag(resp)

        if audio_mode:
            await self.session.emit("response.output_audio.done", **ids)
            await self.session.emit("response.output_audio_transcript.done", **ids, transcript=sent_text)
            await self.session.emit(
                "response.content_part.done", **ids, part={"type": "audio", "transcript": sent_text}
            )
            content: JSON = {"type": "output_audio", "transcript": sent_text}
        else:
            await self.session.emit("response.output_text.done", **ids, text=sent_text)
            await self.session.emit("response.content_part.done", **ids, part={"type": "text", "text": sent_text})
            content = {"type": "output_text", "text": sent_text}
        status, _ = self._status(resp, hit_limit)
        item_status = "completed" if status == "completed" else "incomplete"
        final = {
            "id": item_id,
            "type": "message",
            "status": item_status,
            "role": "assistant",
            "content": [content],
        }
        await self._close_item(resp, output_index, previous, final, sent_ms)
        return hit_limit

    async def _stream_function_call(self, resp: Response, call: replies.ToolCall) -> bool:
        """Stream one function call item; True if it stopped at the output token limit."""
        item_id, call_id = new_id("item"), new_id("call")
        base = {"id": item_id, "type": "function_call", "name": call.name, "call_id": call_id}
        output_index, previous = await self._open_item(resp, {**base, "status": "in_progress", "arguments": ""})
        ids = {"response_id": resp.id, "item_id": item_id, "output_index": output_index, "call_id": call_id}
        size = max(1, ceil_div(len(call.arguments), 4))
        pieces = [call.arguments[i : i + size] for i in range(0, len(call.arguments), size)]
        limit = self._limit(resp, replies.text_tokens(call.name + call.arguments))
        base_text = resp.out_text_tokens
        sent, hit_limit = "", False
        for deltas, piece in enumerate(pieces, start=1):
            if resp.cancel_reason is not None:
                break
            if limit is not None and replies.text_tokens(call.name + sent + piece) > limit:
                hit_limit = True
                break
            sent += piece
            resp.out_text_tokens = base_text + replies.text_tokens(call.name + sent)
            await self.session.emit("response.function_call_arguments.delta", **ids, delta=piece)
            if resp.plan.drop and deltas >= DROP_AFTER_DELTAS:
                await self.session.drop()
                raise _Dropped
            await self._pace(resp, TEXT_DELTA_MS)
        await self._cancel_lag(resp)
        status, _ = self._status(resp, hit_limit)
        # Sent for a cut-off call too, with the arguments so far, as the real API does: only the item's
        # `response.output_item.done` status (or the response's) says whether the call may run.
        await self.session.emit("response.function_call_arguments.done", **ids, name=call.name, arguments=sent)
        item_status = "completed" if status == "completed" else "incomplete"
        await self._close_item(resp, output_index, previous, {**base, "status": item_status, "arguments": sent})
        return hit_limit
