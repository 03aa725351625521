"""Celery beat jobs; each calls one service and returns its summary."""

from __future__ import annotations

from celery import shared_task

from usage import services


@shared_task(name="usage.tasks.reap_stale_sessions")
def reap_stale_sessions() -> int:
    return services.sessions_reap()


@shared_task(name="usage.tasks.run_janitor")
def run_janitor() -> dict[str, int]:
    return services.janitor_run()
