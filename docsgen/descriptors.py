"""The HTTP tool descriptor: its fields from the model (what a version snapshots), the save-time rules'
constants, and the cards of the visuals registry with their props schemas."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import NOT_PROVIDED, Field

from httptools import validation
from httptools.models import SNAPSHOT_FIELDS, HttpTool
from httptools.visuals import VISUALS


def _cell(text: Any) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def _default(field: Field[Any, Any]) -> str:
    if field.default is NOT_PROVIDED:
        return ""
    value = field.default() if callable(field.default) else field.default
    return f"`{json.dumps(value)}`"


def fields() -> list[Field[Any, Any]]:
    return [HttpTool._meta.get_field(name) for name in SNAPSHOT_FIELDS]  # type: ignore[misc]


def markdown() -> str:
    out = ["## Fields", "", "| field | type | default | choices | meaning |", "|---|---|---|---|---|"]
    for field in fields():
        choices = ", ".join(f"`{value}`" for value, _ in field.choices or [])
        out.append(
            f"| `{field.name}` | {field.get_internal_type()} | {_default(field)} | {choices} | "
            f"{_cell(field.help_text)} |"
        )
    out += [
        "",
        "## Save-time rules",
        "",
        f"- `name` matches `{validation.TOOL_NAME.pattern}`.",
        f"- Secrets go only in header values, as `{{{{secret:NAME}}}}` (matching `{validation.SECRET_REF.pattern}`).",
        "- Header names a descriptor may not set: " + ", ".join(f"`{h}`" for h in sorted(validation.FORBIDDEN_HEADERS)),
        "- `response_mapping` keys: " + ", ".join(f"`{key}`" for key in sorted(validation.MAPPING_KEYS)),
        "",
        "## Cards",
        "",
        "The visuals registry: the `visual` a descriptor names and the `visual_props` it maps from the response.",
        "",
    ]
    for visual in VISUALS.values():
        properties = visual.props_schema.get("properties", {})
        required = set(visual.props_schema.get("required", []))
        out += [f"### `{visual.name}`", "", visual.description, ""]
        if properties:
            out += ["| prop | type | required |", "|---|---|---|"]
            for name, prop in properties.items():
                out.append(f"| `{name}` | {_cell(prop.get('type', 'any'))} | {'yes' if name in required else ''} |")
            out.append("")
    return "\n".join(out) + "\n"
