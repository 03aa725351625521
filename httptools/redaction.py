"""What counts as a credential, and how secrets are kept out of what the model, the logs and staff see.

`CREDENTIAL_NAME` is the one pattern for "this header or key names a credential": save-time validation
requires a tenant secret for such a header, the curl importer and Draft with AI turn such headers into
`{{secret:NAME}}` references, and the executor drops such headers on a cross-origin redirect and redacts
such argument keys in tool_logs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# "pass" as a word's end (X-Pass, userPass, adminpass) or in password/passphrase/passcode/passport, but not in
# bypass, compass or passenger: X-Bypass-Cache and passenger_count are not credentials.
CREDENTIAL_NAME = re.compile(
    r"pass(?:w|phrase|code|port)|(?<!by)(?<!com)pass(?![a-z])|secret|token|api[-_]?key|authori[sz]ation|cookie"
    r"|signature|cvv|cvc|card[-_]?number",
    re.IGNORECASE,
)
MASK = "••••••"
REDACTED = "[redacted]"
MIN_SCRUBBED_CHARS = 4  # shorter values would blank out ordinary text wherever they happen to occur


def scrub(value: Any, secrets: Mapping[str, str]) -> Any:
    """Replace every secret value (4+ characters) wherever it appears, recursively."""
    values = [s for s in secrets.values() if len(s) >= MIN_SCRUBBED_CHARS]
    if not values:
        return value
    if isinstance(value, str):
        for secret in values:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, bytes):
        return scrub(value.decode("utf-8", errors="replace"), secrets).encode()
    if isinstance(value, dict):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub(v, secrets) for v in value)
    return value


def arguments_redact(arguments: Any, secrets: Mapping[str, str]) -> Any:
    """The model's arguments as tool_logs keeps them: credential-like keys blanked, secret values scrubbed."""
    if isinstance(arguments, dict):
        return {
            k: REDACTED if CREDENTIAL_NAME.search(str(k)) else arguments_redact(v, secrets)
            for k, v in arguments.items()
        }
    if isinstance(arguments, list):
        return [arguments_redact(v, secrets) for v in arguments]
    return scrub(arguments, secrets)
