"""The visitor socket's protocol: what the server and the browser client must agree on, in one place.

The wire format is the OpenAI Realtime event protocol plus the platform's own `platform.*` events. The
browser gets the constants below from the server (`browser_protocol()`, rendered with `json_script` into the
widget and console pages), so `static/widget/client.js` holds no second copy of them.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from django.utils.translation import gettext_noop

WS_PATH = "/ws/voice/"
# The client offers both subprotocols; the token rides in the second, never in the URL (URLs reach logs).
SUBPROTOCOL = "voice.v1"
TOKEN_PREFIX = "token."
# A third, optional subprotocol carries the resume token of the conversation this socket continues
# (agents/resume.py); like the token, never in the URL.
RESUME_PREFIX = "resume."

CLOSE_NORMAL = 1000
# Admitted to tell the visitor why, then closed: busy, over budget, no agent. The client shows the notice.
CLOSE_REFUSED = 4429
# Closed for what the visitor sent, with a reason the widget shows. 1009 is the server's own answer to a message
# over its size limit (config/server.py); an application may only send 1000 or 3000-4999 (RFC 6455 7.4.2,
# which autobahn enforces), hence 4011 for a frame the relay failed on and 4008 for audio far past real time.
CLOSE_TOO_LARGE = 1009
CLOSE_FRAME_FAILED = 4011
CLOSE_POLICY = 4008
CLOSE_REASONS = {
    CLOSE_TOO_LARGE: "message too large",
    CLOSE_FRAME_FAILED: "message could not be handled",
    CLOSE_POLICY: "audio faster than real time",
}

# --- visitor frames -------------------------------------------------------------------------------------

# The exact shape our client sends; anything else goes through the parsed (validated) path.
APPEND_WIRE = re.compile(r'\{"type":"input_audio_buffer\.append","audio":"[A-Za-z0-9+/]*={0,2}"\}')
APPEND_PREFIX = '{"type":"input_audio_buffer.append","audio":"'
_AUDIO_START = len(APPEND_PREFIX)
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def is_append_wire(raw: str) -> bool:
    """Whether `raw` has exactly APPEND_WIRE's shape. Per audio frame, so without the regex engine, which steps
    through the base64 one character at a time (11 us on a 60 ms frame): C loops over the string (2 us)."""
    end = len(raw) - 2
    if end < _AUDIO_START or not raw.startswith(APPEND_PREFIX) or not raw.endswith('"}'):
        return False
    audio = raw[_AUDIO_START:end]
    if not audio.isascii() or audio.encode().translate(None, _BASE64_ALPHABET):
        return False  # something besides the base64 alphabet: a quote or backslash could add keys
    padding = audio.find("=")
    return padding < 0 or (len(audio) - padding <= 2 and audio.count("=", padding) == len(audio) - padding)


TYPE_PEEK = re.compile(r'^\{\s*"type"\s*:\s*"([a-z_.]+)"')
AUDIO_DELTA = "response.output_audio.delta"
# The relay refuses a frame over this with an error event and the session goes on; the server's own limit
# (1 MiB, config/server.py) must stay above it, or this check is never reached. 256 KiB is 2.7 s of PCM16 audio
# in one append (the widget sends 60 ms) and a hundred times the longest text turn.
MAX_CLIENT_FRAME = 262_144
MAX_USER_TEXT = 2000

# Upstream events a visitor may see; session.* (instructions, tool definitions) never leave the server.
# A spoken turn's line is placed by `input_audio_buffer.committed` (`item_id`, `previous_item_id`: the
# conversation item before it), which always comes before the answer's events; the transcription events fill
# it later by `item_id`, whenever they arrive (before or after the answer). A failed transcription reaches
# the visitor as `conversation.item.input_audio_transcription.failed` with `item_id` and `error.code` only.
VISITOR_EVENTS = frozenset(
    {
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "input_audio_buffer.cleared",
        "conversation.item.input_audio_transcription.delta",
        "conversation.item.input_audio_transcription.completed",
        "conversation.item.truncated",
        "response.created",
        "response.output_audio.done",
        "response.output_audio_transcript.delta",
        "response.output_audio_transcript.done",
        "response.output_text.delta",
        "response.output_text.done",
    }
)


def user_text(item: Any) -> str | None:
    """The text of a user message item with one input_text part, within the size limit; else None."""
    if not isinstance(item, dict) or item.get("type") != "message" or item.get("role") != "user":
        return None
    content = item.get("content")
    if not isinstance(content, list) or len(content) != 1 or not isinstance(content[0], dict):
        return None
    part = content[0]
    text = part.get("text")
    if part.get("type") != "input_text" or not isinstance(text, str) or not text.strip():
        return None
    return text[:MAX_USER_TEXT]


BUSY = gettext_noop("The agent is busy, please try again shortly.")
# What the visitor reads for each reason a session is refused, warned or ended. Marked for translation: the widget
# shows them in its agent's language by code (widget/strings.py); the socket carries the English text.
NOTICES = {
    "busy": BUSY,
    "no_agent": BUSY,
    "upstream_failed": gettext_noop("Sorry, the voice service is having trouble. Please try again in a moment."),
    "budget_exhausted": BUSY,
    "budget": gettext_noop("The assistant has to stop here for now. Please come back a little later."),
    "idle_timeout": gettext_noop("The conversation ended because it was quiet for a while."),
    "max_duration": gettext_noop("The conversation reached its time limit. Start a new one to continue."),
    "key_revoked": gettext_noop("This assistant is no longer available on this website."),
    "tenant_inactive": gettext_noop("This assistant is no longer available on this website."),
    "session_expired": gettext_noop("The conversation reached its time limit. Start a new one to continue."),
    "invalid_api_key": gettext_noop("Sorry, the voice service is not configured correctly."),
    "config_rejected": gettext_noop("Sorry, this assistant is not set up correctly right now. Please try again later."),
    "response_failed": gettext_noop("Sorry, I could not answer that. Please try again, or type your question."),
    "transcription_failed": gettext_noop("Sorry, I didn't catch that. Please say it again, or type your message."),
    "frame_failed": gettext_noop("Sorry, something went wrong with this conversation. Please start a new one."),
    "message_too_large": gettext_noop(
        "That message was too large to send, so the conversation ended. Please start a new one."
    ),
    "audio_too_fast": gettext_noop("The conversation ended because audio arrived faster than anyone can speak."),
    # A conversation continued after a page change, or not (agents/resume.py).
    "resumed": gettext_noop("Welcome back: your conversation continues."),
    "resume_expired": gettext_noop("Your earlier conversation had expired, so this is a new one."),
    "resume_refused": gettext_noop("Your earlier conversation could not be continued, so this is a new one."),
    # The idle timeout's end, saying how long it was quiet (`idle_ended` fills the placeholder).
    "idle_timeout_minutes": gettext_noop("The conversation ended because it was quiet for {minutes} minutes."),
    "idle_timeout_seconds": gettext_noop("The conversation ended because it was quiet for {seconds} seconds."),
}
# The idle timeout's warning (`idle_warning`; the widget's own text, widget/strings.py).
STILL_THERE = gettext_noop("Still there? The conversation ends soon if nobody speaks or types.")
# What a visitor reads for an upstream error: its own message may quote the session config.
UPSTREAM_ERROR_MESSAGE = "The voice service could not handle that request."


RESUME_WINDOW_SECONDS = 30 * 60


def browser_protocol() -> dict[str, Any]:
    """The constants the browser client needs, as the pages embed them."""
    return {
        "wsPath": WS_PATH,
        "subprotocol": SUBPROTOCOL,
        "tokenPrefix": TOKEN_PREFIX,
        "closeRefused": CLOSE_REFUSED,
        # What the widget shows for a close it got no notice for (the server's own 1009 cannot send one).
        "closeNotices": {
            str(CLOSE_TOO_LARGE): "message_too_large",
            str(CLOSE_FRAME_FAILED): "frame_failed",
            str(CLOSE_POLICY): "audio_too_fast",
        },
        "notices": NOTICES,
        "resumePrefix": RESUME_PREFIX,
        # How long after a page change the widget tries to continue (the server checks it again).
        "resumeWindowSeconds": RESUME_WINDOW_SECONDS,
    }


def event_id() -> str:
    """A server event id in the Realtime API's style, for the events the relay builds itself."""
    return "event_" + uuid.uuid4().hex[:22]


