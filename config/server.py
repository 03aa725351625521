"""Daphne, as the platform runs it: `python -m config.server` takes every `daphne` argument.

Stock Daphne answers a WebSocket message over `--websocket-max-message-size` by dropping the TCP connection
(autobahn's `failByDrop` default): the browser sees 1006 with no reason and the session reads as closed by
the visitor. This server closes it with 1009 and the reason "message too large" instead, tells the
application the code (so the session records why it ended), and passes on the close reason an application
sends (stock Daphne keeps only the code). See docs/operations.md, "Serving the application".
"""

from __future__ import annotations

from typing import Any

from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol

from agents.protocol import CLOSE_REASONS, CLOSE_TOO_LARGE


class VoiceWebSocketProtocol(WebSocketProtocol):
    def _max_message_size_exceeded(self, msg_size: int, max_msg_size: int, reason: str) -> None:
        # autobahn's own hook for an oversized message or frame; its default reason names byte counts, the
        # widget shows ours.
        self._fail_connection(CLOSE_TOO_LARGE, CLOSE_REASONS[CLOSE_TOO_LARGE])

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        if getattr(self, "wasMaxMessagePayloadSizeExceeded", False) or getattr(
            self, "wasMaxFramePayloadSizeExceeded", False
        ):
            code = CLOSE_TOO_LARGE  # what we sent, whatever the peer echoed (or nothing, if it vanished)
        super().onClose(wasClean, code, reason)

    def handle_reply(self, message: dict[str, Any]) -> None:
        if message.get("type") == "websocket.close" and message.get("reason") and self.state == self.STATE_OPEN:
            self.sendClose(code=message.get("code") or 1000, reason=str(message["reason"]))
            return
        super().handle_reply(message)


class VoiceServer(Server):
    """Daphne's server with the protocol above; Daphne builds its factory inside run(), so it is adjusted as
    it is assigned, before any connection can arrive."""

    @property
    def ws_factory(self) -> WebSocketFactory:
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory: WebSocketFactory) -> None:
        factory.protocol = VoiceWebSocketProtocol
        factory.setProtocolOptions(failByDrop=False)  # a closing handshake with a code, never a bare drop
        self._ws_factory = factory


class VoiceCommandLine(CommandLineInterface):
    server_class = VoiceServer


if __name__ == "__main__":
    VoiceCommandLine.entrypoint()
