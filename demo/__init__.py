"""The demo: two sample customers' websites and backends under /demo/, and the seed of their tenants.

Not part of the platform. It is installed only when `DEMO_ENABLED` is on (by default with `DEBUG`), so a
production server serves no /demo/ and has no `seed_demo` command.
"""

from __future__ import annotations

from typing import NamedTuple


class Login(NamedTuple):
    username: str
    password: str
    email: str


# The staff login the seed creates and `make run` prints; development only, like the whole demo.
DEMO_LOGIN = Login(username="demo", password="demo-admin-2026", email="demo@example.com")
