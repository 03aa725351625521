"""Writes MongoDB records off the audio path: one background writer per event loop, in order, retrying while
MongoDB is away. Bounded: past MAX_PENDING the oldest record is dropped and counted, never silently."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

MAX_PENDING = 10_000
MAX_BACKOFF_SECONDS = 10.0


@dataclass
class RecorderStats:
    written: int = 0
    retried: int = 0
    dropped: int = 0
    failed: int = 0


@dataclass
class RecordWriter:
    pending: deque[tuple[Callable[..., Any], dict[str, Any]]] = field(default_factory=deque)
    stats: RecorderStats = field(default_factory=RecorderStats)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def submit(self, write: Callable[..., Any], **kwargs: Any) -> None:
        if len(self.pending) >= MAX_PENDING:
            self.pending.popleft()
            self.stats.dropped += 1
            logger.error("recorder full: dropped the oldest record (dropped=%d)", self.stats.dropped)
        self.pending.append((write, kwargs))
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="record-writer")

    async def drain(self, within: float = 5.0) -> bool:
        """Wait until everything submitted so far is written, for at most `within` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while self.pending:
                    self._idle.clear()
                    await self._idle.wait()
        return not self.pending

    async def _run(self) -> None:
        backoff = 0.25
        while True:
            if not self.pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            write, kwargs = self.pending[0]
            try:
                # Some writes read SQL (prices, budgets): database_sync_to_async hands the thread's pooled
                # connection back afterwards, which a bare worker thread would keep for good.
                await database_sync_to_async(write, thread_sensitive=False)(**kwargs)
            except (PyMongoError, RedisError) as exc:
                # The store is away: keep the record at the head and try again, so order is kept.
                self.stats.retried += 1
                logger.warning(
                    "record write failed (%s); retrying in %.1fs, %d pending",
                    type(exc).__name__,
                    backoff,
                    len(self.pending),
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            except Exception:
                self.stats.failed += 1
                logger.exception("record write raised; record discarded")
            self.pending.popleft()
            self.stats.written += 1
            backoff = 0.25
            if not self.pending:
                self._idle.set()


_writers: dict[asyncio.AbstractEventLoop, RecordWriter] = {}


def recorder() -> RecordWriter:
    """The writer of the running event loop."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        for stale in [other for other in _writers if other.is_closed()]:
            del _writers[stale]
        writer = _writers[loop] = RecordWriter()
    return writer


def recorder_stats() -> dict[str, int]:
    """This process's record writers added up: pending, written, retried, dropped, failed (for /readyz)."""
    totals = {"pending": 0, "written": 0, "retried": 0, "dropped": 0, "failed": 0}
    for writer in list(_writers.values()):
        totals["pending"] += len(writer.pending)
        for name in ("written", "retried", "dropped", "failed"):
            totals[name] += getattr(writer.stats, name)
    return totals
