from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.utils.html import format_html

from usage import catalogue
from usage.models import ModelKind, ModelPrice

PER_MILLION = "US dollars per 1 million tokens."


def _money(value: Decimal) -> str:
    """4.0000 -> 4.00, 0.0045 -> 0.0045: cents always, more digits only where the price has them."""
    text = f"{value.normalize():f}"
    whole, _, cents = text.partition(".")
    return f"{whole}.{cents.ljust(2, '0')}"


@admin.register(ModelPrice)
class ModelPriceAdmin(admin.ModelAdmin):
    list_display = ["model", "kind", "status", "successor", "prices"]
    list_filter = ["kind"]
    list_select_related = ["successor"]
    search_fields = ["model"]
    autocomplete_fields = ["successor"]
    readonly_fields = ["source_link"]
    fieldsets = [
        (
            None,
            {
                "fields": ["model", "kind", "source", "source_link"],
                "description": "Every model a session may use has one row here, named exactly as the API names "
                "it. Usage is priced by this exact row; a model without a row cannot be chosen for an agent, and a "
                "session that still names one is charged as the dearest row.",
            },
        ),
        (
            "Retirement",
            {
                "fields": ["shutdown_on", "successor"],
                "description": "Agents on this model show a warning 30 days before its shutdown date; from that "
                "day their sessions use the successor and their session records say so.",
            },
        ),
        ("Text", {"fields": ["text_input", "text_cached", "text_output"], "description": PER_MILLION}),
        ("Audio", {"fields": ["audio_input", "audio_cached", "audio_output"], "description": PER_MILLION}),
        ("Image", {"fields": ["image_input", "image_cached"], "description": PER_MILLION}),
        ("Billed by duration", {"fields": ["audio_minute"]}),
    ]

    @admin.display(description="Status")
    def status(self, obj: ModelPrice) -> str:
        if obj.shutdown_on is None:
            return "current"
        days_left = (obj.shutdown_on - catalogue.today()).days
        if days_left <= 0:
            return f"shut down on {obj.shutdown_on:%Y-%m-%d}"
        return f"shuts down {obj.shutdown_on:%Y-%m-%d}, in {days_left} days"

    @admin.display(description="Prices, USD per 1M tokens (in / out)")
    def prices(self, obj: ModelPrice) -> str:
        if obj.audio_minute > 0:
            return f"${_money(obj.audio_minute)} per minute of audio"
        if obj.kind == ModelKind.TRANSCRIPTION:  # audio in, the transcript out
            return f"audio {_money(obj.audio_input)} in · text {_money(obj.text_input)} / {_money(obj.text_output)}"
        text, audio = (obj.text_input, obj.text_output), (obj.audio_input, obj.audio_output)
        return f"text {_money(text[0])} / {_money(text[1])} · audio {_money(audio[0])} / {_money(audio[1])}"

    @admin.display(description="Published at")
    def source_link(self, obj: ModelPrice) -> str:
        if not obj.source.startswith("https://"):
            return obj.source or "-"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', obj.source, obj.source)
