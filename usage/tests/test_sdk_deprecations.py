"""The installed openai SDK's own model lists against the catalogue: an SDK upgrade that deprecates a model we
default to, or announces a shutdown the catalogue does not know, fails here before the API refuses sessions."""

from __future__ import annotations

import ast
import inspect
import re
import typing
from datetime import date
from types import ModuleType

import pytest
from openai.types.realtime import audio_transcription, realtime_session_create_request
from openai.types.realtime.audio_transcription import AudioTranscription
from openai.types.realtime.realtime_session_create_request import RealtimeSessionCreateRequest

from agents.models import DEFAULT_REALTIME_MODEL, DEFAULT_TRANSCRIPTION_MODEL
from usage.models import ModelKind, ModelPrice

# One bullet of a field docstring's "Deprecated values:" list, e.g.
#   - "gpt-realtime", "gpt-realtime-mini": Announced shutdown date: 2027-01-20. See ...
BULLET = re.compile(r'-\s+((?:"[^"]+",?\s*)+):\s+Announced shutdown date:\s+(\d{4}-\d{2}-\d{2})')


def field_docstring(module: ModuleType, class_name: str, field: str) -> str:
    """The string literal under `field` in the class body (the SDK documents fields that way, not in pydantic)."""
    tree = ast.parse(inspect.getsource(module))
    [klass] = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == class_name]
    for node, following in zip(klass.body, klass.body[1:], strict=False):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == field:
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
                return str(following.value.value)
    raise AssertionError(f"{class_name}.{field} has no docstring in the installed SDK")


def deprecated(module: ModuleType, class_name: str) -> dict[str, date]:
    doc = " ".join(field_docstring(module, class_name, "model").split())
    found = {
        name: date.fromisoformat(day) for names, day in BULLET.findall(doc) for name in re.findall(r'"([^"]+)"', names)
    }
    # The SDK marks these today; if the parse ever finds none, the docstring changed shape, not the catalogue.
    assert found, f"no 'Deprecated values' found in {class_name}.model: the SDK's docstring format changed"
    return found


def listed(model_class: type) -> set[str]:
    annotation = model_class.model_fields["model"].annotation
    return {value for arg in typing.get_args(annotation) for value in typing.get_args(arg) if isinstance(value, str)}


REALTIME = (realtime_session_create_request, "RealtimeSessionCreateRequest", RealtimeSessionCreateRequest)
TRANSCRIPTION = (audio_transcription, "AudioTranscription", AudioTranscription)


@pytest.mark.parametrize(
    ("source", "default"), [(REALTIME, DEFAULT_REALTIME_MODEL), (TRANSCRIPTION, DEFAULT_TRANSCRIPTION_MODEL)]
)
def test_new_agents_default_to_models_the_installed_sdk_lists_and_does_not_deprecate(
    source: tuple[ModuleType, str, type], default: str
) -> None:
    module, class_name, model_class = source
    assert default in listed(model_class), f"{default} is not among {class_name}.model's values"
    assert default not in deprecated(module, class_name), (
        f"the installed openai SDK deprecates {default} (shutdown {deprecated(module, class_name)[default]}): "
        "move the default to its successor and add the successor's row"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "kind"), [(REALTIME, ModelKind.REALTIME), (TRANSCRIPTION, ModelKind.TRANSCRIPTION)])
def test_every_model_the_sdk_deprecates_has_its_shutdown_date_and_a_live_successor_in_the_catalogue(
    source: tuple[ModuleType, str, type], kind: str
) -> None:
    module, class_name, _ = source
    announced = deprecated(module, class_name)
    rows = {row.model: row for row in ModelPrice.objects.filter(kind=kind).select_related("successor")}
    for name, row in rows.items():
        if name in announced:
            assert row.shutdown_on == announced[name], f"{name}: the SDK announces shutdown on {announced[name]}"
            assert row.successor is not None, f"{name} retires on {announced[name]} without a successor"
        if row.successor is not None:
            assert row.successor.model not in announced, f"{name}'s successor {row.successor.model} is deprecated"
    for default in (DEFAULT_REALTIME_MODEL, DEFAULT_TRANSCRIPTION_MODEL):
        assert default in rows or ModelPrice.objects.filter(model=default).exists()
