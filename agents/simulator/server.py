"""WebSocket server for the Realtime simulator (``websockets.asyncio`` API, no Django)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from .session import RealtimeSession
from .session_config import DEFAULT_MODEL
from .speech import VoiceKind

REALTIME_PATH = "/v1/realtime"
MAX_FRAME_BYTES = 16 * 1024 * 1024  # the real API accepts appends of up to 15 MiB
BROWSER_KEY_PREFIX = "openai-insecure-api-key."


def _offered_key(headers: Headers) -> str | None:
    """Bearer token from `Authorization`, or the browser-style subprotocol key."""
    auth = headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    for value in headers.get_all("Sec-WebSocket-Protocol"):
        for proto in value.split(","):
            proto = proto.strip()
            if proto.startswith(BROWSER_KEY_PREFIX):
                return proto[len(BROWSER_KEY_PREFIX) :]
    return None


def _mask(key: str) -> str:
    return f"{key[:5]}****{key[-4:]}" if len(key) > 9 else "****"


class RealtimeSimulator:
    """A local, deterministic stand-in for ``wss://api.openai.com/v1/realtime`` (GA protocol)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        audio_realtime_factor: float = 4.0,
        session_limit_seconds: float | None = None,
        voice: VoiceKind = "espeak",
    ) -> None:
        self.api_key = api_key
        self.voice = voice
        self.audio_realtime_factor = audio_realtime_factor
        self.session_limit_seconds = session_limit_seconds
        self._server: Server | None = None
        self._host = "127.0.0.1"
        self._port = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on host:port (0 = any free port); return the bound port."""
        self._server = await serve(
            self._handle,
            host,
            port,
            max_size=MAX_FRAME_BYTES,
            process_request=self._process_request,
            select_subprotocol=self._select_subprotocol,
        )
        self._host = host
        self._port = int(next(iter(self._server.sockets)).getsockname()[1])
        return self._port

    async def stop(self) -> None:
        """Close the listener and every open session (close code 1001)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """``ws://host:port/v1/realtime`` (append ``?model=…`` when connecting)."""
        return f"ws://{self._host}:{self._port}{REALTIME_PATH}"

    @staticmethod
    def _process_request(connection: ServerConnection, request: Request) -> Response | None:
        """Only the realtime path upgrades; anything else is an HTTP 404."""
        path = urlsplit(request.path).path.rstrip("/")
        if path != REALTIME_PATH:
            return connection.respond(HTTPStatus.NOT_FOUND, "Not found: only /v1/realtime is simulated.\n")
        return None

    @staticmethod
    def _select_subprotocol(connection: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        """Browsers offer `realtime` plus a key subprotocol; plain clients offer none."""
        return Subprotocol("realtime") if "realtime" in offered else None

    async def _handle(self, ws: ServerConnection) -> None:
        request = ws.request
        assert request is not None
        query = parse_qs(urlsplit(request.path).query)
        model = (query.get("model") or [DEFAULT_MODEL])[0]
        key = _offered_key(request.headers)
        if not key or (self.api_key is not None and key != self.api_key):
            # Like the real API: the upgrade succeeds, then an error event, then close.
            shown = f"Incorrect API key provided: {_mask(key)}." if key else "You didn't provide an API key."
            with contextlib.suppress(ConnectionClosed):
                session = RealtimeSession(ws, model=model, realtime_factor=0, session_limit_seconds=None)
                await session.send_error("invalid_api_key", shown)
                await ws.close(1008, "invalid_api_key")
            return
        session = RealtimeSession(
            ws,
            model=model,
            realtime_factor=self.audio_realtime_factor,
            session_limit_seconds=self.session_limit_seconds,
            voice=self.voice,
        )
        await session.run()


def start_in_thread(*, host: str = "127.0.0.1", port: int = 0, **options: Any) -> tuple[str, Callable[[], None]]:
    """Run a simulator on its own event loop in a daemon thread; return (base_url, stop).

    base_url is ``ws://host:port/v1/realtime``; ``options`` go to :class:`RealtimeSimulator`.
    """
    loop = asyncio.new_event_loop()
    simulator = RealtimeSimulator(**options)
    started = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(simulator.start(host, port))
        except (OSError, RuntimeError) as exc:  # e.g. port in use; re-raised in the caller
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    thread = threading.Thread(target=run, name="realtime-simulator", daemon=True)
    thread.start()
    started.wait()
    if failure:
        raise failure[0]

    def stop() -> None:
        if not loop.is_running():
            return
        asyncio.run_coroutine_threadsafe(simulator.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)

    return simulator.url, stop
