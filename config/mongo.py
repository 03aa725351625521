"""The one owner of the MongoDB client; apps get collections through `collection()`."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import PyMongoError
from pymongo.uri_parser import parse_uri

DEFAULT_DATABASE = "voiceagents"

_lock = threading.Lock()
_client: MongoClient[dict[str, Any]] | None = None
_client_uri: str | None = None


class MongoUnavailable(Exception):
    """MongoDB did not answer."""


def client() -> MongoClient[dict[str, Any]]:
    """A process-wide client for settings.MONGODB_URI (rebuilt if the URI changes, as in tests)."""
    global _client, _client_uri
    uri = settings.MONGODB_URI
    with _lock:
        if _client is None or _client_uri != uri:
            if _client is not None:
                _client.close()
            _client = MongoClient(uri, serverSelectionTimeoutMS=2000, connectTimeoutMS=2000, tz_aware=True)
            _client_uri = uri
        return _client


def database() -> Database[dict[str, Any]]:
    """The database named in the URI's path, else `voiceagents`."""
    return client()[_database_name()]


def _database_name() -> str:
    return parse_uri(settings.MONGODB_URI).get("database") or DEFAULT_DATABASE


def collection(name: str) -> Collection[dict[str, Any]]:
    return database()[name]


def ping() -> None:
    try:
        client().admin.command("ping")
    except PyMongoError as exc:
        raise MongoUnavailable(type(exc).__name__) from exc


def close() -> None:
    global _client, _client_uri
    with _lock:
        if _client is not None:
            _client.close()
        _client, _client_uri = None, None


def forget_client() -> None:
    """Drop (without closing) a client inherited from a parent process; pymongo is not fork-safe."""
    global _client, _client_uri
    _client, _client_uri = None, None
