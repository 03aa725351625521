"""The one place admin is scoped to the tenants a staff user operates.

Derive every admin of tenant-owned data from these classes and the scoping follows: the rows
(`get_queryset`), every "By <relation>" list filter's choices, the choices of every tenant-owned relation on
its forms and inlines (narrowed to the form's own tenant, each labelled with its tenant), raw-id labels and
the autocomplete answers (`PlatformAdminSite`). Superusers see every tenant. A custom admin page reads with
`scope_for_user(queryset, user)`; `tenant_path_of(model)` says how a model reaches its tenant.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from tenants.models import Tenant
from tenants.selectors import tenants_visible_to

MAX_PATH_DEPTH = 3  # Tenant <- Prompt <- PromptVersion is the longest chain today
SCOPING_JS = "tenants/admin-scoping.js"


_paths: dict[type[models.Model], str | None] = {}


def tenant_path_of(model: type[models.Model]) -> str | None:
    """The lookup from `model` to its Tenant ("tenant", "prompt__tenant", "pk" for Tenant), or None if the
    model belongs to no tenant. Breadth-first over foreign keys, so the shortest path wins."""
    if model not in _paths:
        _paths[model] = "pk" if model is Tenant else _find_tenant_path(model)
    return _paths[model]


def _find_tenant_path(model: type[models.Model]) -> str | None:
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    seen = {model}
    for _ in range(MAX_PATH_DEPTH):
        following = []
        for current, prefix in frontier:
            for field in current._meta.concrete_fields:
                if not isinstance(field, models.ForeignKey):
                    continue
                path = f"{prefix}{field.name}"
                if field.related_model is Tenant:
                    return path
                if field.related_model not in seen:
                    seen.add(field.related_model)
                    following.append((field.related_model, f"{path}__"))
        frontier = following
    return None


def _required_path(model: type[models.Model], path: str | None = None) -> str:
    path = path or tenant_path_of(model)
    if path is None:
        # A query of tenant data without a tenant is an error, never "all tenants".
        raise ImproperlyConfigured(f"{model._meta.label} has no foreign key path to Tenant: set tenant_path")
    return path


def scope_for_user(queryset: QuerySet[Any], user: Any, *, path: str | None = None) -> QuerySet[Any]:
    """The rows of `queryset` that belong to tenants `user` may see (all for superusers)."""
    path = _required_path(queryset.model, path)
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{path}__in": tenants_visible_to(user)})


def scope_to_tenant(queryset: QuerySet[Any], tenant_id: int, *, path: str | None = None) -> QuerySet[Any]:
    """The rows of `queryset` that belong to one tenant."""
    return queryset.filter(**{_required_path(queryset.model, path): tenant_id})


def tenant_of(obj: models.Model) -> Tenant | None:
    """The tenant a row belongs to, following `tenant_path_of` (None for rows of no tenant)."""
    path = tenant_path_of(type(obj))
    if path is None or path == "pk":
        return obj if isinstance(obj, Tenant) else None
    current: Any = obj
    for name in path.split("__"):
        current = getattr(current, name, None)
        if current is None:
            return None
    return current if isinstance(current, Tenant) else None


def label_with_tenant(obj: models.Model) -> str:
    """How a tenant-owned row is offered in a choice: its name and its tenant's, "Main prompt (Alpha Shop)"."""
    tenant = tenant_of(obj)
    return str(obj) if tenant is None or tenant is obj else f"{obj} ({tenant.name})"


def _owned_by_a_tenant(model: type[models.Model]) -> bool:
    """Tenant-owned and not Tenant itself: the relations whose choices are narrowed to one tenant."""
    return tenant_path_of(model) not in (None, "pk")


