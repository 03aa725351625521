"""`manage.py seed_demo`: create or refresh the demo tenants, agents, tools, content and staff login."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from demo import DEMO_LOGIN
from demo.seed import demo_seed


class Command(BaseCommand):
    help = "Seed the demo tenants ProductCo, EventCo and Cypress (idempotent: safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = demo_seed()
        self.stdout.write("Demo data (created / updated / unchanged):")
        for kind, tally in counts.items():
            created, updated, unchanged = tally["created"], tally["updated"], tally["unchanged"]
            self.stdout.write(f"  {kind:<16} {created:>3} / {updated:>3} / {unchanged:>3}")
        base = str(settings.PUBLIC_BASE_URL).rstrip("/")
        self.stdout.write(
            self.style.SUCCESS(
                f"Staff login: {base}/admin/  username {DEMO_LOGIN.username}  password {DEMO_LOGIN.password}"
            )
        )
        self.stdout.write(f"Demo sites: {base}/demo/productco/  {base}/demo/eventco/")
        if not settings.HTTPTOOLS_ALLOW_LOOPBACK:
            self.stdout.write(
                self.style.WARNING(
                    "The demo tools call this server on 127.0.0.1; set HTTPTOOLS_ALLOW_LOOPBACK=1 "
                    "(development only) so the tool executor may reach it."
                )
            )
