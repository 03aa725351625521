"""WebSocket routes."""

from __future__ import annotations

from django.urls import path

from agents.consumers import VoiceConsumer

websocket_urlpatterns = [path("ws/voice/", VoiceConsumer.as_asgi())]
