"""HTTP tool descriptors: the one place a tool is described (docs/tools.md, "Descriptor fields")."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction

from httptools.card_actions import declared_tools
from httptools.validation import validate_descriptor
from tenants.models import Tenant


class Effect(models.TextChoices):
    READ = "read", "Read (no side effects)"
    WRITE = "write", "Write (needs the visitor's spoken confirmation)"
    IRREVERSIBLE = "irreversible", "Irreversible (needs confirmation; cannot be undone)"


class Method(models.TextChoices):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"


SNAPSHOT_FIELDS = (
    "name",
    "description",
    "method",
    "base_url",
    "path_template",
    "query_params",
    "headers",
    "body_template",
    "arguments_schema",
    "constants",
    "effect",
    "response_mapping",
    "visual",
    "visual_props",
    "card_actions",
    "timeout_seconds",
    "max_response_bytes",
    "enabled",
    "visitor_email_argument",
    "visitor_label",
)


def empty_arguments_schema() -> dict[str, Any]:
    """The default arguments schema: no arguments, and the model may add none."""
    return {"type": "object", "properties": {}, "additionalProperties": False}


class HttpTool(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="http_tools")
    name = models.CharField(max_length=64, help_text="snake_case, unique per tenant; the model calls it by this.")
    description = models.TextField(help_text="For the model: what the tool does and when to use it.")
    visitor_label = models.CharField(
        "label for visitors",
        max_length=120,
        blank=True,
        help_text="For the visitor: one short line in the widget's 'What I can do' list, e.g. 'Find products "
        "and prices'. Leave empty to use one made from the name ('search_products' → 'Search products').",
    )
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.GET)
    base_url = models.CharField(
        max_length=300, help_text="Scheme, host and port only (https://api.example.com). Fixed when saved."
    )
    path_template = models.CharField(
        max_length=300, default="/", help_text="Path with {param} slots filled from arguments, e.g. /items/{id}."
    )
    query_params = models.JSONField(
        default=dict,
        blank=True,
        help_text='Query parameters: name → template, e.g. {"q": "{query}", "limit": "5"}.',
    )
    headers = models.JSONField(
        default=dict,
        blank=True,
        help_text='Headers: name → template; may reference a secret: {"X-Api-Key": "{{secret:API_KEY}}"}.',
    )
    body_template = models.JSONField(
        null=True,
        blank=True,
        help_text='JSON body; a string value "{param}" is replaced by the argument (keeping its type).',
    )
    arguments_schema = models.JSONField(
        default=empty_arguments_schema,
        help_text="JSON Schema of the arguments the model fills; additionalProperties must be false.",
    )
    constants = models.JSONField(
        default=dict,
        blank=True,
        help_text='Fixed values for slots the model never fills, e.g. {"currency": "EUR"}.',
    )
    effect = models.CharField(max_length=16, choices=Effect.choices, default=Effect.READ)
    response_mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text='What the model receives: {"items": "results", "fields": ["name", "price"], '
        '"max_items": 5, "max_chars": 2000}.',
    )
    visual = models.CharField(max_length=64, blank=True, help_text="A card from the visuals registry, or empty.")
    visual_props = models.JSONField(
        default=dict,
        blank=True,
        help_text='How response fields map to the card\'s props: {"products": "results"}.',
    )
    card_actions = models.JSONField(
        default=list,
        blank=True,
        help_text='The card\'s buttons: a list of {"action": "order", "label": "Order this", "tool": '
        '"place_order", "arguments": {"product_id": "id"}}. `tool` (optional) is a tool of this tenant '
        "the press asks for; `arguments` maps its arguments to fields of the card's item. A press reaches the "
        "model as the visitor's choice; a write tool still asks for the visitor's spoken yes.",
    )
    timeout_seconds = models.FloatField(default=8.0, validators=[MinValueValidator(0.5), MaxValueValidator(30)])
    max_response_bytes = models.PositiveIntegerField(
        default=512_000, validators=[MinValueValidator(1024), MaxValueValidator(5_000_000)]
    )
    enabled = models.BooleanField(default=True)
    visitor_email_argument = models.CharField(
        max_length=64,
        blank=True,
        help_text="The argument that carries the visitor's own e-mail address (for example `email` of a "
        "newsletter or order tool). When a call succeeds the visitor becomes an identified user of this "
        "tenant, as if the website had identified them. Leave empty for most tools.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Not part of the descriptor (not in the snapshot): what the setup checklist asks of every allowed tool.
    tested_version = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="The version whose last run of Test this tool succeeded."
    )
    tested_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["tenant__name", "name"]
        verbose_name = "HTTP tool"
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="unique_tool_name_per_tenant")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Every save that changes the descriptor bumps `version` and writes a snapshot, whoever saves it
        (admin, importers, seed commands, shell); a save that changes nothing writes no version."""
        with transaction.atomic():
            latest = None
            if self.pk is not None:
                # Lock the row so two concurrent saves cannot both claim the next version number.
                list(HttpTool.objects.select_for_update().filter(pk=self.pk).values_list("pk"))
                latest = self.versions.order_by("-version").first()
            snapshot = self.snapshot()
            changed = latest is None or latest.snapshot != snapshot
            if changed:
                self.version = latest.version + 1 if latest is not None else max(self.version or 1, 1)
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "version", "updated_at"}
            super().save(*args, **kwargs)
            if changed:
                HttpToolVersion.objects.create(tool=self, version=self.version, snapshot=snapshot)

    def clean(self) -> None:
        self.base_url = validate_descriptor(self.snapshot())["base_url"]
        # Tenant-scoped: a button may only ask for a tool of the same tenant (the session also checks the agent).
        wanted = declared_tools(self.card_actions) - {self.name}
        if wanted and self.tenant_id is not None:
            found = set(
                HttpTool.objects.filter(tenant_id=self.tenant_id, name__in=wanted).values_list("name", flat=True)
            )
            missing = sorted(wanted - found)
            if missing:
                raise ValidationError({"card_actions": f"This tenant has no tool named {', '.join(missing)}."})

    def snapshot(self) -> dict[str, Any]:
        """The descriptor as data: what a version records and what "changed" compares."""
        return {name: getattr(self, name) for name in SNAPSHOT_FIELDS} | {"tenant": self.tenant_id}


class HttpToolVersion(models.Model):
    """A snapshot of a descriptor as it was saved; written on every change."""

    tool = models.ForeignKey(HttpTool, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tool", "-version"]
        verbose_name = "HTTP tool version"
        constraints = [models.UniqueConstraint(fields=["tool", "version"], name="unique_tool_version")]

    def __str__(self) -> str:
        return f"{self.tool.name} v{self.version}"
