from django.apps import AppConfig

from httptools.visuals_generic import generic_visuals_register


class HttptoolsConfig(AppConfig):
    name = "httptools"
    verbose_name = "HTTP tools"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        generic_visuals_register()
