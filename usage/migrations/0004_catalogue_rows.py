from datetime import date
from decimal import Decimal

from django.db import migrations

# The catalogue as published when this migration was written (USD per 1M tokens, or per minute for models billed
# by duration). Frozen here, not imported: a migration must write the same rows on every database. Sources are
# the developers.openai.com model pages named in each row; docs/voice-sessions.md lists which figures are less
# certain.
DOCS = "https://developers.openai.com/api/docs/models/"
FLAGSHIP = {
    "text_input": "4.00", "text_cached": "0.40", "text_output": "24.00",
    "audio_input": "32.00", "audio_cached": "0.40", "audio_output": "64.00",
    "image_input": "5.00", "image_cached": "0.50",
}
FIRST_GA = {**FLAGSHIP, "text_output": "16.00"}
MINI = {
    "text_input": "0.60", "text_cached": "0.06", "text_output": "2.40",
    "audio_input": "10.00", "audio_cached": "0.30", "audio_output": "20.00",
    "image_input": "0.80", "image_cached": "0.08",
}
MINI_TRANSCRIBE = {"text_input": "1.25", "audio_input": "1.25", "text_output": "5.00"}
FOUR_O_TRANSCRIBE = {"text_input": "2.50", "audio_input": "2.50", "text_output": "10.00"}
REALTIME_SHUTDOWN = date(2027, 1, 20)
TRANSCRIPTION_SHUTDOWN = date(2027, 2, 26)

# (name, kind, prices, shutdown, successor, source); successors come before the models they replace.
ROWS = [
    ("gpt-realtime-2.1", "realtime", FLAGSHIP, None, None, DOCS + "gpt-realtime-2.1"),
    ("gpt-realtime-2.1-mini", "realtime", MINI, None, None, DOCS + "gpt-realtime-2.1-mini"),
    ("gpt-realtime-2", "realtime", FLAGSHIP, None, None, DOCS + "gpt-realtime-2"),
    ("gpt-realtime-1.5", "realtime", FIRST_GA, None, None, DOCS + "gpt-realtime-1.5"),
    ("gpt-realtime", "realtime", FIRST_GA, REALTIME_SHUTDOWN, "gpt-realtime-2.1", DOCS + "compare?model=gpt-realtime"),
    ("gpt-realtime-2025-08-28", "realtime", FIRST_GA, REALTIME_SHUTDOWN, "gpt-realtime-2.1", DOCS + "gpt-realtime"),
    ("gpt-realtime-mini", "realtime", MINI, REALTIME_SHUTDOWN, "gpt-realtime-2.1-mini", DOCS + "gpt-realtime-2.1-mini"),
    ("gpt-realtime-mini-2025-12-15", "realtime", MINI, REALTIME_SHUTDOWN, "gpt-realtime-2.1-mini", DOCS + "gpt-realtime-mini"),
    ("gpt-transcribe", "transcription", {"audio_minute": "0.0045"}, None, None, DOCS + "gpt-transcribe"),
    ("gpt-realtime-whisper", "transcription", {"audio_minute": "0.017"}, None, None, DOCS + "gpt-realtime-whisper"),
    ("gpt-4o-mini-transcribe", "transcription", MINI_TRANSCRIBE, TRANSCRIPTION_SHUTDOWN, "gpt-transcribe", DOCS + "gpt-4o-mini-transcribe"),
    ("gpt-4o-mini-transcribe-2025-12-15", "transcription", MINI_TRANSCRIBE, TRANSCRIPTION_SHUTDOWN, "gpt-transcribe", DOCS + "gpt-4o-mini-transcribe"),
    ("gpt-4o-transcribe", "transcription", FOUR_O_TRANSCRIBE, TRANSCRIPTION_SHUTDOWN, "gpt-transcribe", DOCS + "gpt-4o-transcribe"),
    ("whisper-1", "transcription", {"audio_minute": "0.006"}, TRANSCRIPTION_SHUTDOWN, "gpt-transcribe", DOCS + "whisper-1"),
]


def add_rows(apps, schema_editor):
    ModelPrice = apps.get_model("usage", "ModelPrice")
    for name, kind, prices, shutdown_on, successor, source in ROWS:
        retirement = {
            "kind": kind,
            "shutdown_on": shutdown_on,
            "successor": ModelPrice.objects.get(model=successor) if successor else None,
            "source": source,
        }
        row, created = ModelPrice.objects.get_or_create(
            model=name, defaults={**{k: Decimal(v) for k, v in prices.items()}, **retirement}
        )
        if not created:  # a row the admin already has keeps its prices; it learns its kind and retirement
            for field, value in retirement.items():
                setattr(row, field, value)
            row.save()


class Migration(migrations.Migration):
    dependencies = [("usage", "0003_catalogue")]
    operations = [migrations.RunPython(add_rows, migrations.RunPython.noop)]
