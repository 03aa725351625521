"""The widget key's admin page: which agent it opens, last used, rotate with a grace period, reactivate, and a
public id that cannot change once the key exists (sites already carry it).

Registered by widget/admin.py over the tenants app's own key admin, which cannot see agents or sightings.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from agents.models import Agent, WidgetKeyAgent
from agents.selectors import widget_agent_for
from agents.services import widget_key_rotate
from tenants.admin import WidgetKeyAdmin, WidgetKeyInline
from tenants.admin_scoping import form_tenant_id, label_with_tenant, scope_for_user, scope_to_tenant
from tenants.models import Channel, WidgetKey
from tenants.services import key_reactivate
from widget.sightings import sightings_read

GRACE_CHOICES = [
    ("0", "Stop the old key now"),
    ("3600", "After 1 hour"),
    ("86400", "After 1 day"),
    ("604800", "After 7 days"),
    ("2592000", "After 30 days"),
]


class PublicIdFixedForm(forms.ModelForm):
    """The public id may be chosen when a key is created, never changed: websites already carry it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "public_id" in self.fields:
            self.fields["public_id"].disabled = True
            self.fields["public_id"].help_text = "Fixed: sites carry it. Rotate the key to get a new one."


class WidgetKeyForm(PublicIdFixedForm):
    opens_agent = forms.ModelChoiceField(
        queryset=Agent.objects.none(),
        required=False,
        label="Opens agent",
        empty_label="The tenant's default agent",
        help_text="Visitors on this key talk to this agent; leave empty for the tenant's default agent.",
    )

    class Meta:
        model = WidgetKey
        fields = ["tenant", "public_id", "label", "channel", "revoked_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        route = WidgetKeyAgent.objects.filter(key_id=self.instance.pk).first() if self.instance.pk else None
        if route is not None:
            self.fields["opens_agent"].initial = route.agent_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        agent, tenant = cleaned.get("opens_agent"), cleaned.get("tenant") or getattr(self.instance, "tenant", None)
        if agent is not None and tenant is not None and agent.tenant_id != tenant.pk:
            self.add_error("opens_agent", "The agent belongs to another tenant.")
        return cleaned


class KeyPublicIdFixedInline(WidgetKeyInline):
    form = PublicIdFixedForm


class RotateForm(forms.Form):
    grace = forms.ChoiceField(
        choices=GRACE_CHOICES,
        initial="86400",
        label="The old key stops",
        help_text="Long enough for every site to switch to the new snippet; sessions on the old key end when it stops.",
    )


def _last_used(key: WidgetKey) -> datetime | None:
    """The key's last accepted bootstrap (one small Redis hash read per key shown)."""
    return max((s.seen_at for s in sightings_read(tenant_id=key.tenant_id) if s.key_id == key.pk), default=None)


class KeyAgentAdmin(WidgetKeyAdmin):
    form = WidgetKeyForm
    change_form_template = "widget/admin/key_change_form.html"
    list_display = ["public_id", "tenant", "label", "channel", "status", "answering_agent", "last_used", "created_at"]
    actions = ["revoke", "reactivate"]
    fieldsets = [
        (None, {"fields": ["tenant", "public_id", "label", "channel"]}),
        ("Which agent answers", {"fields": ["opens_agent", "answering_agent"]}),
        ("Status", {"fields": ["revoked_at", "status", "last_used", "created_at"]}),
    ]
    readonly_fields = ["answering_agent", "status", "last_used", "created_at"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        agents = scope_for_user(Agent.objects.select_related("tenant"), request.user)
        tenant_id = form_tenant_id(request, obj)
        if tenant_id is not None:
            agents = scope_to_tenant(agents, tenant_id)
        field = form_class.base_fields["opens_agent"]
        field.queryset = agents.order_by("tenant__name", "name")
        field.label_from_instance = label_with_tenant
        return form_class

    def save_model(self, request: HttpRequest, obj: WidgetKey, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        agent = form.cleaned_data.get("opens_agent")
        if agent is None:
            WidgetKeyAgent.objects.filter(key=obj).delete()
        else:
            WidgetKeyAgent.objects.update_or_create(key=obj, defaults={"agent": agent})

    @admin.display(description="Agent it opens")
    def answering_agent(self, obj: WidgetKey) -> str:
        if not obj.pk:
            return "Chosen when the key is saved."
        if obj.channel != Channel.WIDGET:
            return "Console keys open the agent the operator picks."
        agent = widget_agent_for(tenant_id=obj.tenant_id, key_id=obj.pk)
        if agent is None:
            return "None: the tenant has no active agent, so visitors are told the assistant is unavailable."
        route = WidgetKeyAgent.objects.filter(key=obj).select_related("agent").first()
        if route is not None and route.agent_id == agent.pk:
            why = "this key's own agent"
        elif route is not None:
            why = f"the key's own agent {route.agent.name} is switched off, so the tenant's default answers"
        elif agent.is_default:
            why = "the tenant's default agent"
        else:
            why = "the tenant's oldest active agent (no default is set)"
        url = reverse("admin:agents_agent_change", args=[agent.pk])
        return format_html('<a href="{}">{}</a> ({})', url, agent.name, why)

    @admin.display(description="Last used")
    def last_used(self, obj: WidgetKey) -> str:
        seen = _last_used(obj) if obj.pk else None
        return f"{timezone.localtime(seen):%Y-%m-%d %H:%M}" if seen else "never"

    @admin.display(description="Status")
    def status(self, obj: WidgetKey) -> str:
        if obj.revoked_at is None:
            return "active"
        if obj.is_active:
            return f"active until {timezone.localtime(obj.revoked_at):%Y-%m-%d %H:%M}"
        return "revoked"

    @admin.action(description="Reactivate selected keys")
    def reactivate(self, request: HttpRequest, queryset: QuerySet[WidgetKey]) -> None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=False):
            key_reactivate(key=key)
            count += 1
        self.message_user(request, f"Reactivated {count} key(s): they work again at once.", messages.SUCCESS)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/rotate/", wrap(self.rotate_view), name="tenants_widgetkey_rotate"),
            *super().get_urls(),
        ]

    def rotate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        key = get_object_or_404(self.get_queryset(request), pk=object_id if object_id.isdigit() else -1)
        if not self.has_change_permission(request, key) or not self.has_add_permission(request):
            raise PermissionDenied
        form = RotateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            new = widget_key_rotate(key=key, grace=timedelta(seconds=int(form.cleaned_data["grace"])))
            stops = (
                "now"
                if key.revoked_at and key.revoked_at <= timezone.now()
                else (f"at {timezone.localtime(key.revoked_at):%Y-%m-%d %H:%M}")
            )
            self.message_user(
                request,
                f"New key {new.public_id}: put its snippet on the sites (Install page). {key.public_id} stops {stops}.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:tenants_widgetkey_change", args=[new.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": key,
            "key": key,
            "form": form,
            "title": f"Rotate {key.public_id}",
        }
        return TemplateResponse(request, "widget/admin/key_rotate.html", context)
