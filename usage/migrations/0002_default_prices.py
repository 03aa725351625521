from decimal import Decimal

from django.db import migrations

# The published prices (USD per 1M tokens) as they stood when this migration was written. Frozen here, not
# imported from usage.pricing: a migration must insert the same rows on every database, whatever the live
# defaults become later.
DEFAULT_PRICES = {
    "gpt-realtime": {
        "text_input": "4.00",
        "text_cached": "0.40",
        "text_output": "16.00",
        "audio_input": "32.00",
        "audio_cached": "0.40",
        "audio_output": "64.00",
        "image_input": "5.00",
        "image_cached": "0.50",
    },
    "gpt-realtime-mini": {
        "text_input": "0.60",
        "text_cached": "0.06",
        "text_output": "2.40",
        "audio_input": "10.00",
        "audio_cached": "0.30",
        "audio_output": "20.00",
        "image_input": "0.80",
        "image_cached": "0.08",
    },
}


def add_defaults(apps, schema_editor):
    ModelPrice = apps.get_model("usage", "ModelPrice")
    for model, prices in DEFAULT_PRICES.items():
        ModelPrice.objects.get_or_create(model=model, defaults={k: Decimal(v) for k, v in prices.items()})


class Migration(migrations.Migration):
    dependencies = [("usage", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
