from decimal import Decimal

from django.db import migrations

DEFAULTS = {
    "gpt-realtime": ("4.00", "0.40", "16.00", "32.00", "0.40", "64.00", "5.00", "0.50"),
    "gpt-realtime-mini": ("0.60", "0.06", "2.40", "10.00", "0.30", "20.00", "0.80", "0.08"),
}
FIELDS = ("text_input", "text_cached", "text_output", "audio_input", "audio_cached", "audio_output",
          "image_input", "image_cached")


def add_defaults(apps, schema_editor):
    ModelPrice = apps.get_model("usage", "ModelPrice")
    for model, prices in DEFAULTS.items():
        ModelPrice.objects.get_or_create(model=model, defaults={f: Decimal(p) for f, p in zip(FIELDS, prices)})


class Migration(migrations.Migration):
    dependencies = [("usage", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
