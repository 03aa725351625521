"""Admin for agents and the prompt library."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from agents import prompt_review
from agents.models import Agent, AgentTool, Prompt, PromptVersion
from agents.plans import AgentNotReady
from agents.services import prompt_publish
from tenants.admin_scoping import TenantScopedAdmin, TenantScopedTabularInline
from tenants.models import Channel
from usage import catalogue
from usage.models import ModelKind


def _model_choices(kind: str, current: str) -> list[tuple[str, str]]:
    """The catalogue's rows of one kind, each labelled with its retirement; the agent's current model stays
    listed even without a row, so the form shows it and refuses it by name."""
    choices = []
    for name in catalogue.catalogue_names(kind=kind):
        notice = catalogue.retirement_of(name)
        label = name
        if notice.shutdown_on is not None:
            verb = "shut down" if notice.shut_down else "shuts down"
            successor = f", use {notice.successor}" if notice.successor else ""
            label += f" ({verb} {notice.shutdown_on:%Y-%m-%d}{successor})"
        choices.append((name, label))
    if current and current not in {name for name, _ in choices}:
        choices.insert(0, (current, f"{current} (not in the catalogue)"))
    return choices


class AgentAdminForm(forms.ModelForm):
    """Models are picked from the catalogue (Usage > Models and prices), labelled with their shutdown dates."""

    class Meta:
        model = Agent
        fields = ["model", "transcription_model"]  # the admin adds the rest from its fieldsets

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field, kind in (("model", ModelKind.REALTIME), ("transcription_model", ModelKind.TRANSCRIPTION)):
            if field in self.fields:
                current = self.initial.get(field) or self.fields[field].initial or ""
                self.fields[field].widget = forms.Select(choices=_model_choices(kind, str(current)))


class AgentToolInline(TenantScopedTabularInline):
    model = AgentTool
    extra = 0
    fields = ["tool", "on_widget", "on_console"]
    autocomplete_fields = ["tool"]


@admin.register(Agent)
class AgentAdmin(TenantScopedAdmin):
    form = AgentAdminForm
    list_display = [
        "name",
        "tenant",
        "active",
        "is_default",
        "model",
        "model_notice",
        "voice",
        "language",
        "prompt",
        "tool_count",
    ]
    list_filter = ["active", "model", "tenant"]
    search_fields = ["name", "tenant__name", "greeting"]
    autocomplete_fields = ["prompt"]
    inlines = [AgentToolInline]
    fieldsets = [
        (None, {"fields": ["tenant", "name", "active", "is_default"]}),
        ("Voice", {"fields": ["model", "transcription_model", "voice", "language", "greeting"]}),
        ("Behaviour", {"fields": ["prompt"]}),
        ("Safety", {"fields": ["fallback_message", "escalation_contact"]}),
    ]

    @admin.display(description="Tools")
    def tool_count(self, obj: Agent) -> int:
        return obj.agent_tools.count()

    @admin.display(description="Model notice")
    def model_notice(self, obj: Agent) -> str:
        notices = [catalogue.retirement_of(name) for name in (obj.model, obj.transcription_model)]
        return " ".join(notice.message() for notice in notices if notice.warn) or "-"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        agent = self.get_object(request, object_id)
        if agent is not None and request.method == "GET":
            for name in (agent.model, agent.transcription_model):
                notice = catalogue.retirement_of(name)
                if notice.warn:
                    messages.warning(request, notice.message())
        return super().change_view(request, object_id, form_url, extra_context)


class PromptVersionInline(TenantScopedTabularInline):
    model = PromptVersion
    extra = 0
    can_delete = False
    fields = ["number", "created_at", "created_by", "identity"]
    readonly_fields = ["number", "created_at", "created_by", "identity"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PreviewForm(forms.Form):
    agent = forms.ModelChoiceField(
        queryset=Agent.objects.none(), empty_label=None, help_text="Its tools and safety rules."
    )
    channel = forms.ChoiceField(
        choices=Channel.choices, initial=Channel.WIDGET, help_text="Tools are allowed per channel."
    )
    version = forms.ChoiceField(
        choices=[("draft", "The draft (as it would be published)"), ("published", "The published version")],
        initial="draft",
    )

    def __init__(self, *args: Any, prompt: Prompt, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Agents using this prompt first, then the tenant's others (previewed as if they used it).
        uses = Case(When(prompt_id=prompt.pk, then=Value(0)), default=Value(1))
        agents = Agent.objects.filter(tenant_id=prompt.tenant_id).select_related("prompt")
        self.fields["agent"].queryset = agents.annotate(uses=uses).order_by("uses", "name")  # type: ignore[attr-defined]
        self.fields["agent"].label_from_instance = lambda agent: (  # type: ignore[attr-defined]
            f"{agent.name}" + ("" if agent.prompt_id == prompt.pk else f" (uses {agent.prompt.name} today)")
        )


@admin.register(Prompt)
class PromptAdmin(TenantScopedAdmin):
    list_display = ["name", "tenant", "published", "updated_at"]
    list_filter = ["tenant"]
    search_fields = ["name", "identity", "task"]
    readonly_fields = ["published_version"]
    inlines = [PromptVersionInline]
    actions = ["publish"]
    change_form_template = "agents/admin/prompt_change_form.html"
    fieldsets = [
        (None, {"fields": ["tenant", "name", "published_version"]}),
        ("Draft (publish to make it live)", {"fields": ["identity", "task", "tone", "rules", "examples"]}),
    ]

    @admin.display(description="Published")
    def published(self, obj: Prompt) -> str:
        version = obj.published_version
        if version is None:
            return "not published"
        return f"v{version.number}" + (
            " · unpublished changes" if prompt_review.prompt_has_unpublished_changes(obj) else ""
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("published_version", "tenant")

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/preview/", wrap(self.preview_view), name="agents_prompt_preview"),
            *super().get_urls(),
        ]

    def save_model(self, request: HttpRequest, obj: Prompt, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "_publish" in request.POST:
            version = prompt_publish(prompt=obj, user=request.user)
            self.message_user(request, f"{obj.name}: the live version is now v{version.number}.", messages.SUCCESS)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        prompt = self.get_object(request, object_id)
        context = {**(extra_context or {})}
        if prompt is not None:
            context.update(
                diff=prompt_review.prompt_diff(prompt),
                unpublished=prompt_review.prompt_has_unpublished_changes(prompt),
            )
        return super().change_view(request, object_id, form_url, extra_context=context)

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        prompt = get_object_or_404(self.get_queryset(request), pk=object_id if object_id.isdigit() else -1)
        if not self.has_view_permission(request, prompt):
            raise PermissionDenied
        form = PreviewForm(request.GET or None, prompt=prompt)
        if not request.GET:
            first = form.fields["agent"].queryset.first()  # type: ignore[attr-defined]
            form = PreviewForm(
                {"agent": first.pk if first else "", "channel": "widget", "version": "draft"}, prompt=prompt
            )
        instructions, problem = "", ""
        if form.is_valid():
            try:
                instructions = prompt_review.prompt_instructions_preview(
                    prompt=prompt,
                    agent=form.cleaned_data["agent"],
                    channel=form.cleaned_data["channel"],
                    draft=form.cleaned_data["version"] == "draft",
                )
            except AgentNotReady as exc:
                problem = f"Nothing to preview: {exc}."
        elif not form.fields["agent"].queryset.exists():  # type: ignore[attr-defined]
            problem = f"{prompt.tenant.name} has no agent yet: add one to see its tools and safety rules here."
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": prompt,
            "prompt": prompt,
            "title": f"What the model is told: {prompt.name}",
            "form": form,
            "instructions": instructions,
            "problem": problem,
            "diff": prompt_review.prompt_diff(prompt),
            "unpublished": prompt_review.prompt_has_unpublished_changes(prompt),
            "can_publish": self.has_change_permission(request, prompt),
        }
        return TemplateResponse(request, "agents/admin/prompt_preview.html", context)

    @admin.action(description="Publish the draft as a new version")
    def publish(self, request: HttpRequest, queryset: QuerySet[Prompt]) -> None:
        for prompt in queryset:
            version = prompt_publish(prompt=prompt, user=request.user)
            self.message_user(request, f"{prompt.name}: live version is v{version.number}.", messages.SUCCESS)


@admin.register(PromptVersion)
class PromptVersionAdmin(TenantScopedAdmin):
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
