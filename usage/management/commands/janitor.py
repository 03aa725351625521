from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from usage.services import janitor_run


class Command(BaseCommand):
    help = "Ensure MongoDB indexes (with per-tenant retention) and end sessions whose heartbeat stopped."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = janitor_run()
        self.stdout.write(
            f"indexes ensured: {summary['indexes']}; stale sessions reaped: {summary['reaped_sessions']}; "
            f"idle users removed: {summary['users_removed']}; "
            f"half-applied usage events finished: {summary['repaired_usage']}"
        )
