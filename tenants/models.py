"""Tenants and what belongs to them: publishable widget keys, encrypted secrets, limits and branding."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.utils import timezone

from tenants import crypto
from tenants.validators import parse_origins, validate_currency, validate_locale, validate_secret_name


class Channel(models.TextChoices):
    WIDGET = "widget", "Website widget"
    CONSOLE = "console", "Staff console"


class LauncherPosition(models.TextChoices):
    RIGHT = "right", "Bottom right"
    LEFT = "left", "Bottom left"


class LauncherIcon(models.TextChoices):
    MIC = "mic", "Microphone"
    CHAT = "chat", "Speech bubble"


LAUNCHER_LABEL_DEFAULT = "Talk to us"
LAUNCHER_LABEL_MAX = 40


class Tenant(models.Model):
    slug = models.SlugField(max_length=50, unique=True, help_text="Short id used in URLs and records.")
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True, help_text="Inactive tenants get no widget sessions.")
    allowed_origins = models.TextField(
        blank=True,
        help_text="Websites allowed to embed the widget, one origin per line, exactly scheme://host[:port] "
        "(e.g. https://shop.example.com). Nothing else can embed it.",
    )
    brand_color = models.CharField(
        max_length=7,
        default="#2563eb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour like #2563eb.")],
        help_text="The launcher button and the widget's accents, as a hex colour like #2563eb. A site's "
        "data-color on the script tag overrides it for that page.",
    )
    launcher_position = models.CharField(
        max_length=8,
        choices=LauncherPosition.choices,
        default=LauncherPosition.RIGHT,
        help_text="Where the launcher sits on the page; a site's data-position (left or right) overrides it.",
    )
    launcher_label = models.CharField(
        max_length=LAUNCHER_LABEL_MAX,
        blank=True,
        validators=[RegexValidator(r"^[^\r\n]*$", "One line only.")],
        help_text=f"The short label beside the launcher and its accessible name, at most {LAUNCHER_LABEL_MAX} "
        f'characters; empty means "{LAUNCHER_LABEL_DEFAULT}". A site\'s data-label overrides it.',
    )
    launcher_icon = models.CharField(
        max_length=8,
        choices=LauncherIcon.choices,
        default=LauncherIcon.MIC,
        help_text="The launcher's icon; a site's data-icon (mic or chat) overrides it.",
    )
    logo_url = models.URLField(blank=True)
    currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[validate_currency],
        help_text="ISO 4217 code (EUR, USD, GBP) of card prices whose data names no currency.",
    )
    locale = models.CharField(
        max_length=35,
        default="en-US",
        validators=[validate_locale],
        help_text="BCP 47 tag (en-US, de-DE, fr-FR) the widget formats card prices with: 79,00 € in de-DE.",
    )
    welcome_text = models.TextField(blank=True, help_text="Shown on the widget's welcome screen.")
    disclaimer_text = models.TextField(
        blank=True,
        default="This assistant is in beta and can make mistakes. Conversations are recorded to improve it.",
        help_text="The visitor accepts this before the microphone is asked for.",
    )
    privacy_url = models.URLField(
        blank=True,
        validators=[URLValidator(schemes=["https"], message="Use an https:// address.")],
        verbose_name="Privacy policy URL",
        help_text="An https:// address, linked from the widget's consent screen (opens in a new tab). Leave "
        "empty for no link.",
    )
    requests_per_minute = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text="Widget loads per minute from one visitor IP; conversation opens are counted the same way, "
        "separately. Over it the visitor is asked to retry shortly (HTTP 429 with Retry-After).",
    )
    key_requests_per_minute = models.PositiveIntegerField(
        default=300,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text="Widget loads per minute through one widget key, all visitors together (conversation opens "
        "counted separately). Brakes a flood spread over many IPs on one website.",
    )
    tenant_requests_per_minute = models.PositiveIntegerField(
        default=600,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text="Widget loads per minute for the whole tenant, all keys and visitors together (conversation "
        "opens counted separately). Limits are a moving one-minute window, never a fixed clock minute.",
    )
    max_concurrent_sessions = models.PositiveIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    daily_budget_usd = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Spend per UTC day after which new sessions are refused and live ones end (see the step-down "
        "below). 0 switches the assistant off.",
    )
    monthly_budget_usd = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Spend per UTC calendar month, checked like the daily budget. Leave empty for no monthly cap. "
        "Admin and the console show a warning once 80 % of either budget is spent.",
    )
    budget_step_down_percent = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(50), MaxValueValidator(99)],
        help_text="Once this share of the daily or monthly budget is spent, a live conversation steps down: "
        "shorter answers first, then a polite goodbye in the agent's language before the budget runs out, so "
        "spend never passes the budget by more than one answer.",
    )
    max_session_minutes = models.PositiveIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="The upstream allows at most 60.",
    )
    idle_timeout_seconds = models.PositiveIntegerField(
        default=120,
        validators=[MinValueValidator(10), MaxValueValidator(3600)],
        help_text="A session with no visitor audio or text for this long is ended.",
    )
    transcript_retention_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    store_visitor_email = models.BooleanField(
        default=False,
        verbose_name="Keep identified visitors' e-mail addresses",
        help_text="Off (the default): only a hash of an identified visitor's e-mail is kept. On: the address "
        "itself is kept too, in the visitor's user record only, so invoices and analytics can name them.",
    )
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="operated_tenants",
        help_text="Staff users who work on this tenant: in admin they see only their tenants' rows and may do "
        "there what their permissions allow (the Tenant operator group: edit agents, prompts and HTTP tools, read "
        "the tenant and its keys; never secrets); in the console they talk to its agents and read its sessions. "
        "Superusers see every tenant.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            self.allowed_origins = "\n".join(parse_origins(self.allowed_origins))
        except ValidationError as exc:
            raise ValidationError({"allowed_origins": exc.messages}) from None

    @property
    def origins(self) -> list[str]:
        return parse_origins(self.allowed_origins)


def new_public_id() -> str:
    return "pk_" + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")


class WidgetKey(models.Model):
    """A publishable key: an identifier, not a credential; control comes from origins, limits and budgets."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="widget_keys")
    public_id = models.CharField(
        max_length=64,
        unique=True,
        default=new_public_id,
        validators=[RegexValidator(r"^pk_[A-Za-z0-9_]{6,60}$", "Starts with pk_ then letters, digits or _.")],
        help_text="What the site puts in data-key. Safe to publish.",
    )
    label = models.CharField(max_length=120, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WIDGET)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="Set to stop the key at once.")

    class Meta:
        ordering = ["tenant__name", "created_at"]

    def __str__(self) -> str:
        return self.public_id

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None or self.revoked_at > timezone.now()


