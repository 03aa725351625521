from decimal import Decimal

from django.db import migrations

from usage.pricing import DEFAULT_PRICES


def add_defaults(apps, schema_editor):
    ModelPrice = apps.get_model("usage", "ModelPrice")
    for model, prices in DEFAULT_PRICES.items():
        ModelPrice.objects.get_or_create(model=model, defaults={k: Decimal(v) for k, v in prices.items()})


class Migration(migrations.Migration):
    dependencies = [("usage", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
