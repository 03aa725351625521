"""Agents and the versioned prompt library."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from tenants.models import Tenant, WidgetKey
from usage import catalogue
from usage.models import ModelKind

PROMPT_TEXT_FIELDS = ("identity", "task", "tone", "rules", "examples")
# New agents' models: current rows of the seeded catalogue (a test checks the installed SDK does not list them
# as deprecated).
DEFAULT_REALTIME_MODEL = "gpt-realtime-2.1"
DEFAULT_TRANSCRIPTION_MODEL = "gpt-transcribe"
VOICES = [(v, v) for v in ("marin", "cedar", "alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse")]


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class Prompt(models.Model):
    """A prompt's working draft; `prompt_publish` freezes the draft into a new PromptVersion."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="prompts")
    name = models.CharField(max_length=120)
    identity = models.TextField(help_text="Who the agent is, in one or two sentences.")
    task = models.TextField(help_text="What it helps visitors do.")
    tone = models.TextField(blank=True, help_text="How it speaks: length of answers, formality.")
    rules = models.TextField(blank=True, help_text="Things it must or must not do, one per line.")
    examples = models.TextField(blank=True, help_text="Example exchanges, optional.")
    published_version = models.ForeignKey(
        "PromptVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant__name", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="unique_prompt_name_per_tenant")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Browsers send CRLF from textareas: one line ending, so a diff or a publish never sees a phantom change.
        for name in PROMPT_TEXT_FIELDS:
            setattr(self, name, normalize_newlines(getattr(self, name)))
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if not self.identity.strip() or not self.task.strip():
            raise ValidationError("A prompt needs at least an identity and a task.")


class PromptVersion(models.Model):
    """An immutable snapshot of a prompt; never edited once written."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    identity = models.TextField()
    task = models.TextField()
    tone = models.TextField(blank=True)
    rules = models.TextField(blank=True)
    examples = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["prompt", "-number"]
        constraints = [models.UniqueConstraint(fields=["prompt", "number"], name="unique_prompt_version_number")]

    def __str__(self) -> str:
        return f"{self.prompt.name} v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValidationError("Prompt versions are immutable; publish a new version instead.")
        super().save(*args, **kwargs)

    def render(self) -> str:
        """The instructions text for the model, section by section."""
        sections = [
            ("Identity", self.identity),
            ("Task", self.task),
            ("Tone", self.tone),
            ("Rules", self.rules),
            ("Examples", self.examples),
        ]
        return "\n\n".join(f"# {title}\n{body.strip()}" for title, body in sections if body.strip())


class Agent(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="agents")
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    is_default = models.BooleanField(
        "default agent",
        default=False,
        help_text="Website visitors reach this agent unless their widget key names another. One per tenant; "
        "without one, the tenant's oldest active agent answers.",
    )
    model = models.CharField(
        max_length=64,
        default=DEFAULT_REALTIME_MODEL,
        help_text="The realtime model that answers; one of the rows under Usage › Models and prices.",
    )
    transcription_model = models.CharField(
        max_length=64,
        default=DEFAULT_TRANSCRIPTION_MODEL,
        help_text="Writes down what the visitor says, for the transcript; billed at its own price.",
    )
    voice = models.CharField(max_length=32, choices=VOICES, default="marin")
    language = models.CharField(max_length=16, default="en", help_text="ISO 639-1 code, e.g. en, es, de.")
    greeting = models.CharField(max_length=300, blank=True, help_text="Spoken first when a session opens.")
    prompt = models.ForeignKey(
        Prompt,
        on_delete=models.PROTECT,
        related_name="agents",
        help_text="Sessions use this prompt's published version.",
    )
    fallback_message = models.CharField(
        max_length=300,
        default="Sorry, I can't help with that right now.",
        help_text="What the agent says when a tool fails or a request is out of scope.",
    )
    escalation_contact = models.CharField(
        max_length=200, blank=True, help_text="Where to send visitors who need a human (email, phone or URL)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="unique_agent_name_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=models.Q(is_default=True),
                name="one_default_agent_per_tenant",
                violation_error_message="This tenant already has a default agent: untick Default agent on it first.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.prompt_id and self.tenant_id and self.prompt.tenant_id != self.tenant_id:
            raise ValidationError({"prompt": "The prompt belongs to another tenant."})
        if self.prompt_id and self.prompt.published_version_id is None:
            raise ValidationError({"prompt": "Publish this prompt before an agent uses it."})
        if not self.language.isalpha() or not 2 <= len(self.language) <= 3:
            raise ValidationError({"language": "Use a 2 or 3 letter ISO 639 code such as en."})
        self.language = self.language.lower()
        missing = {
            field: f"{name!r} is not a {kind.value} model in the catalogue: add its row under "
            "Usage › Models and prices (with its prices) before an agent uses it."
            for field, name, kind in (
                ("model", self.model, ModelKind.REALTIME),
                ("transcription_model", self.transcription_model, ModelKind.TRANSCRIPTION),
            )
            if not catalogue.catalogue_has(name=name, kind=kind)
        }
        if missing:
            raise ValidationError(missing)


class AgentTool(models.Model):
    """Which tools an agent may use, per channel."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="agent_tools")
    tool = models.ForeignKey("httptools.HttpTool", on_delete=models.CASCADE, related_name="agent_tools")
    on_widget = models.BooleanField(default=True, help_text="Visitors on the website can use it.")
    on_console = models.BooleanField(default=True, help_text="Staff in the console can use it.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "tool"], name="unique_tool_per_agent")]

    def __str__(self) -> str:
        return f"{self.agent} → {self.tool}"

    def clean(self) -> None:
        if self.agent_id and self.tool_id and self.agent.tenant_id != self.tool.tenant_id:
            raise ValidationError({"tool": "The tool belongs to another tenant."})


class WidgetKeyAgent(models.Model):
    """A widget key that opens a chosen agent instead of the tenant's default (e.g. a key for the help pages)."""

    key = models.OneToOneField(WidgetKey, on_delete=models.CASCADE, related_name="agent_route")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="key_routes")

    class Meta:
        verbose_name = "agent of a widget key"

    def __str__(self) -> str:
        return f"{self.key} → {self.agent}"

    def clean(self) -> None:
        if self.key_id and self.agent_id and self.key.tenant_id != self.agent.tenant_id:
            raise ValidationError({"agent": "The agent belongs to another tenant."})
