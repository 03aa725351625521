"""Identified visitors: a tenant's website signs its visitor's e-mail with the tenant's identity secret.

The site computes `HMAC-SHA256(identity secret, e-mail)` as lower-case hex on its server and puts it in
`data-user-hash` beside `data-user-email`; the platform recomputes it with the same secret. The platform's
own record of the visitor is `emailHash`, the SHA-256 of the normalised address (trimmed, lower case): it
does not depend on the secret, so rotating the secret keeps a visitor's history, and a tenant can compute
it to find its own customer in invoices and analytics.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.db import transaction

from tenants.models import IDENTITY_SECRET_NAME, SecretKind, Tenant, TenantSecret

EMAIL_MAX_CHARS = 254
# Deliberately loose (one @, a dot in the domain, no spaces): the tenant's site vouches for the address.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
HASH_PATTERN = re.compile(r"^[0-9a-fA-F]{64}$")


class IdentityInvalid(Exception):
    """The identity hash does not verify; `code` names why (for the refusal and the count)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VisitorIdentity:
    email_hash: str
    email: str  # normalised; kept only where the tenant enabled it


def email_normalize(email: str) -> str:
    return email.strip().lower()


def email_valid(email: object) -> bool:
    return isinstance(email, str) and len(email) <= EMAIL_MAX_CHARS and bool(EMAIL_PATTERN.match(email.strip()))


def email_hash(email: str) -> str:
    """The platform's key for a visitor: SHA-256 hex of the normalised address."""
    return hashlib.sha256(email_normalize(email).encode()).hexdigest()


def identity_signature(*, secret: str, email: str) -> str:
    """What the tenant's server computes: HMAC-SHA256 of the e-mail exactly as put in data-user-email."""
    return hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()


def identity_secret_value(tenant: Tenant) -> str | None:
    secret = TenantSecret.objects.filter(tenant=tenant, kind=SecretKind.IDENTITY).first()
    return secret.reveal() if secret else None


def identity_secret_exists(tenant: Tenant) -> bool:
    return TenantSecret.objects.filter(tenant=tenant, kind=SecretKind.IDENTITY).exists()


@transaction.atomic
def identity_secret_generate(*, tenant: Tenant) -> str:
    """A new identity secret for the tenant, replacing any old one; the plaintext is returned once, here."""
    value = "va_id_" + secrets.token_urlsafe(32)
    TenantSecret.objects.filter(tenant=tenant, kind=SecretKind.IDENTITY).delete()
    TenantSecret.objects.filter(tenant=tenant, name=IDENTITY_SECRET_NAME).delete()
    secret = TenantSecret(tenant=tenant, kind=SecretKind.IDENTITY, name=IDENTITY_SECRET_NAME)
    secret.set_value(value)
    secret.save()
    return value


def identity_verify(*, tenant: Tenant, email: str | None, presented_hash: str | None) -> VisitorIdentity | None:
    """The visitor's identity when the site vouched for it; None for an anonymous visitor (no hash).

    Raises IdentityInvalid for a hash that does not match, is malformed, comes without an e-mail, or
    arrives for a tenant that has no identity secret."""
    if not presented_hash:
        return None
    if not email or not email_valid(email):
        raise IdentityInvalid("identity_invalid", "data-user-hash was given without a valid data-user-email.")
    if not HASH_PATTERN.match(presented_hash):
        raise IdentityInvalid(
            "identity_invalid", "data-user-hash must be the 64-character hex HMAC-SHA256 of data-user-email."
        )
    secret = identity_secret_value(tenant)
    if secret is None:
        raise IdentityInvalid(
            "identity_not_configured",
            "This site sends visitor identity hashes, but identity verification is not set up for it.",
        )
    expected = identity_signature(secret=secret, email=email)
    if not hmac.compare_digest(expected, presented_hash.lower()):
        raise IdentityInvalid(
            "identity_invalid", "The visitor's identity could not be verified: data-user-hash does not match."
        )
    return VisitorIdentity(email_hash=email_hash(email), email=email_normalize(email))
