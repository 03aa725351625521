"""The descriptors of docs/tutorials/http-tool.md pass the platform's own validation, and what the page says
the model sees of them holds: constants hidden, `confirmed` added to the write tool, the secret only a reference."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from httptools.generation import function_definitions
from httptools.services import descriptors_check
from tests.support.factories import make_tenant

PAGE = Path(__file__).resolve().parents[2] / "docs" / "tutorials" / "http-tool.md"

pytestmark = pytest.mark.django_db


def page_descriptors() -> dict[str, dict[str, Any]]:
    blocks = re.findall(r"<!-- example: json descriptor -->\n```json\n(.*?)\n```", PAGE.read_text(), flags=re.S)
    descriptors = [json.loads(block) for block in blocks]
    return {descriptor["name"]: descriptor for descriptor in descriptors}


def test_the_tutorials_descriptors_are_valid_and_the_model_sees_what_the_page_says() -> None:
    descriptors = page_descriptors()
    assert set(descriptors) == {"find_talks", "book_seat"}
    tools, errors = descriptors_check(tenant=make_tenant(), items=list(descriptors.values()))
    assert errors == [[], []], errors
    definitions = {
        definition["name"]: definition["parameters"]
        for definition in function_definitions(t for t in tools if t is not None)
    }

    read = definitions["find_talks"]
    assert set(read["properties"]) == {"topic", "day"}  # event_id is a constant: the model never sees it
    assert "confirmed" not in read["properties"]

    write = definitions["book_seat"]
    assert write["properties"]["confirmed"]["type"] == "boolean"
    assert "confirmed" in write["required"] and "event_id" not in write["properties"]
    assert descriptors["book_seat"]["headers"] == {"Authorization": "Bearer {{secret:ACME_API_KEY}}"}


def test_a_literal_credential_in_the_write_tool_is_refused_as_the_page_says() -> None:
    descriptor = dict(page_descriptors()["book_seat"], headers={"Authorization": "Bearer abc123"})
    _tools, errors = descriptors_check(tenant=make_tenant(), items=[descriptor])
    assert any("tenant secret" in message for message in errors[0]), errors
