"""Continuing a conversation after a page change: the resume token and the seed of the new session.

The browser keeps, for its tab, the session id and a resume token the server signed when the session began
(session id, tenant, key, channel, origin). Presenting it on a new socket asks to continue that session: the
server checks the token, that it matches the new socket's own widget token (same tenant, key, channel and
origin), and then the stored record in MongoDB: same tenant, key and origin, ended by the visitor leaving the
page (not by End, a timeout or a limit), within RESUME_WINDOW_SECONDS, and not continued already. Only then
is the previous transcript, loaded from MongoDB (never from the browser), given to the new upstream session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from django.conf import settings

from agents.protocol import RESUME_WINDOW_SECONDS
from tenants.tokens import ALGORITHM, ISSUER, WidgetClaims, signed_payload
from transcripts import store as transcripts
from usage import store as usage_store

AUDIENCE = "voiceagents.resume"  # never accepted as a widget token, nor a widget token as this
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "sid", "kid", "ch", "origin"]
# The seed: the last messages of the conversation, older ones dropped first past either cap.
SEED_MAX_ITEMS = 40
SEED_MAX_CHARS = 12_000
MAX_CHAIN = 20  # continuations followed back, at most
# Ended by the visitor's page going away (a navigation or a closed tab), or by a fault of ours: the conversation
# may go on. End, the idle timeout, the time limit, the budget and revocations end it for good.
RESUMABLE_END_REASONS = frozenset(
    {"client_closed", "upstream_closed", "upstream_unavailable", "heartbeat_lost", "reaped"}
)
LIVE_WAIT_SECONDS = 3.0  # the previous socket's close may still be on its way when the new one opens


class ResumeRefused(Exception):
    """The conversation cannot be continued; `code` is the visitor's notice (resume_expired, resume_refused)."""

    def __init__(self, code: str, why: str) -> None:
        super().__init__(why)
        self.code = code
        self.why = why


@dataclass(frozen=True)
class ResumeClaims:
    session_id: str
    tenant_id: int
    key_id: int
    channel: str
    origin: str
    expires_at: int


@dataclass
class ResumeSeed:
    """What the new session starts from: the session it continues and that conversation's last messages."""

    previous_session_id: str
    messages: list[tuple[str, str]] = field(default_factory=list)  # (role, text), oldest first


def resume_token_issue(
    *,
    session_id: str,
    tenant_id: int,
    key_id: int,
    channel: str,
    origin: str,
    valid_seconds: float,
    now: float | None = None,
) -> str:
    """A token that lets this tab continue `session_id` for `valid_seconds` (the session's maximum length plus
    the resume window: the record's end time is what really decides)."""
    issued = int(now if now is not None else time.time())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(tenant_id),
        "sid": session_id,
        "kid": key_id,
        "ch": channel,
        "origin": origin,
        "iat": issued,
        "nbf": issued,
        "exp": issued + int(valid_seconds),
    }
    return jwt.encode(payload, settings.WIDGET_TOKEN_SECRET, algorithm=ALGORITHM)


def resume_token_verify(token: str) -> ResumeClaims:
    """Header exactly as minted, pinned algorithm, issuer, audience, time; raises ResumeRefused."""
    try:
        payload = signed_payload(token, audience=AUDIENCE, required=REQUIRED_CLAIMS)
        return ResumeClaims(
            session_id=str(payload["sid"]),
            tenant_id=int(payload["sub"]),
            key_id=int(payload["kid"]),
            channel=str(payload["ch"]),
            origin=str(payload["origin"]),
            expires_at=int(payload["exp"]),
        )
    except jwt.ExpiredSignatureError:
        raise ResumeRefused("resume_expired", "token expired") from None
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise ResumeRefused("resume_refused", f"unreadable token ({type(exc).__name__})") from None


