"""Django's admin app, installed with the platform's site (tenant-scoped autocomplete, see admin_scoping)."""

from django.contrib.admin.apps import AdminConfig


class PlatformAdminConfig(AdminConfig):
    default_site = "tenants.admin_scoping.PlatformAdminSite"
