"""Admin for agents and the prompt library."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from agents.models import Agent, AgentTool, Prompt, PromptVersion
from agents.services import prompt_publish
from tenants.admin import TenantScopedAdmin


class AgentToolInline(admin.TabularInline):
    model = AgentTool
    extra = 0
    fields = ["tool", "on_widget", "on_console"]
    autocomplete_fields = ["tool"]


@admin.register(Agent)
class AgentAdmin(TenantScopedAdmin):
    list_display = ["name", "tenant", "active", "model", "voice", "language", "prompt", "tool_count"]
    list_filter = ["active", "model", "tenant"]
    search_fields = ["name", "tenant__name", "greeting"]
    autocomplete_fields = ["prompt"]
    inlines = [AgentToolInline]
    fieldsets = [
        (None, {"fields": ["tenant", "name", "active"]}),
        ("Voice", {"fields": ["model", "voice", "language", "greeting"]}),
        ("Behaviour", {"fields": ["prompt"]}),
        ("Safety", {"fields": ["fallback_message", "escalation_contact"]}),
    ]

    @admin.display(description="Tools")
    def tool_count(self, obj: Agent) -> int:
        return obj.agent_tools.count()


class PromptVersionInline(admin.TabularInline):
    model = PromptVersion
    extra = 0
    can_delete = False
    fields = ["number", "created_at", "created_by", "identity"]
    readonly_fields = ["number", "created_at", "created_by", "identity"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Prompt)
class PromptAdmin(TenantScopedAdmin):
    list_display = ["name", "tenant", "published", "updated_at"]
    list_filter = ["tenant"]
    search_fields = ["name", "identity", "task"]
    readonly_fields = ["published_version"]
    inlines = [PromptVersionInline]
    actions = ["publish"]
    fieldsets = [
        (None, {"fields": ["tenant", "name", "published_version"]}),
        ("Draft (publish to make it live)", {"fields": ["identity", "task", "tone", "rules", "examples"]}),
    ]

    @admin.display(description="Published")
    def published(self, obj: Prompt) -> str:
        version = obj.published_version
        return f"v{version.number}" if version else "not published"

    @admin.action(description="Publish the draft as a new version")
    def publish(self, request: HttpRequest, queryset: QuerySet[Prompt]) -> None:
        for prompt in queryset:
            version = prompt_publish(prompt=prompt, user=request.user)
            self.message_user(request, f"{prompt.name}: live version is v{version.number}.", messages.SUCCESS)


@admin.register(PromptVersion)
class PromptVersionAdmin(TenantScopedAdmin):
    tenant_path = "prompt__tenant"
    list_display = ["__str__", "prompt", "number", "created_at", "created_by"]
    list_filter = ["prompt__tenant"]
    search_fields = ["prompt__name", "identity", "task"]
    readonly_fields = ["prompt", "number", "identity", "task", "tone", "rules", "examples", "created_at", "created_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
