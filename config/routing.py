"""WebSocket routes."""

from __future__ import annotations

from django.urls import path

from agents.consumers import VoiceConsumer
from agents.protocol import WS_PATH

websocket_urlpatterns = [path(WS_PATH.lstrip("/"), VoiceConsumer.as_asgi())]
