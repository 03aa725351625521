"""Onboarding pages on the tenant's admin: the Install page and the setup checklist.

They live here, not in tenants/admin.py, because they read agents, tools and the widget's sightings, which
the tenants layer may not import: the tenant admin is re-registered as a subclass with these pages added.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin

from tenants.admin import SecretInline, TenantAdmin
from tenants.models import Tenant, WidgetKey
from widget import onboarding, preview
from widget.key_admin import KeyAgentAdmin, KeyPublicIdFixedInline
from widget.sightings import sightings_read

admin.site.unregister(Tenant)
admin.site.unregister(WidgetKey)
admin.site.register(WidgetKey, KeyAgentAdmin)


@admin.register(Tenant)
class TenantOnboardingAdmin(TenantAdmin):
    change_form_template = "widget/admin/tenant_change_form.html"
    inlines = [KeyPublicIdFixedInline, SecretInline]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "brand_color":
            # The browser's colour picker; it always submits #rrggbb, which the model's validator expects.
            kwargs["widget"] = forms.TextInput(attrs={"type": "color", "style": "width: 6em; height: 2.2em"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "operators":
            # Only staff can use admin or the console: offering other users would grant nothing.
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/install/", wrap(self.install_view), name="tenants_tenant_install"),
            path(
                "<path:object_id>/install/preview/",
                wrap(xframe_options_sameorigin(self.install_preview_view)),
                name="tenants_tenant_install_preview",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        tenant = self.get_object(request, object_id)
        context = {**(extra_context or {})}
        if tenant is not None:
            checklist = onboarding.tenant_checklist(tenant)
            context.update(checklist=checklist, ready=all(item.done for item in checklist))
        return super().change_view(request, object_id, form_url, extra_context=context)

    def install_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        tenant = get_object_or_404(self.get_queryset(request), pk=object_id if object_id.isdigit() else -1)
        if not self.has_view_permission(request, tenant):
            raise PermissionDenied
        sightings = sightings_read(tenant_id=tenant.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": tenant,
            "tenant": tenant,
            "title": f"Install the widget on {tenant.name}'s website",
            "snippets": onboarding.key_snippets(tenant, sightings),
            "origin_checks": onboarding.origin_checks(tenant, sightings),
            "platform_url": onboarding.platform_base_url(),
            "identity_example": onboarding.identity_example(tenant),
            "can_change": self.has_change_permission(request, tenant),
            "preview_key": next((item.key for item in onboarding.key_snippets(tenant, sightings)), None),
        }
        return TemplateResponse(request, "widget/admin/install.html", context)

    def install_preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A page of the platform's own with the tenant's snippet, framed by the install page (staff only)."""
        tenant = get_object_or_404(self.get_queryset(request), pk=object_id if object_id.isdigit() else -1)
        if not self.has_view_permission(request, tenant):
            raise PermissionDenied
        keys = {key.public_id: key for key in onboarding.widget_keys(tenant)}
        key = keys.get(request.GET.get("key", ""))
        if key is None:
            messages.warning(request, "Preview with one of the active website keys listed here.")
            return HttpResponseRedirect(reverse("admin:tenants_tenant_install", args=[tenant.pk]))
        response = TemplateResponse(
            request,
            "widget/admin/install_preview.html",
            {"tenant": tenant, "key": key, "platform": preview.own_origin(request) or ""},
        )
        response["Content-Security-Policy"] = "frame-ancestors 'self'"
        return response
