"""Every typed environment reader stops start-up with exit code 2 and one stderr line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Variables a developer or the test session may have set; each case starts from none of them.
CLEARED = [
    "DEBUG",
    "PORT",
    "DATABASE_URL",
    "DATABASE_POOL_SIZE",
    "DJANGO_SECRET_KEY",
    "WIDGET_TOKEN_SECRET",
    "SECRETS_ENCRYPTION_KEY",
    "REDIS_URL",
    "MONGODB_URI",
    "REALTIME_URL",
    "PUBLIC_BASE_URL",
    "OPENAI_API_KEY",
    "DEMO_ENABLED",
]


def manage_check(tmp_path: Path, *command: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in CLEARED}
    env.update(VAR_DIR=str(tmp_path), **environment)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *(command or ["check"])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_starts_with_a_clean_development_environment(tmp_path: Path) -> None:
    result = manage_check(tmp_path, DEBUG="1")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("environment", "variable"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "1", "PORT": "abc"}, "PORT"),
        ({"DEBUG": "1", "PORT": "70000"}, "PORT"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DEBUG": "1", "DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE"),
        ({"DEBUG": "1", "SECRETS_ENCRYPTION_KEY": "short"}, "SECRETS_ENCRYPTION_KEY"),
        ({"DEBUG": "1", "WIDGET_TOKEN_SECRET": "short"}, "WIDGET_TOKEN_SECRET"),
        ({"DEBUG": "1", "REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"DEBUG": "1", "MONGODB_URI": "postgres://x"}, "MONGODB_URI"),
        ({"DEBUG": "1", "REALTIME_URL": "https://api.openai.com"}, "REALTIME_URL"),
        ({"DEBUG": "1", "PUBLIC_BASE_URL": "ftp://example.com"}, "PUBLIC_BASE_URL"),
        ({"DEBUG": "1", "HTTPTOOLS_ALLOW_LOOPBACK": "sometimes"}, "HTTPTOOLS_ALLOW_LOOPBACK"),
        ({"DEBUG": "1", "HTTPTOOLS_ALLOWED_PORTS": "80,https"}, "HTTPTOOLS_ALLOWED_PORTS"),
        ({"DEBUG": "1", "SESSION_TIME_SCALE": "fast"}, "SESSION_TIME_SCALE"),
        ({"DEBUG": "1", "SESSION_TIME_SCALE": "5"}, "SESSION_TIME_SCALE"),
        ({"DEBUG": "1", "LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"DEBUG": "1", "DEMO_ENABLED": "perhaps"}, "DEMO_ENABLED"),
        ({"DEBUG": "1", "SESSION_HEARTBEAT_SECONDS": "1"}, "SESSION_HEARTBEAT_SECONDS"),
        ({"DEBUG": "1", "OPENAI_BASE_URL": "ftp://gateway"}, "OPENAI_BASE_URL"),
        ({"DEBUG": "0"}, "DJANGO_SECRET_KEY"),
    ],
    ids=lambda value: "-".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else value,
)
def test_it_refuses_a_bad_value_with_one_line_naming_the_variable(
    tmp_path: Path, environment: dict[str, str], variable: str
) -> None:
    result = manage_check(tmp_path, **environment)

    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ")
    assert variable in lines[0]


PRODUCTION = {
    "DEBUG": "0",
    "DJANGO_SECRET_KEY": "x" * 50,
    "WIDGET_TOKEN_SECRET": "y" * 40,
    "SECRETS_ENCRYPTION_KEY": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
}
# Prints whether /demo/ is routed and whether `seed_demo` exists, as one line.
DEMO_PROBE = (
    "from django.core.management import get_commands; from django.urls import Resolver404, resolve\n"
    "try:\n    resolve('/demo/productco/'); routed = True\nexcept Resolver404:\n    routed = False\n"
    "print('routed' if routed else 'absent', 'seed' if 'seed_demo' in get_commands() else 'no-seed')"
)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"DEBUG": "1"}, "routed seed"),
        ({"DEBUG": "1", "DEMO_ENABLED": "0"}, "absent no-seed"),
        (PRODUCTION, "absent no-seed"),
        ({**PRODUCTION, "DEMO_ENABLED": "1"}, "routed seed"),
    ],
    ids=["debug", "debug-demo-off", "production", "production-demo-on"],
)
def test_the_demo_exists_only_when_enabled(tmp_path: Path, environment: dict[str, str], expected: str) -> None:
    result = manage_check(tmp_path, "shell", "-c", DEMO_PROBE, **environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
