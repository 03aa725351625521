"""Project configuration: settings, routing, the Celery app and service connections."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
