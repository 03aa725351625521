from django.apps import AppConfig


class HttptoolsConfig(AppConfig):
    name = "httptools"
    verbose_name = "HTTP tools"
    default_auto_field = "django.db.models.BigAutoField"
