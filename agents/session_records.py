"""What a live session writes as it goes: its `realtime_sessions` record, its transcript and its tool logs.

Every write goes through the retrying recorder (`agents/recorder.py`), so a MongoDB outage delays records
instead of dropping them, and audio never waits for a write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agents.recorder import recorder
from agents.turns import TranscriptOrder
from tenants.identity import email_hash, email_normalize, email_valid
from transcripts import store as transcripts
from usage import services as usage_services
from usage import store as usage_store


@dataclass
class VisitorIdentity:
    """Who the visitor is, when known: verified at bootstrap, or given to a tool marked as taking it."""

    email_hash: str | None = None
    email: str | None = None  # only when the tenant keeps addresses
    keep_email: bool = False  # the tenant's privacy setting


@dataclass
class SessionRecords:
    tenant_id: int
    channel: str
    session_id: str
    retention_days: int
    identity: VisitorIdentity = field(default_factory=VisitorIdentity)
    _seq: int = 0
    _last_hash: str = field(default=transcripts.GENESIS)
    _order: TranscriptOrder = field(default_factory=TranscriptOrder)

    def started(self, **details: Any) -> None:
        recorder().submit(
            usage_store.session_start,
            tenant_id=self.tenant_id,
            channel=self.channel,
            session_id=self.session_id,
            email_hash=self.identity.email_hash,
            **details,
        )
        if self.identity.email_hash:
            self._identify(self.identity.email_hash, self.identity.email)

    def email_given(self, email: object) -> None:
        """The visitor gave their e-mail to a tool marked as taking it: they are identified from now on."""
        if not email_valid(email):
            return
        assert isinstance(email, str)
        given_hash = email_hash(email)
        if self.identity.email_hash is None:
            self.identity.email_hash = given_hash
        self._identify(given_hash, email_normalize(email) if self.identity.keep_email else None)

    def _identify(self, given_hash: str, email: str | None) -> None:
        recorder().submit(
            usage_services.visitor_identify,
            tenant_id=self.tenant_id,
            channel=self.channel,
            session_id=self.session_id,
            email_hash=given_hash,
            email=email,
        )

    def seen(self) -> None:
        recorder().submit(usage_store.session_touch, session_id=self.session_id)

    def ended(self, reason: str) -> None:
        for line in self._order.rest():
            self._write(*line)
        recorder().submit(usage_services.session_finish, session_id=self.session_id, reason=reason)

    def item_added(self, item_id: str, previous_item_id: Any, *, expects_text: bool) -> None:
        """A conversation item exists: its line, when its text comes, is written in the item's place."""
        self._order.added(item_id, previous_item_id, expects_text=expects_text)

    def utterance(self, item_id: str, role: str, text: str) -> None:
        """An item's text: written once every earlier item's line is (the chain follows the conversation)."""
        for line in self._order.text(item_id, role, text):
            self._write(*line)

    def utterance_missing(self, item_id: str) -> None:
        """An item will have no text (its transcription failed): later lines stop waiting for it."""
        for line in self._order.missing(item_id):
            self._write(*line)

    def _write(self, item_id: str, role: str, text: str) -> None:
        """One transcript line, chained to the previous line's hash; createdAt to the millisecond MongoDB keeps."""
        if not text.strip():
            return
        self._seq += 1
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        previous, self._last_hash = (
            self._last_hash,
            transcripts.utterance_hash(
                previous=self._last_hash, seq=self._seq, item_id=item_id, role=role, text=text, created_at=now
            ),
        )
        recorder().submit(
            transcripts.transcript_write,
            tenant_id=self.tenant_id,
            channel=self.channel,
            session_id=self.session_id,
            item_id=item_id,
            role=role,
            text=text,
            seq=self._seq,
            previous_hash=previous,
            retention_days=self.retention_days,
            now=now,
            email_hash=self.identity.email_hash,
        )

    def tool_log(self, document: dict[str, Any]) -> None:
        """A tool_logs document, tagged with this session (the executor's already are)."""
        document.setdefault("tenantId", self.tenant_id)
        document.setdefault("channel", self.channel)
        document.setdefault("sessionId", self.session_id)
        document.setdefault("createdAt", datetime.now(UTC))
        document.setdefault("emailHash", self.identity.email_hash)
        recorder().submit(transcripts.tool_log_write, document=document, retention_days=self.retention_days)
