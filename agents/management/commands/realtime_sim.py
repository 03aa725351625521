"""Run the local OpenAI Realtime simulator until Ctrl-C (a thin shell over agents.simulator)."""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from agents.simulator import RealtimeSimulator
from agents.simulator.speech import VOICE_KINDS


class Command(BaseCommand):
    help = "Serve a deterministic OpenAI Realtime (GA) simulator on ws://HOST:PORT/v1/realtime."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765, help="TCP port (0 = any free port). Default 8765.")
        parser.add_argument("--host", default="127.0.0.1", help="Interface to bind. Default 127.0.0.1.")
        parser.add_argument("--api-key", default=None, help="Require exactly this Bearer key (default: any key).")
        parser.add_argument(
            "--realtime-factor",
            type=float,
            default=4.0,
            help="Assistant audio pacing, times real time (0 = unpaced). Default 4.",
        )
        parser.add_argument(
            "--session-limit",
            type=float,
            default=None,
            help="End each session after this many seconds with a session_expired error.",
        )
        parser.add_argument(
            "--voice",
            choices=VOICE_KINDS,
            default=settings.SIMULATOR_VOICE,
            help="Speak replies with eSpeak NG, or with a soft tone. Default: SIMULATOR_VOICE (espeak).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        simulator = RealtimeSimulator(
            api_key=options["api_key"],
            audio_realtime_factor=options["realtime_factor"],
            session_limit_seconds=options["session_limit"],
            voice=options["voice"],
        )
        try:
            asyncio.run(self._serve(simulator, options["host"], options["port"]))
        except KeyboardInterrupt:
            self.stdout.write("Realtime simulator stopped.")

    async def _serve(self, simulator: RealtimeSimulator, host: str, port: int) -> None:
        await simulator.start(host, port)
        self.stdout.write(self.style.SUCCESS(f"Realtime simulator listening on {simulator.url}"))
        self.stdout.write("Connect with ?model=gpt-realtime and any Bearer key. Ctrl-C to stop.")
        self.stdout.flush()
        try:
            await asyncio.Event().wait()  # until Ctrl-C cancels the run
        finally:
            await simulator.stop()
