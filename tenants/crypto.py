"""Encryption at rest for tenant secrets (Fernet: AES-128-CBC with HMAC-SHA256)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretDecryptionError(Exception):
    """A stored secret could not be decrypted (wrong SECRETS_ENCRYPTION_KEY or tampered value)."""


def _fernet() -> Fernet:
    return Fernet(settings.SECRETS_ENCRYPTION_KEY.encode())


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError("stored secret cannot be decrypted with SECRETS_ENCRYPTION_KEY") from None