def _event(payload: dict[str, Any]) -> str:
    return json.dumps({"type": payload["type"], "event_id": event_id(), **payload}, default=str)


def notice(code: str, *, retryable: bool, level: str | None = None) -> str:
    """`platform.notice`: a line for the visitor; unknown codes read as a service problem. The level is
    "warning" for retryable problems, "error" for the rest, unless given ("info")."""
    return _event(
        {
            "type": "platform.notice",
            "level": level or ("warning" if retryable else "error"),
            "code": code,
            "message": NOTICES.get(code, NOTICES["upstream_failed"]),
            "retryable": retryable,
        }
    )


# After this many failed tool calls in one session the visitor is given the agent's human contact.
ESCALATE_AFTER_TOOL_FAILURES = 2


ESCALATION = gettext_noop("Sorry, I can't get that done right now. You can reach a person at {contact}.")


def escalation(contact: str) -> str:
    """`platform.notice`: tools keep failing; the visitor reads a polite line and the agent's human contact (also
    on its own, so the widget can say the line in its language)."""
    return _event(
        {
            "type": "platform.notice",
            "level": "warning",
            "code": "escalation",
            "message": ESCALATION.format(contact=contact),
            "contact": contact,
            "retryable": False,
        }
    )


def error_event(code: str, message: str, *, error_type: str = "invalid_request_error") -> str:
    """An `error` event in the Realtime API's shape: a refused frame, or an upstream error passed on."""
    return _event({"type": "error", "error": {"type": error_type, "code": code, "message": message}})


