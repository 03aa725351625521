"""One simulated Realtime session: the state machine behind a single WebSocket connection."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import math
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from . import replies, session_config
from .audio import bytes_per_ms
from .conversation import Conversation, Item
from .errors import ClientError
from .ids import new_id, obfuscation
from .responses import ResponseStreamer
from .speech import VoiceKind
from .token_usage import transcription_usage
from .vad import EnergyVad, VadSettings

JSON = dict[str, Any]

MIN_COMMIT_MS = 100
# Input transcription runs beside the response, as in the real API. Deterministic, so tests can pin both
# orders: speech shorter than this is transcribed before the response starts; longer speech only after
# the `response.done` of the response that answers it.
SLOW_TRANSCRIPTION_MS = 1000
BUFFER_KEEP_MS = 30_000  # silence kept in the input buffer while VAD waits for speech


def _guess_event_id(raw: str) -> str | None:
    """Best-effort `event_id` from a frame that is not valid JSON."""
    match = re.search(r'"event_id"\s*:\s*"([^"\\]{1,200})"', raw)
    return match.group(1) if match else None


class RealtimeSession:
    """Handles one connection: parses client events, dispatches each to its handler, keeps the session state."""

    def __init__(
        self,
        ws: ServerConnection,
        *,
        model: str,
        realtime_factor: float,
        session_limit_seconds: float | None,
        voice: VoiceKind = "espeak",
    ) -> None:
        self.ws = ws
        self.realtime_factor = realtime_factor
        self.voice: VoiceKind = voice  # eSpeak NG speech, or the soft tone
        self.session_limit_seconds = session_limit_seconds
        lifetime = session_limit_seconds if session_limit_seconds is not None else 3600
        self.config = session_config.default_session(model, int(time.time() + math.ceil(lifetime)))
        self.conversation = Conversation()
        self.responses = ResponseStreamer(self)
        self.audio_started = False  # voice is frozen after the first audio output
        self.buffer = bytearray()
        self.buffer_start_ms = 0.0
        self.vad = EnergyVad()
        self.speech_item_id: str | None = None
        self.speech_start_ms = 0
        self.closed = False
        self.transcription_fails = False  # armed by #sim:mishear: the next input transcription fails
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

    async def drop(self) -> None:
        """Scripted fault: close abruptly (1011) without `response.done`."""
        self.closed = True
        await self.ws.close(1011, "simulated connection drop")

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
            self.responses.stop_tasks()

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
        if td.get("interrupt_response", True) and self.responses.active is not None:
            self.responses.cancel(self.responses.active, "turn_detected")  # its response.done follows later

    async def _speech_stopped(self, end_ms: int, td: JSON) -> None:
        item_id = self.speech_item_id or new_id("item")
        self.speech_item_id = None
        await self.emit("input_audio_buffer.speech_stopped", audio_end_ms=end_ms, item_id=item_id)
        start, end = self._offset(self.speech_start_ms), self._offset(end_ms)
        audio = bytes(self.buffer[start:end])
        del self.buffer[:end]
        self.buffer_start_ms += end / bytes_per_ms(self.input_format)
        item, duration = await self._commit_audio(item_id, audio)
        slow = duration >= SLOW_TRANSCRIPTION_MS
        if not slow:
            await self._transcribe(item, duration)
        active = self.responses.active
        if active is not None and active.cancel_reason is not None:
            await self.responses.settle(active)  # the barge-in's cancelled response ends first
        resp = None
        if td.get("create_response", True) and self.responses.active is None and not self.closed:
            resp = await self.responses.start({})
        if slow and resp is not None:
            resp.after_done.append(lambda: self._transcribe(item, duration))
        elif slow:
            await self._transcribe(item, duration)

    async def _commit_audio(self, item_id: str, audio: bytes, *, transcribe: bool = False) -> tuple[Item, int]:
        """Turn committed audio into a user item (and transcribe it at once if asked); return it and its length."""
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
        if transcribe:
            await self._transcribe(item, duration)
        return item, duration

    def arm_transcription_failure(self) -> None:
        self.transcription_fails = True

    async def _transcribe(self, item: Item, duration: int) -> None:
        """The placeholder transcription of a user audio item, if the session asks for one (or its scripted failure)."""
        if self.closed or session_config.get_path(self.config, "audio", "input", "transcription") is None:
            return
        item_id = item.id
        with contextlib.suppress(ConnectionClosed):
            if self.transcription_fails:
                self.transcription_fails = False
                await self.emit(
                    "conversation.item.input_audio_transcription.failed",
                    item_id=item_id,
                    content_index=0,
                    error={
                        "type": "transcription_error",
                        "code": "audio_unintelligible",
                        "message": "The simulator failed this transcription on purpose (#sim:mishear).",
                        "param": None,
                    },
                )
                return
            language = session_config.language_of(self.config)
            transcript = replies.transcript_placeholder(duration, language)
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
        await self._commit_audio(item_id, audio, transcribe=True)

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

    def normalise_item(self, raw: Any, param: str = "item") -> Item:
        """Validate a client item against this session's formats and known function calls."""
        return self.conversation.normalise_item(
            raw,
            param,
            input_format=self.input_format,
            output_format=session_config.output_format(self.config),
            pending_call_ids=self.responses.pending_call_ids(),
        )

    async def _on_item_create(self, msg: JSON) -> None:
        item = self.normalise_item(msg.get("item"))
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
        await self.responses.create(msg.get("response") or {})

    async def _on_response_cancel(self, msg: JSON) -> None:
        await self.responses.cancel_requested(msg.get("response_id"))
