"""Admin for HTTP tool descriptors."""

from __future__ import annotations

from django.contrib import admin

from httptools.models import HttpTool, HttpToolVersion
from tenants.admin import TenantScopedAdmin


class HttpToolVersionInline(admin.TabularInline):
    model = HttpToolVersion
    extra = 0
    can_delete = False
    fields = ["version", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(HttpTool)
class HttpToolAdmin(TenantScopedAdmin):
    list_display = ["name", "tenant", "method", "base_url", "path_template", "effect", "visual", "enabled", "version"]
    list_filter = ["tenant", "effect", "method", "enabled"]
    search_fields = ["name", "description", "base_url"]
    inlines = [HttpToolVersionInline]