def _with_tenant(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Fetch each row's tenant with it: every choice label names it."""
    path = tenant_path_of(queryset.model)
    return queryset.select_related(path) if path not in (None, "pk") else queryset


def _tenant_id(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() else None


class TenantScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A "By <relation>" list filter offering only the related rows of the user's tenants."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        ordering = self.field_admin_ordering(field, request, model_admin)
        visible = scope_for_user(field.related_model._default_manager.all(), request.user)
        return list(
            field.get_choices(include_blank=False, ordering=ordering, limit_choices_to=Q(pk__in=visible.values("pk")))
        )


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input that names the chosen row only if it is one the form may offer."""

    def __init__(self, *args: Any, queryset: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queryset = queryset

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        key = self.rel.get_related_field().name
        try:
            allowed = self.queryset.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            allowed = False
        return super().label_and_url_for_value(value) if allowed else ("", "")


class TenantScopedFields:
    """Form choices of tenant-owned relations, for model admins and inlines alike."""

    admin_site: admin.AdminSite

    def get_field_queryset(self, db: Any, db_field: Any, request: HttpRequest) -> QuerySet[Any] | None:
        queryset = super().get_field_queryset(db, db_field, request)  # type: ignore[misc]
        related = db_field.related_model
        if tenant_path_of(related) is None:
            return queryset
        if queryset is None:
            queryset = related._default_manager.using(db).complex_filter(db_field.remote_field.limit_choices_to)
        return _with_tenant(scope_for_user(queryset, request.user))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if formfield is not None and _owned_by_a_tenant(db_field.related_model):
            formfield.label_from_instance = label_with_tenant
            if isinstance(formfield.widget, ForeignKeyRawIdWidget):
                formfield.widget = ScopedRawIdWidget(
                    db_field.remote_field, self.admin_site, using=kwargs.get("using"), queryset=formfield.queryset
                )
        return formfield

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if formfield is not None and _owned_by_a_tenant(db_field.related_model):
            formfield.label_from_instance = label_with_tenant
        return formfield

    @property
    def media(self) -> forms.Media:
        # Listed after jquery.init.js (django.jQuery) so that the merged media keep them in this order.
        return super().media + forms.Media(js=["admin/js/jquery.init.js", SCOPING_JS])  # type: ignore[misc]


def narrow_form_to_tenant(form_class: Any, tenant_id: int | None) -> None:
    """Offer only `tenant_id`'s rows in every tenant-owned relation of a form class made for one request."""
    if tenant_id is None:
        return
    for field in form_class.base_fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None and _owned_by_a_tenant(queryset.model):
            field.queryset = scope_to_tenant(queryset, tenant_id)


def form_tenant_id(request: HttpRequest, obj: models.Model | None) -> int | None:
    """The tenant a form is for: as posted, else the row's, else `?tenant=` on an add page."""
    if request.method == "POST" and "tenant" in request.POST:
        return _tenant_id(request.POST.get("tenant"))
    tenant = tenant_of(obj) if obj is not None else None
    if tenant is not None:
        return tenant.pk
    return _tenant_id(request.GET.get("tenant"))


class TenantScopedAdmin(TenantScopedFields, admin.ModelAdmin):
    """Staff see only the tenants they operate; superusers see all. `tenant_path` overrides the path to
    Tenant found from the model's foreign keys."""

    tenant_path: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scope_for_user(super().get_queryset(request), request.user, path=self.tenant_path)

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [self._scoped_filter(item) for item in super().get_list_filter(request)]

    def _scoped_filter(self, item: Any) -> Any:
        if isinstance(item, str):
            related = get_fields_from_path(self.model, item)[-1].related_model
            if related is not None and tenant_path_of(related) is not None:
                return (item, TenantScopedRelatedFilter)
        elif isinstance(item, tuple) and item[1] is admin.RelatedFieldListFilter:
            return (item[0], TenantScopedRelatedFilter)
        return item

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)
        if tenant_path_of(self.model) != "pk":
            narrow_form_to_tenant(form_class, form_tenant_id(request, obj))
        return form_class


class _TenantScopedInline(TenantScopedFields):
    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        parent_tenant = obj if isinstance(obj, Tenant) else None
        tenant_id = parent_tenant.pk if parent_tenant else form_tenant_id(request, obj)
        narrow_form_to_tenant(formset.form, tenant_id)
        return formset


class TenantScopedTabularInline(_TenantScopedInline, admin.TabularInline):
    """A tabular inline whose tenant-owned relations offer only the parent's tenant's rows."""


class TenantScopedStackedInline(_TenantScopedInline, admin.StackedInline):
    """A stacked inline whose tenant-owned relations offer only the parent's tenant's rows."""


class TenantScopedAutocompleteView(AutocompleteJsonView):
    """Autocomplete answers: the user's tenants' rows only (whatever the remote admin does), narrowed to the
    form's chosen tenant (`tenant=`, sent by admin-scoping.js), each labelled with its tenant."""

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if tenant_path_of(queryset.model) is None:
            return queryset
        queryset = _with_tenant(scope_for_user(queryset, self.request.user))
        tenant_id = _tenant_id(self.request.GET.get("tenant"))
        if tenant_id is not None and _owned_by_a_tenant(queryset.model):
            queryset = scope_to_tenant(queryset, tenant_id)
        return queryset

    def serialize_result(self, obj: Any, to_field_name: str) -> dict[str, str]:
        return {"id": str(getattr(obj, to_field_name)), "text": label_with_tenant(obj)}


class PlatformAdminSite(admin.AdminSite):
    """Django's admin site with tenant-scoped autocomplete (installed by `tenants.apps.PlatformAdminConfig`)."""

    site_header = "Voice agents platform"
    site_title = "Voice agents admin"
    index_title = "Tenants, their agents, tools and usage"

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return cast(HttpResponse, TenantScopedAutocompleteView.as_view(admin_site=self)(request))