def _ended_record(tenant_id: int, session_id: str, *, wait_seconds: float) -> dict[str, Any] | None:
    """The previous session's record once it has ended (its socket's close may lag the new socket a little)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        record = usage_store.session_get(tenant_id=tenant_id, session_id=session_id)
        if record is None or record.get("status") != "live" or time.monotonic() >= deadline:
            return record
        time.sleep(0.1)


def resume_seed(
    *,
    token: str,
    widget: WidgetClaims,
    new_session_id: str,
    now: datetime | None = None,
    wait_seconds: float = LIVE_WAIT_SECONDS,
) -> ResumeSeed:
    """Check a resume token against the new socket's widget token and the stored record, claim the previous
    session (once), and load its conversation; raises ResumeRefused with the visitor's notice code."""
    claims = resume_token_verify(token)
    if (claims.tenant_id, claims.key_id, claims.channel, claims.origin) != (
        widget.tenant_id,
        widget.key_id,
        widget.channel,
        widget.origin,
    ):
        raise ResumeRefused("resume_refused", "token is for another tenant, key, channel or origin")
    record = _ended_record(claims.tenant_id, claims.session_id, wait_seconds=wait_seconds)
    if record is None:
        raise ResumeRefused("resume_refused", "no such session for this tenant")
    if record.get("keyId") != claims.key_id or record.get("origin") != claims.origin:
        raise ResumeRefused("resume_refused", "the session was opened by another key or origin")
    if record.get("status") != "ended":
        raise ResumeRefused("resume_refused", "the session is still live")
    if record.get("endReason") not in RESUMABLE_END_REASONS:
        raise ResumeRefused("resume_refused", f"the session was ended for good ({record.get('endReason')})")
    ended_at = record.get("endedAt")
    moment = now or datetime.now(UTC)
    if not isinstance(ended_at, datetime):
        raise ResumeRefused("resume_refused", "the session has no end time")
    if ended_at.tzinfo is None:
        ended_at = ended_at.replace(tzinfo=UTC)
    if moment - ended_at > timedelta(seconds=RESUME_WINDOW_SECONDS):
        raise ResumeRefused("resume_expired", "the session ended too long ago")
    claimed = usage_store.session_claim_resume(
        tenant_id=claims.tenant_id, session_id=claims.session_id, by=new_session_id
    )
    if not claimed:
        raise ResumeRefused("resume_refused", "the session was continued already")
    return ResumeSeed(
        previous_session_id=claims.session_id,
        messages=conversation_history(tenant_id=claims.tenant_id, session_id=claims.session_id),
    )


def conversation_history(*, tenant_id: int, session_id: str) -> list[tuple[str, str]]:
    """The visitor's and the agent's lines of a session and of the sessions it continues, oldest first, capped:
    the last SEED_MAX_ITEMS messages within SEED_MAX_CHARS characters."""
    sessions: list[str] = []
    current: str | None = session_id
    while current and current not in sessions and len(sessions) < MAX_CHAIN:
        sessions.append(current)
        record = usage_store.session_get(tenant_id=tenant_id, session_id=current)
        current = record.get("resumedFrom") if record else None
    messages: list[tuple[str, str]] = []
    for sid in reversed(sessions):
        for line in transcripts.transcript_for_session(tenant_id=tenant_id, session_id=sid):
            role, text = line.get("role"), str(line.get("text") or "").strip()
            if role in ("user", "assistant") and text:
                messages.append((str(role), text))
    messages = messages[-SEED_MAX_ITEMS:]
    total = 0
    for index in range(len(messages) - 1, -1, -1):
        total += len(messages[index][1])
        if total > SEED_MAX_CHARS:
            return messages[index + 1 :]
    return messages


def seed_items(seed: ResumeSeed, *, prefix: str) -> list[dict[str, Any]]:
    """The seed as `conversation.item.create` items: the visitor's lines as input_text, the agent's as
    output_text (the Realtime API's content types for each role). Ids are ours, so their echoes are known."""
    items: list[dict[str, Any]] = []
    for index, (role, text) in enumerate(seed.messages):
        kind = "input_text" if role == "user" else "output_text"
        items.append(
            {
                "id": f"seed_{prefix}_{index:03d}",  # at most 32 characters, as the API wants
                "type": "message",
                "role": role,
                "content": [{"type": kind, "text": text}],
            }
        )
    return items
