"""Validation rules shared by tenant models and forms."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

SECRET_NAME = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
LOCALE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")


def validate_currency(value: str) -> None:
    """An ISO 4217 code that Babel's CLDR data knows (what Intl.NumberFormat accepts), in capitals."""
    from babel.numbers import list_currencies

    if value not in list_currencies():
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code like EUR or USD.")


def validate_locale(value: str) -> None:
    """A BCP 47 tag like en-US or de-DE, for a language (and region) CLDR knows."""
    from babel import Locale, UnknownLocaleError

    if not LOCALE_TAG.match(value):
        raise ValidationError(f"{value!r} is not a locale tag like en-US or de-DE.")
    try:
        Locale.parse(value, sep="-")
    except (UnknownLocaleError, ValueError):
        raise ValidationError(f"{value!r} is not a locale tag like en-US or de-DE.") from None


def normalize_origin(raw: str) -> str:
    """`scheme://host[:port]` in lower case with default ports dropped; ValidationError if it is not one."""
    value = raw.strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(f"{value!r} is not an origin like https://shop.example.com")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(f"{value!r} must be only scheme, host and port (no path, query or user)")
    if "*" in value:
        raise ValidationError(f"{value!r}: wildcards are not allowed; list each origin")
    try:
        port = parts.port
    except ValueError:
        raise ValidationError(f"{value!r} has an invalid port") from None
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def parse_origins(text: str) -> list[str]:
    """One origin per line (blank lines ignored), each normalised; errors name every bad line."""
    origins: list[str] = []
    errors: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            origin = normalize_origin(line)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if origin not in origins:
            origins.append(origin)
    if errors:
        raise ValidationError(errors)
    return origins


def validate_secret_name(name: str) -> None:
    if not SECRET_NAME.match(name):
        raise ValidationError("Use UPPER_SNAKE_CASE, 2 to 64 characters, starting with a letter (e.g. API_KEY).")
