"""Admin for HTTP tool descriptors: edit, version history, "Test this tool", imports and Draft with AI.

The custom pages are thin shells: forms parse input, services and importers do the work, and every proposal
goes through one review page that saves only on a second, explicit POST.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from httptools import editor, importers, services
from httptools.models import HttpTool, HttpToolVersion
from httptools.troubleshooting import fix_hint
from httptools.visual_examples import EXAMPLE_ACTIONS, VISUAL_EXAMPLES
from httptools.visuals import VISUALS, render_card
from tenants.admin_scoping import TenantScopedAdmin, TenantScopedTabularInline
from tenants.models import Tenant
from tenants.selectors import tenants_visible_to

MAX_UPLOAD_BYTES = 2_000_000
RESPONSE_PREVIEW_CHARS = 20_000


class HttpToolVersionInline(TenantScopedTabularInline):
    model = HttpToolVersion
    extra = 0
    can_delete = False
    fields = ("version", "created_at", "snapshot")
    readonly_fields = ("version", "created_at", "snapshot")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TenantForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=Tenant.objects.none(), help_text="The tenant the new tools belong to.")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = tenants_visible_to(user)  # type: ignore[attr-defined]


class OpenAPIForm(TenantForm):
    document_file = forms.FileField(required=False, label="Upload", help_text="An OpenAPI 3 document (JSON or YAML).")
    document_text = forms.CharField(required=False, label="Or paste", widget=forms.Textarea(attrs={"rows": 12}))
    base_url = forms.CharField(
        required=False,
        label="Base URL",
        help_text="scheme://host[:port][/prefix]; needed when the document has no absolute server URL.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("document_file")
        text = cleaned.get("document_text") or ""
        if upload:
            if upload.size > MAX_UPLOAD_BYTES:
                raise ValidationError("The file is larger than 2 MB.")
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError("The file is not UTF-8 text.") from None
        if not text.strip():
            raise ValidationError("Upload a document or paste one.")
        try:
            cleaned["document"] = importers.openapi_load(text)
        except importers.ImportProblem as exc:
            raise ValidationError(str(exc)) from None
        return cleaned


class CurlForm(TenantForm):
    command = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One curl command, as copied from API docs or browser devtools.",
    )
    name = forms.CharField(required=False, help_text="Tool name (snake_case); optional.")


class DraftForm(TenantForm):
    documentation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=editor.MAX_DOCUMENTATION_CHARS,
        help_text="Paste the API's documentation or an example request and response.",
    )


class TestForm(forms.Form):
    arguments = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text="The arguments as the model would send them (a JSON object).",
    )

    def clean_arguments(self) -> str:
        value = self.cleaned_data["arguments"]
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise ValidationError(f"Not valid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise ValidationError('Give a JSON object, like {"query": "shoes"}.')
        return str(value)


@admin.register(HttpTool)
class HttpToolAdmin(TenantScopedAdmin):
    list_display = ["name", "tenant", "method", "base_url", "path_template", "effect", "visual", "enabled", "version"]
    list_filter = ["tenant", "effect", "method", "enabled"]
    search_fields = ["name", "description", "base_url"]
    readonly_fields = ["version", "updated_at"]
    inlines = [HttpToolVersionInline]
    change_form_template = "httptools/admin/change_form.html"
    change_list_template = "httptools/admin/change_list.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "tenant",
                    "name",
                    "description",
                    "visitor_label",
                    "enabled",
                    "effect",
                    "version",
                    "updated_at",
                ]
            },
        ),
        (
            "Request",
            {
                "fields": [
                    "method",
                    "base_url",
                    "path_template",
                    "query_params",
                    "headers",
                    "body_template",
                    "timeout_seconds",
                    "max_response_bytes",
                ]
            },
        ),
        ("Arguments", {"fields": ["arguments_schema", "constants", "visitor_email_argument"]}),
        ("Result", {"fields": ["response_mapping", "visual", "visual_props", "card_actions"]}),
    ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "visual":
            # A choice from the registry, so a card name can never be mistyped.
            choices = [("", "No card")] + [(v.name, f"{v.name}: {v.description}") for v in VISUALS.values()]
            return forms.ChoiceField(
                choices=choices,
                required=False,
                label="Card",
                help_text=format_html(
                    'The card the widget shows with the result. <a href="{}" target="_blank">See every card</a> '
                    "with an example and the props it takes.",
                    reverse("admin:httptools_httptool_cards"),
                ),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: HttpTool, form: Any, change: bool) -> None:
        obj.save()  # the form already ran full_clean; the model's save records the version

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("<path:object_id>/test/", wrap(self.test_view), name="{}_{}_test".format(*info)),
            path("import-openapi/", wrap(self.openapi_view), name="{}_{}_import_openapi".format(*info)),
            path("import-curl/", wrap(self.curl_view), name="{}_{}_import_curl".format(*info)),
            path("draft/", wrap(self.draft_view), name="{}_{}_draft".format(*info)),
            path("review/", wrap(self.review_view), name="{}_{}_review".format(*info)),
            path("cards/", wrap(self.cards_view), name="{}_{}_cards".format(*info)),
            *super().get_urls(),
        ]

    # ----- shared ----------------------------------------------------------------------------------------

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **extra}

    def _require_add(self, request: HttpRequest) -> None:
        if not self.has_add_permission(request):
            raise PermissionDenied

    def _review(
        self,
        request: HttpRequest,
        *,
        tenant: Tenant,
        proposals: list[importers.Proposal],
        source: str,
        errors: list[list[str]] | None = None,
        included: list[bool] | None = None,
        texts: list[str] | None = None,
    ) -> TemplateResponse:
        items = []
        for index, proposal in enumerate(proposals):
            items.append(
                {
                    "index": index,
                    "key": proposal.key,
                    "notes": proposal.notes,
                    "text": texts[index] if texts else json.dumps(proposal.data, indent=2, ensure_ascii=False),
                    "errors": errors[index] if errors else [],
                    "included": included[index] if included else True,
                }
            )
        return TemplateResponse(
            request,
            "httptools/admin/review.html",
            self._context(
                request,
                f"Review {len(items)} proposed tool(s) for {tenant.name}",
                items=items,
                tenant=tenant,
                source=source,
                action=reverse("admin:httptools_httptool_review"),
            ),
        )

    # ----- pages -----------------------------------------------------------------------------------------

    def test_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        tool = get_object_or_404(self.get_queryset(request), pk=object_id if object_id.isdigit() else -1)
        if not self.has_change_permission(request, tool):
            raise PermissionDenied
        trace = None
        if request.method == "POST":
            form = TestForm(request.POST)
            if form.is_valid():
                trace = services.tool_test(tool=tool, arguments_json=form.cleaned_data["arguments"])
        else:
            form = TestForm(initial={"arguments": services.example_arguments(tool)})
        response_text = ""
        if trace and trace.exchange:
            response_text = trace.exchange.body.decode("utf-8", errors="replace")[:RESPONSE_PREVIEW_CHARS]
        return TemplateResponse(
            request,
            "httptools/admin/test.html",
            self._context(
                request,
                f"Test {tool.name}",
                tool=tool,
                form=form,
                trace=trace,
                response_text=response_text,
                request_body=json.dumps(trace.request.body_json, indent=2, ensure_ascii=False)
                if trace and trace.request and trace.request.body_json is not None
                else "",
                card=mark_safe(trace.result.html) if trace and trace.result.html else "",  # noqa: S308 - autoescaped template output
                props=json.dumps(trace.result.props, indent=2, ensure_ascii=False)
                if trace and trace.result.props is not None
                else "",
                original=tool,
                hint=fix_hint(trace.result.error_class, base_url=tool.base_url) if trace else "",
            ),
        )

    def cards_view(self, request: HttpRequest) -> HttpResponse:
        """Every card of the registry, rendered with an example, with the props it takes."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        cards = []
        for visual in VISUALS.values():
            example = VISUAL_EXAMPLES.get(visual.name, {})
            schema = visual.props_schema
            cards.append(
                {
                    "visual": visual,
                    "props": sorted((schema.get("properties") or {}).keys()),
                    "required": schema.get("required") or [],
                    "example": json.dumps(example, indent=2, ensure_ascii=False),
                    "actions": json.dumps(EXAMPLE_ACTIONS.get(visual.name, []), indent=2, ensure_ascii=False),
                    "html": mark_safe(render_card(visual.name, example, EXAMPLE_ACTIONS.get(visual.name, []))[0])  # noqa: S308 - autoescaped template output
                    if example
                    else "",
                }
            )
        return TemplateResponse(
            request, "httptools/admin/cards.html", self._context(request, "The cards a tool can show", cards=cards)
        )

    def openapi_view(self, request: HttpRequest) -> HttpResponse:
        self._require_add(request)
        form = OpenAPIForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                proposals = importers.openapi_proposals(
                    form.cleaned_data["document"], base_url=form.cleaned_data["base_url"]
                )
            except importers.ImportProblem as exc:
                form.add_error(None, str(exc))
            else:
                if not proposals:
                    form.add_error(None, "The document has no operations to import.")
                else:
                    return self._review(
                        request, tenant=form.cleaned_data["tenant"], proposals=proposals, source="OpenAPI"
                    )
        return TemplateResponse(
            request,
            "httptools/admin/import_form.html",
            self._context(
                request,
                "Import tools from OpenAPI 3",
                form=form,
                multipart=True,
                intro="Each operation becomes a proposed tool. You review and pick them before anything is saved.",
            ),
        )

    def curl_view(self, request: HttpRequest) -> HttpResponse:
        self._require_add(request)
        form = CurlForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                proposal = importers.curl_proposal(form.cleaned_data["command"], name=form.cleaned_data["name"])
            except importers.ImportProblem as exc:
                form.add_error("command", str(exc))
            else:
                return self._review(request, tenant=form.cleaned_data["tenant"], proposals=[proposal], source="curl")
        return TemplateResponse(
            request,
            "httptools/admin/import_form.html",
            self._context(
                request,
                "Import a tool from a curl command",
                form=form,
                multipart=False,
                intro="Credentials in the command are never copied: they become {{secret:NAME}} references.",
            ),
        )

    def draft_view(self, request: HttpRequest) -> HttpResponse:
        self._require_add(request)
        available = editor.draft_available()
        form = DraftForm(request.POST or None, user=request.user)
        if request.method == "POST" and available and form.is_valid():
            try:
                proposal = editor.draft_propose(documentation=form.cleaned_data["documentation"])
            except editor.DraftUnavailable as exc:
                form.add_error(None, str(exc))
            else:
                return self._review(
                    request, tenant=form.cleaned_data["tenant"], proposals=[proposal], source="Draft with AI"
                )
        return TemplateResponse(
            request,
            "httptools/admin/draft.html",
            self._context(request, "Draft a tool with AI", form=form, available=available),
        )

    def review_view(self, request: HttpRequest) -> HttpResponse:
        """The second POST: save the reviewed, ticked proposals (all or none), or show what is wrong."""
        self._require_add(request)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:httptools_httptool_changelist"))
        tenant_id = request.POST.get("tenant", "")
        tenant = get_object_or_404(tenants_visible_to(request.user), pk=tenant_id if tenant_id.isdigit() else -1)
        try:
            count = min(int(request.POST.get("count", "0")), 500)
        except ValueError:
            count = 0
        texts = [request.POST.get(f"descriptor_{i}", "") for i in range(count)]
        included = [request.POST.get(f"include_{i}") == "on" for i in range(count)]
        proposals = [
            importers.Proposal(key=request.POST.get(f"key_{i}", f"#{i + 1}")[:200], data={}) for i in range(count)
        ]
        source = request.POST.get("source", "import")[:40]
        parsed: list[Any] = []
        errors: list[list[str]] = [[] for _ in range(count)]
        for index in range(count):
            if not included[index]:
                continue
            try:
                parsed.append((index, json.loads(texts[index])))
            except ValueError as exc:
                errors[index].append(f"Not valid JSON: {exc}")
        items = [data for _, data in parsed]
        if not any(included):
            messages.warning(request, "Nothing was ticked, so nothing was saved.")
        elif any(errors):
            _, item_errors = services.descriptors_check(tenant=tenant, items=items)  # show every problem at once
            for (index, _), problems in zip(parsed, item_errors, strict=True):
                errors[index] = problems
        else:
            saved, item_errors = services.descriptors_confirm(tenant=tenant, items=items)
            for (index, _), problems in zip(parsed, item_errors, strict=True):
                errors[index] = problems
            if saved:
                messages.success(request, f"Saved {len(saved)} tool(s): {', '.join(t.name for t in saved)}.")
                return HttpResponseRedirect(reverse("admin:httptools_httptool_changelist"))
        return self._review(
            request, tenant=tenant, proposals=proposals, source=source, errors=errors, included=included, texts=texts
        )
