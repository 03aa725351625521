from __future__ import annotations

from django.contrib import admin

from usage.models import ModelPrice


@admin.register(ModelPrice)
class ModelPriceAdmin(admin.ModelAdmin):
    list_display = [
        "model",
        "text_input",
        "text_cached",
        "text_output",
        "audio_input",
        "audio_cached",
        "audio_output",
        "updated_at",
    ]
    search_fields = ["model"]
    fieldsets = [
        (None, {"fields": ["model"], "description": "US dollars per 1 million tokens."}),
        ("Text", {"fields": ["text_input", "text_cached", "text_output"]}),
        ("Audio", {"fields": ["audio_input", "audio_cached", "audio_output"]}),
        ("Image", {"fields": ["image_input", "image_cached"]}),
    ]
