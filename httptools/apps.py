from django.apps import AppConfig


class HttptoolsConfig(AppConfig):
    name = "httptools"
    default_auto_field = "django.db.models.BigAutoField"
