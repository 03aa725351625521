"""Admin for tenants: keys and secrets edited inline; secrets are write-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from tenants.admin_scoping import TenantScopedAdmin, TenantScopedTabularInline
from tenants.models import SecretKind, Tenant, TenantSecret, WidgetKey

__all__ = ["TenantScopedAdmin"]  # importable from here too; its home is tenants.admin_scoping


class SecretForm(forms.ModelForm):
    value = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: never shown again. Leave blank to keep the current value.",
    )

    class Meta:
        model = TenantSecret
        fields = ["name", "value"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        value = cleaned.get("value")
        if value:
            self.instance.set_value(value)
        elif not self.instance.value_encrypted:
            self.add_error("value", "Enter the secret's value.")
        return cleaned


class SecretInline(TenantScopedTabularInline):
    model = TenantSecret
    form = SecretForm
    extra = 0
    fields = ["name", "value", "updated_at"]
    readonly_fields = ["updated_at"]
    verbose_name_plural = "Tool secrets"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # The identity secret has its own page (generated, shown once), never typed in here.
        return super().get_queryset(request).filter(kind=SecretKind.TOOL)


class WidgetKeyInline(TenantScopedTabularInline):
    model = WidgetKey
    extra = 0
    fields = ["public_id", "label", "channel", "revoked_at", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Tenant)
class TenantAdmin(TenantScopedAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "slug", "active", "origin_count", "max_concurrent_sessions", "daily_budget_usd"]
    list_filter = ["active"]
    search_fields = ["name", "slug", "allowed_origins"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["operators"]
    inlines = [WidgetKeyInline, SecretInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "active", "operators"]}),
        ("Embedding", {"fields": ["allowed_origins"]}),
        ("Identified visitors and privacy", {"fields": ["identity_link", "store_visitor_email"]}),
        ("Business", {"fields": ["business_links"]}),
        (
            "Branding and texts",
            {
                "description": "The widget's defaults on every site; a site's script tag may override the launcher's "
                "colour, position, label and icon with data-color, data-position, data-label and data-icon.",
                "fields": [
                    "brand_color",
                    "launcher_position",
                    "launcher_label",
                    "launcher_icon",
                    "logo_url",
                    "welcome_text",
                    "disclaimer_text",
                    "privacy_url",
                ],
            },
        ),
        ("Prices on cards", {"fields": ["currency", "locale"]}),
        (
            "Limits",
            {
                "fields": [
                    "requests_per_minute",
                    "key_requests_per_minute",
                    "tenant_requests_per_minute",
                    "max_concurrent_sessions",
                    "daily_budget_usd",
                    "monthly_budget_usd",
                    "budget_step_down_percent",
                    "max_session_minutes",
                    "idle_timeout_seconds",
                    "transcript_retention_days",
                ]
            },
        ),
    ]

    readonly_fields = ["identity_link", "business_links"]

    @admin.display(description="Invoices and analytics")
    def business_links(self, obj: Tenant) -> str:
        if obj.pk is None:
            return "Save the tenant first."
        return format_html(
            '<a href="{}?tenant={}">Invoice by month</a> (with CSV download) · <a href="{}?tenant={}">Analytics</a>',
            reverse("usage_invoice"),
            obj.pk,
            reverse("usage_analytics"),
            obj.pk,
        )

    @admin.display(description="Identity verification")
    def identity_link(self, obj: Tenant) -> str:
        if obj.pk is None:
            return "Save the tenant first."
        return format_html(
            '<a href="{}">Identity secret and server examples</a> (sign visitors\' e-mails so they are recognised)',
            reverse("tenant_identity", args=[obj.pk]),
        )

    @admin.display(description="Origins")
    def origin_count(self, obj: Tenant) -> int:
        return len(obj.origins)


@admin.register(WidgetKey)
class WidgetKeyAdmin(TenantScopedAdmin):
    list_display = ["public_id", "tenant", "label", "channel", "status", "created_at"]
    list_filter = ["channel", "tenant", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["public_id", "label", "tenant__name"]
    actions = ["revoke"]

    @admin.display(description="Status")
    def status(self, obj: WidgetKey) -> str:
        return "active" if obj.is_active else "revoked"

    @admin.action(description="Revoke selected keys now")
    def revoke(self, request: HttpRequest, queryset: QuerySet[WidgetKey]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} key(s). Live sessions on them end within a minute.")


@admin.register(TenantSecret)
class TenantSecretAdmin(TenantScopedAdmin):
    form = SecretForm
    list_display = ["name", "tenant", "updated_at"]
    list_filter = ["tenant"]
    search_fields = ["name", "tenant__name"]

    fields = ["tenant", "name", "value"]
