"""The relay's bookkeeping for the real API's timing (REALTIME.md, "Timing the real API keeps").

- `ResponseGate`: only one response may write to the conversation. A `response.create` goes upstream only
  when no response is active; otherwise it waits for the active response's `response.done` (the real API's
  `response.cancel` returns at once and the cancelled response ends later). A create the API refuses with
  `conversation_already_has_active_response` (a response we had not seen yet, e.g. one started by voice
  activity) is matched by its `event_id` and waits for the next `response.done`. In that rare race the
  visitor may get one reply more than needed; never none.
- `SentEvents`: what each `event_id` the relay sent was, so an upstream `error` is matched to its cause by
  `error.event_id`, never by a flag that can go stale.
- `TranscriptOrder`: transcript lines in the order of their conversation items, whatever the order in which
  their text arrives (input transcription runs beside the response).
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

SENT_EVENTS_KEPT = 256  # errors name recent events; older ids are forgotten
_PENDING = object()


@dataclass
class SentEvents:
    """event_id → type of the events the relay sent upstream (the most recent ones)."""

    prefix: str
    _kinds: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    def stamp(self, event: dict[str, Any]) -> dict[str, Any]:
        """Give the event an `event_id` and remember it."""
        event.setdefault("event_id", f"evt_{self.prefix}_{next(self._counter)}")
        self._kinds[event["event_id"]] = event
        while len(self._kinds) > SENT_EVENTS_KEPT:
            self._kinds.popitem(last=False)
        return event

    def cause(self, event_id: Any) -> dict[str, Any] | None:
        """The event an upstream error names, if the relay sent it."""
        return self._kinds.get(event_id) if isinstance(event_id, str) else None


@dataclass
class ResponseGate:
    """One response at a time: decides when a `response.create` may go upstream."""

    active: str | None = None  # the response in progress (from `response.created`)
    in_flight: str | None = None  # event_id of a create sent but not yet answered by `response.created`
    waiting: dict[str, Any] | None = None  # the next create (one is enough: it answers everything before it)
    answered: str | None = None  # event_id of the create the active response was taken to answer

    @property
    def last_create(self) -> str | None:
        """The create an error without `event_id` most likely refers to."""
        return self.in_flight or self.answered

    @property
    def busy(self) -> bool:
        return self.active is not None or self.in_flight is not None

    def request(self, create: dict[str, Any]) -> dict[str, Any] | None:
        """The create to send now, or None when it must wait for the active response's `response.done`."""
        if self.busy:
            if self.waiting is None or _priority(create) > _priority(self.waiting):
                self.waiting = create
            return None
        self.in_flight = create["event_id"]
        return create

    def created(self, response_id: str) -> None:
        self.active = response_id
        self.answered, self.in_flight = self.in_flight, None

    def done(self, response_id: str) -> dict[str, Any] | None:
        """A response ended; the waiting create, if any, may go now."""
        if self.active in (response_id, None):
            self.active = self.answered = None
        return self._next()

    def refused(self, create: dict[str, Any]) -> dict[str, Any] | None:
        """The API refused a create because a response is active: it waits for that response's end."""
        if self.in_flight == create.get("event_id"):
            self.in_flight = None
        if self.waiting is None:
            self.waiting = create
        return None if self.busy else self._next()

    def failed(self, create: dict[str, Any]) -> dict[str, Any] | None:
        """The API refused a create for another reason: it is dropped."""
        if self.in_flight == create.get("event_id"):
            self.in_flight = None
        return None if self.busy else self._next()

    def _next(self) -> dict[str, Any] | None:
        create, self.waiting = self.waiting, None
        if create is not None:
            self.in_flight = create["event_id"]
        return create


def _priority(create: dict[str, Any]) -> int:
    """A plain create (answer the conversation) wins over a scripted one (the greeting) when both wait."""
    return 0 if create.get("response") else 1


@dataclass
class TranscriptOrder:
    """Holds transcript lines back until every earlier conversation item has its text (or has none)."""

    _order: list[str] = field(default_factory=list)
    _lines: dict[str, Any] = field(default_factory=dict)  # item_id → (role, text), None (no line) or _PENDING
    _written: int = 0

    def added(self, item_id: str, previous_item_id: Any, *, expects_text: bool) -> None:
        """A conversation item exists; if it will have a line, later lines wait for it."""
        if item_id in self._lines or item_id in self._order:
            return
        if previous_item_id in self._order:
            position = max(self._order.index(previous_item_id) + 1, self._written)
        elif previous_item_id is None and not self._order:
            position = 0
        else:
            position = len(self._order)
        self._order.insert(position, item_id)
        self._lines[item_id] = _PENDING if expects_text else None

    def text(self, item_id: str, role: str, text: str) -> list[tuple[str, str, str]]:
        """An item's text arrived; returns the lines that may be written now, in conversation order."""
        if item_id not in self._lines:
            return [(item_id, role, text)]  # an item we never saw added: nothing to order it against
        if self._lines[item_id] is _PENDING:
            self._lines[item_id] = (role, text)
        return self._flush()

    def missing(self, item_id: str) -> list[tuple[str, str, str]]:
        """An item will have no text (its transcription failed): later lines stop waiting for it."""
        if self._lines.get(item_id) is _PENDING:
            self._lines[item_id] = None
        return self._flush()

    def rest(self) -> list[tuple[str, str, str]]:
        """At the end of the session: every line that has its text, still in order."""
        for item_id, line in self._lines.items():
            if line is _PENDING:
                self._lines[item_id] = None
        return self._flush()

    def _flush(self) -> list[tuple[str, str, str]]:
        out: list[tuple[str, str, str]] = []
        while self._written < len(self._order):
            line = self._lines.get(self._order[self._written])
            if line is _PENDING:
                break
            if line is not None:
                out.append((self._order[self._written], *line))
            self._written += 1
        return out
