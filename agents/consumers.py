"""The voice WebSocket: a thin shell that admits a visitor and hands frames to an AgentSession."""

from __future__ import annotations

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from agents import protocol
from agents.resume import ResumeRefused, ResumeSeed, resume_seed, resume_token_issue
from agents.services import Admission, SessionRefused, session_admit, session_still_allowed
from agents.session import AgentSession, SessionLimits, new_session_id
from agents.session_records import VisitorIdentity
from tenants.tokens import TokenInvalid, WidgetClaims, token_verify
from usage import timers

logger = logging.getLogger(__name__)


class VoiceConsumer(AsyncWebsocketConsumer):
    session: AgentSession | None = None

    async def connect(self) -> None:
        offered: list[str] = list(self.scope.get("subprotocols") or [])
        tokens = [p[len(protocol.TOKEN_PREFIX) :] for p in offered if p.startswith(protocol.TOKEN_PREFIX)]
        resumes = [p[len(protocol.RESUME_PREFIX) :] for p in offered if p.startswith(protocol.RESUME_PREFIX)]
        if protocol.SUBPROTOCOL not in offered or len(tokens) != 1 or len(resumes) > 1:
            await self.close()  # refused before the handshake completes: the browser sees a failed open
            return
        session_id = new_session_id()
        try:
            claims = token_verify(tokens[0])
            admission = await database_sync_to_async(session_admit)(
                claims=claims, user=self.scope.get("user"), session_id=session_id, ip=self._client_ip()
            )
        except TokenInvalid as exc:
            logger.info("voice socket refused: %s", exc)
            await self.close()
            return
        except SessionRefused as refusal:
            await self.accept(protocol.SUBPROTOCOL)
            await self.send(protocol.notice(refusal.code, retryable=True))
            await self.close(protocol.CLOSE_REFUSED)
            return
        await self.accept(protocol.SUBPROTOCOL)
        seed, refusal_code = await self._resume(resumes[0] if resumes else None, claims, session_id)
        await self._start(admission, claims, seed=seed, resume_refusal=refusal_code)

    async def _resume(
        self, token: str | None, claims: WidgetClaims, session_id: str
    ) -> tuple[ResumeSeed | None, str | None]:
        """The conversation this socket continues, checked by the server (agents/resume.py), or why not."""
        if token is None or claims.channel != "widget":
            return None, None
        try:
            seed = await database_sync_to_async(resume_seed)(token=token, widget=claims, new_session_id=session_id)
            return seed, None
        except ResumeRefused as refusal:
            logger.info("resume refused for %s: %s", session_id, refusal.why)
            return None, refusal.code

    def _client_ip(self) -> str:
        # The peer address only, as bootstrap uses REMOTE_ADDR: forwarded headers are client-controlled.
        client = self.scope.get("client") or ("unknown", 0)
        return str(client[0])

    async def _start(
        self, admission: Admission, claims: WidgetClaims, *, seed: ResumeSeed | None, resume_refusal: str | None
    ) -> None:
        plan = admission.plan
        simulator = not settings.OPENAI_API_KEY
        resume_token = None
        if plan.channel == "widget":
            resume_token = resume_token_issue(
                session_id=admission.session_id,
                tenant_id=claims.tenant_id,
                key_id=claims.key_id,
                channel=claims.channel,
                origin=claims.origin,
                valid_seconds=admission.max_duration_seconds + protocol.RESUME_WINDOW_SECONDS + 60,
            )
        await self.send(
            protocol.session_started(
                session_id=admission.session_id,
                channel=plan.channel,
                tenant_name=plan.tenant_name,
                agent_name=plan.agent_name,
                simulator=simulator,
                resume_token=resume_token,
                resumed_from=seed.previous_session_id if seed else None,
            )
        )
        if seed is not None or resume_refusal is not None:
            level = "warning" if resume_refusal else "info"
            await self.send(protocol.notice(resume_refusal or "resumed", retryable=False, level=level))

        async def still_allowed() -> str | None:
            return await database_sync_to_async(session_still_allowed)(admission=admission)

        self.session = AgentSession(
            plan=plan,
            session_id=admission.session_id,
            key_id=admission.key_id,
            origin=admission.origin,
            seed=seed,
            limits=SessionLimits(
                max_duration_seconds=admission.max_duration_seconds,
                idle_timeout_seconds=admission.idle_timeout_seconds,
                heartbeat_seconds=timers.heartbeat_seconds(),
                idle_warning_seconds=settings.SESSION_IDLE_WARNING_SECONDS * settings.SESSION_TIME_SCALE,
            ),
            retention_days=admission.retention_days,
            upstream_url=settings.REALTIME_URL,
            upstream_proxy=settings.REALTIME_PROXY or None,
            api_key=settings.OPENAI_API_KEY or "sk-simulator",
            price=admission.price,
            transcription_price=admission.transcription_price,
            send_client=self._send_text,
            close_client=self._close_client,
            still_allowed=still_allowed,
            simulator=simulator,
            audio_speed_limit=settings.VOICE_AUDIO_SPEED_LIMIT,
            debug=plan.channel == "console",
            identity=VisitorIdentity(
                email_hash=admission.email_hash, email=admission.email, keep_email=admission.keep_email
            ),
        )
        await self.session.open()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Visitor frames touch no database: skip Channels' per-message close_old_connections, a trip
        # through the sync thread that would otherwise sit on the audio hot path.
        if message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)

    async def _close_client(self, code: int) -> None:
        await self.close(code, reason=protocol.CLOSE_REASONS.get(code))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.session is None:
            return
        if text_data is None:
            await self.send(protocol.error_event("binary_not_supported", "Send JSON text frames."))
            return
        try:
            await self.session.from_client(text_data)
        except Exception:
            await self._frame_failed(self.session)

    async def _frame_failed(self, session: AgentSession) -> None:
        """Whatever broke (JSON nested deep enough for RecursionError, a bug of ours), the session must not stay
        live holding a concurrency lease and an upstream socket until the idle timeout."""
        logger.exception("a visitor frame could not be handled; ending session %s", session.session_id)
        try:
            await self.send(protocol.error_event("frame_failed", "The message could not be handled."))
            await session.end("frame_failed", notice=("frame_failed", True), close_code=protocol.CLOSE_FRAME_FAILED)
        except Exception:
            logger.exception("ending session %s after a failed frame failed too", session.session_id)
            await self._close_client(protocol.CLOSE_FRAME_FAILED)

    async def disconnect(self, code: Any) -> None:
        if self.session is not None:
            # 1009: the server closed it for a message over its size limit (config/server.py), no notice possible.
            await self.session.end("message_too_large" if code == protocol.CLOSE_TOO_LARGE else "client_closed")
