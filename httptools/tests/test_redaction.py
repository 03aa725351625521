"""One credential-name pattern: validation, the curl importer, Draft with AI and tool_logs agree on it."""

from __future__ import annotations

import pytest

from httptools.editor import draft_to_proposal
from httptools.importers import curl_proposal
from httptools.redaction import REDACTED, arguments_redact, scrub
from httptools.validation import header_problems

CREDENTIAL_NAMES = [
    "Authorization",
    "X-Api-Key",
    "X-Auth-Token",
    "Cookie",
    "X-Signature",
    "X-Card-Number",
    "X-Pass",
    "X-User-Password",
    "X-Passphrase",
    "X-Admin-Pass",
]


@pytest.mark.parametrize("key", ["password", "userPass", "dbPass", "adminpass", "passport_number", "passportNumber"])
def test_credential_named_argument_keys_are_redacted_in_tool_logs(key):
    assert arguments_redact({key: "literal-value", "query": "shoes"}, {}) == {key: REDACTED, "query": "shoes"}


@pytest.mark.parametrize("name", CREDENTIAL_NAMES)
def test_every_stage_treats_a_credential_named_header_the_same_way(name):
    assert any("tenant secret" in problem for problem in header_problems(name, "literal-value"))
    assert header_problems(name, "{{secret:SHOP_KEY}}") == []
    imported = curl_proposal(f"curl -H '{name}: literal-value' https://api.example.com/items")
    assert "{{secret:" in imported.data["headers"][name] and "literal-value" not in str(imported.data)
    drafted = draft_to_proposal({"headers_json": f'{{"{name}": "literal-value"}}'})
    assert drafted.data["headers"][name].startswith("{{secret:")
    assert arguments_redact({name.lower(): "literal-value"}, {}) == {name.lower(): REDACTED}


@pytest.mark.parametrize("name", ["X-Locale", "X-Bypass-Cache", "X-Compass-Heading"])
def test_ordinary_headers_and_keys_are_left_alone(name):
    assert header_problems(name, "en") == []
    assert arguments_redact({"passenger_count": 2}, {}) == {"passenger_count": 2}
    assert curl_proposal("curl -H 'X-Locale: en' https://api.example.com/items").data["headers"] == {"X-Locale": "en"}
    assert arguments_redact({"query": "shoes", "size": 42}, {}) == {"query": "shoes", "size": 42}


def test_secret_values_are_scrubbed_wherever_they_appear_but_short_ones_are_not():
    secrets = {"SHOP_KEY": "k-1234567890", "PIN": "42"}
    value = {"headers": [("X-Echo", "k-1234567890")], "text": b"key=k-1234567890 size 42"}
    assert scrub(value, secrets) == {"headers": [("X-Echo", REDACTED)], "text": f"key={REDACTED} size 42".encode()}