def response_done(response: dict[str, Any]) -> str:
    """The visitor's `response.done`: id, status and usage only (the output items stay on the server)."""
    return _event(
        {
            "type": "response.done",
            "response": {
                "id": response.get("id"),
                "status": response.get("status"),
                "status_details": response.get("status_details"),
                "usage": response.get("usage"),
            },
        }
    )


def user_item_done(item_id: Any, text: str) -> str:
    """The visitor's own typed turn, as `conversation.item.done`."""
    return _event(
        {
            "type": "conversation.item.done",
            "item": {
                "id": item_id,
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            },
        }
    )


def transcription_failed(item_id: Any, code: str) -> str:
    """A spoken turn that could not be transcribed: the line to mark, and the code (no upstream message)."""
    return _event(
        {
            "type": "conversation.item.input_audio_transcription.failed",
            "item_id": item_id,
            "content_index": 0,
            "error": {"code": code[:64]},
        }
    )


def session_started(
    *,
    session_id: str,
    channel: str,
    tenant_name: str,
    agent_name: str,
    simulator: bool,
    resume_token: str | None = None,
    resumed_from: str | None = None,
) -> str:
    """`platform.session`: the session is live. `resumeToken` lets this tab continue it after a page change;
    `resumedFrom` names the session it continues, when it does."""
    return _event(
        {
            "type": "platform.session",
            "sessionId": session_id,
            "channel": channel,
            "tenant": {"name": tenant_name},
            "agent": {"name": agent_name},
            "simulator": simulator,
            "resumeToken": resume_token,
            "resumedFrom": resumed_from,
        }
    )


def idle_warning(*, seconds_left: float) -> str:
    """`platform.idle`: the idle timeout is near; the widget asks "Still there?" and a `platform.keepalive`
    from it (or any turn) resets the clock."""
    return _event({"type": "platform.idle", "secondsLeft": max(0, round(seconds_left)), "message": STILL_THERE})


def idle_ended(*, idle_seconds: float) -> str:
    """The idle timeout's notice, naming how long it was quiet: in minutes from two minutes on, else in seconds
    (the widget shows the text for the code in its language, filling `minutes` or `seconds`)."""
    seconds = max(1, round(idle_seconds))
    minutes = round(seconds / 60)
    code = "idle_timeout_minutes" if seconds >= 120 else "idle_timeout_seconds"
    return _event(
        {
            "type": "platform.notice",
            "level": "info",  # an ordinary end after a warning, not a fault: no alarm-red line
            "code": code,
            "message": NOTICES[code].format(minutes=minutes, seconds=seconds),
            "minutes": minutes,
            "seconds": seconds,
            "retryable": False,
        }
    )


def session_ended(reason: str) -> str:
    return _event({"type": "platform.ended", "reason": reason})


def tool_status(*, call_id: str, tool: str, status: str) -> str:
    """`platform.tool`: a call is running, or finished ok or in error. No timing: latency would let a visitor tell
    a blocked address from a closed port or a timeout; the console gets it in `platform.debug`."""
    return _event({"type": "platform.tool", "callId": call_id, "tool": tool, "status": status})


def visual(*, call_id: str, tool: str, html: str) -> str:
    """`platform.visual`: a card the server rendered from a tool result."""
    return _event({"type": "platform.visual", "callId": call_id, "tool": tool, "html": html})


def debug(kind: str, data: dict[str, Any]) -> str:
    """`platform.debug`: console-only diagnostics (config, tool calls, usage)."""
    return _event({"type": "platform.debug", "kind": kind, "data": data})