class SecretKind(models.TextChoices):
    TOOL = "tool", "Tool secret"
    IDENTITY = "identity", "Identity verification secret"


IDENTITY_SECRET_NAME = "IDENTITY_VERIFICATION"


class TenantSecret(models.Model):
    """A value stored encrypted and never shown back: injected only into outgoing tool requests (kind tool), or
    the key the tenant's website signs its visitors' e-mail addresses with (kind identity, one per tenant)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="secrets")
    kind = models.CharField(
        max_length=16,
        choices=SecretKind.choices,
        default=SecretKind.TOOL,
        help_text="Tool secrets go into tool requests; the identity secret only checks visitors' identity hashes.",
    )
    name = models.CharField(
        max_length=64, validators=[validate_secret_name], help_text="Referenced in tool headers as {{secret:NAME}}."
    )
    value_encrypted = models.TextField(editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant__name", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="unique_secret_name_per_tenant")]

    def __str__(self) -> str:
        return f"{self.tenant.slug}:{self.name}"

    def set_value(self, plaintext: str) -> None:
        if not plaintext:
            raise ValidationError({"value": "A secret cannot be empty."})
        self.value_encrypted = crypto.encrypt(plaintext)

    def reveal(self) -> str:
        """The plaintext, for the outgoing request only."""
        return crypto.decrypt(self.value_encrypted)
