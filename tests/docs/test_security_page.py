"""The re-encryption script of docs/security.md, run as the page says: afterwards the tenant secrets read back
under the new SECRETS_ENCRYPTION_KEY, and the old key no longer reads them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import override_settings

from tenants.crypto import SecretDecryptionError
from tenants.models import TenantSecret
from tests.support.factories import make_secret, make_tenant

PAGE = Path(__file__).resolve().parents[2] / "docs" / "security.md"

pytestmark = pytest.mark.django_db


def test_the_pages_rotation_script_re_encrypts_every_tenant_secret_under_the_new_key() -> None:
    script = re.search(r"```python\n(.*?)\n```", PAGE.read_text(), flags=re.S)
    assert script is not None
    make_secret(make_tenant(), name="ACME_API_KEY", value="acme-s3cret")
    old_key, new_key = settings.SECRETS_ENCRYPTION_KEY, Fernet.generate_key()
    code = re.sub(r"^OLD_KEY = .*$", f"OLD_KEY = {old_key.encode()!r}", script.group(1), flags=re.M)
    code = re.sub(r"^NEW_KEY = .*$", f"NEW_KEY = {new_key!r}", code, flags=re.M)
    exec(compile(code, str(PAGE), "exec"), {})  # the page's own script, as an operator runs it

    secret = TenantSecret.objects.get(name="ACME_API_KEY")
    with override_settings(SECRETS_ENCRYPTION_KEY=new_key.decode()):
        assert secret.reveal() == "acme-s3cret"
    with pytest.raises(SecretDecryptionError):
        secret.reveal()  # the old key
