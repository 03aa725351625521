"""Draft with AI: the OpenAI API proposes a descriptor from pasted documentation or an example request.

The proposal goes through the same review page as the importers and is saved only when staff confirm it.
Free-form parts (schemas, templates) travel as JSON strings so the response format can be strict.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings

from httptools.importers import Proposal
from httptools.redaction import CREDENTIAL_NAME
from httptools.validation import SECRET_REF
from httptools.visuals import VISUALS

MAX_DOCUMENTATION_CHARS = 40_000
JSON_STRING_FIELDS = (
    "query_params",
    "headers",
    "body_template",
    "arguments_schema",
    "constants",
    "response_mapping",
    "visual_props",
)


class DraftUnavailable(Exception):
    """No OPENAI_API_KEY is configured, or the API could not be reached."""


def draft_available() -> bool:
    return bool(getattr(settings, "OPENAI_API_KEY", ""))


def draft_schema() -> dict[str, Any]:
    """The structured-output schema (strict: every property required, no extras)."""
    properties: dict[str, Any] = {
        "name": {"type": "string", "description": "snake_case tool name, e.g. search_products"},
        "description": {"type": "string", "description": "For the voice agent: what it does and when to use it."},
        "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
        "base_url": {"type": "string", "description": "scheme://host[:port] only, no path"},
        "path_template": {"type": "string", "description": "Path with {param} slots, starting with /"},
        "effect": {"type": "string", "enum": ["read", "write", "irreversible"]},
        "visual": {"type": "string", "enum": ["", *sorted(VISUALS)]},
        "notes": {"type": "string", "description": "Anything the reviewer should check."},
    }
    for name in JSON_STRING_FIELDS:
        properties[f"{name}_json"] = {"type": "string", "description": f"{name} as a JSON text"}
    return {"type": "object", "properties": properties, "required": sorted(properties), "additionalProperties": False}


INSTRUCTIONS = """You turn API documentation or an example request into one HTTP tool descriptor for a voice agent.
Rules:
- base_url is only scheme, host and port. The rest of the path goes in path_template with {param} slots.
- arguments_schema_json is a JSON Schema object with "additionalProperties": false; every {param} slot in the path,
  query or body must be an argument property or a constants_json key.
- query_params_json maps each query parameter to a template like "{query}".
- body_template_json is the JSON body with string values exactly "{param}" where arguments go, or null.
- headers_json may only reference credentials as {{secret:UPPER_SNAKE_NAME}}; never copy a real key or token.
- effect: read for lookups, write for changes, irreversible for deletions or payments.
- response_mapping_json: {"items": "<dotted path to the result list>", "fields": [..], "max_items": 5,
  "max_chars": 2000}.
- visual: one of the listed card names, or "" for none; visual_props_json maps each card prop to a dotted path
  into the response ("$" for the whole response).
Cards: """ + "; ".join(
    f"{v.name}: {v.description} Props: {', '.join(v.props_schema.get('properties', {}))}" for v in VISUALS.values()
)


def draft_propose(*, documentation: str) -> Proposal:
    """Ask the editor model for a descriptor; DraftUnavailable without a key or when the call fails."""
    if not draft_available():
        raise DraftUnavailable("Draft with AI needs OPENAI_API_KEY, which is not set on this server.")
    # Deferred on purpose: the SDK takes about half a second to import and only this call needs it, so every
    # web process and manage.py command would otherwise pay it at start-up.
    import openai

    client = openai.OpenAI(
        api_key=settings.OPENAI_API_KEY, base_url=settings.OPENAI_BASE_URL, timeout=60.0, max_retries=1
    )
    try:
        response = client.responses.create(
            model=settings.OPENAI_EDITOR_MODEL,
            instructions=INSTRUCTIONS,
            input=documentation[:MAX_DOCUMENTATION_CHARS],
            text={
                "format": {
                    "type": "json_schema",
                    "name": "http_tool_descriptor",
                    "schema": draft_schema(),
                    "strict": True,
                }
            },
        )
        draft = json.loads(response.output_text)
    except (openai.OpenAIError, ValueError) as exc:
        # The exception class only: the API's message could echo pasted text back into the page.
        raise DraftUnavailable(f"The OpenAI API call failed ({type(exc).__name__}). Try again later.") from None
    return draft_to_proposal(draft)


def draft_to_proposal(draft: dict[str, Any]) -> Proposal:
    """The model's (or a canned) draft as review data; unparseable parts become notes, not errors."""
    notes: list[str] = []
    if str(draft.get("notes") or "").strip():
        notes.append("From the draft: " + " ".join(str(draft["notes"]).split())[:500])
    data: dict[str, Any] = {
        "name": str(draft.get("name") or "new_tool"),
        "description": str(draft.get("description") or ""),
        "method": str(draft.get("method") or "GET").upper(),
        "base_url": str(draft.get("base_url") or ""),
        "path_template": str(draft.get("path_template") or "/"),
        "effect": str(draft.get("effect") or "read"),
        "visual": str(draft.get("visual") or ""),
    }
    defaults: dict[str, Any] = {
        "query_params": {},
        "headers": {},
        "body_template": None,
        "arguments_schema": {"type": "object", "properties": {}, "additionalProperties": False},
        "constants": {},
        "response_mapping": {"max_items": 5, "max_chars": 2000},
        "visual_props": {},
    }
    for name in JSON_STRING_FIELDS:
        raw = draft.get(f"{name}_json", draft.get(name))
        if isinstance(raw, str):
            try:
                value = json.loads(raw) if raw.strip() else defaults[name]
            except ValueError:
                notes.append(f"{name} was not valid JSON and was reset; fill it in.")
                value = defaults[name]
        else:
            value = raw if raw is not None else defaults[name]
        data[name] = value
    if isinstance(data["headers"], dict):
        for key, value in list(data["headers"].items()):
            if CREDENTIAL_NAME.search(str(key)) and not SECRET_REF.search(str(value)):
                secret = re.sub(r"[^A-Z0-9]+", "_", str(key).upper()).strip("_") or "API_KEY"
                secret = secret if secret[0].isalpha() else f"API_{secret}"
                data["headers"][key] = "{{secret:" + secret[:64] + "}}"
                notes.append(f"The {key} header looked like a credential; it now references the secret {secret}.")
    if isinstance(data["arguments_schema"], dict):
        data["arguments_schema"]["additionalProperties"] = False
    return Proposal(key="draft", data=data, notes=notes)
