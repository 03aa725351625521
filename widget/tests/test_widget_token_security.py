"""The token bootstrap mints: forged, tampered, expired or claim-less tokens are refused, and a token is
bound to the tenant and origin it was minted for (docs/widget.md, "The widget token")."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from agents.services import session_admit
from tenants.models import Tenant
from tenants.tokens import ALGORITHM, AUDIENCE, ISSUER, TokenInvalid, token_verify
from tests.support.factories import make_agent, make_key, make_tenant

SHOP = "https://shop.example.com"
pytestmark = pytest.mark.django_db


@pytest.fixture
def minted(client: Client, redis_conn: Any) -> dict[str, Any]:
    tenant = make_tenant(allowed_origins=SHOP)
    make_agent(tenant)
    answer = client.post(
        "/api/widget/bootstrap", {"key": make_key(tenant).public_id}, content_type="application/json", HTTP_ORIGIN=SHOP
    )
    token = answer.json()["token"]
    return {"tenant": tenant, "token": token, "payload": jwt.decode(token, options={"verify_signature": False})}


def _b64(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _sign(payload: dict[str, Any], *, algorithm: str = ALGORITHM, secret: str | None = None) -> str:
    return jwt.encode(payload, secret or settings.WIDGET_TOKEN_SECRET, algorithm=algorithm)


def test_the_minted_token_verifies(minted: Any) -> None:
    assert token_verify(minted["token"]).tenant_id == minted["tenant"].pk


def test_alg_none_is_refused(minted: Any) -> None:
    unsigned = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(minted["payload"]) + "."

    with pytest.raises(TokenInvalid):
        token_verify(unsigned)


def test_another_algorithm_with_the_same_secret_is_refused(minted: Any) -> None:
    with pytest.raises(TokenInvalid):
        token_verify(_sign(minted["payload"], algorithm="HS512"))


def test_a_token_signed_with_another_secret_is_refused(minted: Any) -> None:
    with pytest.raises(TokenInvalid):
        token_verify(_sign(minted["payload"], secret="x" * 48))


def test_a_tampered_payload_is_refused(minted: Any) -> None:
    header, _, signature = minted["token"].split(".")
    forged = {**minted["payload"], "sub": str(minted["tenant"].pk + 1), "origin": "https://evil.test"}

    with pytest.raises(TokenInvalid):
        token_verify(f"{header}.{_b64(forged)}.{signature}")


def test_an_expired_token_is_refused(minted: Any) -> None:
    now = int(time.time())
    with pytest.raises(TokenInvalid):
        token_verify(_sign({**minted["payload"], "iat": now - 900, "nbf": now - 900, "exp": now - 60}))


def test_a_not_yet_valid_token_is_refused(minted: Any) -> None:
    now = int(time.time())
    with pytest.raises(TokenInvalid):
        token_verify(_sign({**minted["payload"], "nbf": now + 300, "exp": now + 600}))


@pytest.mark.parametrize("claim", ["iss", "aud", "sub", "exp", "iat", "jti", "kid", "ch", "origin"])
def test_a_token_missing_a_required_claim_is_refused(minted: Any, claim: str) -> None:
    payload = {k: v for k, v in minted["payload"].items() if k != claim}

    with pytest.raises(TokenInvalid):
        token_verify(_sign(payload))


@pytest.mark.parametrize("claim, value", [("aud", "someone.else"), ("iss", "someone-else")])
def test_a_wrong_audience_or_issuer_is_refused(minted: Any, claim: str, value: str) -> None:
    assert minted["payload"]["aud"] == AUDIENCE and minted["payload"]["iss"] == ISSUER

    with pytest.raises(TokenInvalid):
        token_verify(_sign({**minted["payload"], claim: value}))


def test_a_token_for_one_tenant_is_refused_for_another(minted: Any) -> None:
    # Even correctly signed (a bug elsewhere), A's key and origin do not open a session for B.
    other = make_tenant(slug="cypress", allowed_origins="https://cypress.example.org")
    make_agent(other)
    claims = token_verify(_sign({**minted["payload"], "sub": str(other.pk), "jti": "other-tenant"}))

    with pytest.raises(TokenInvalid):
        session_admit(claims=claims, user=AnonymousUser(), session_id="s-other-tenant")


def test_a_token_is_refused_once_its_origin_leaves_the_allowlist(minted: Any) -> None:
    claims = token_verify(minted["token"])
    assert claims.origin == SHOP
    Tenant.objects.filter(pk=minted["tenant"].pk).update(allowed_origins="https://elsewhere.example.com")

    with pytest.raises(TokenInvalid):
        session_admit(claims=claims, user=AnonymousUser(), session_id="s-origin-gone")


@pytest.mark.parametrize(
    "extra",
    [
        {"jku": "https://evil.test/jwks.json"},
        {"jwk": {"kty": "oct", "k": "c2VjcmV0"}},
        {"x5u": "https://evil.test/cert.pem"},
        {"x5c": ["MIIB"]},
        {"crit": ["exp"]},
        {"kid": "../../etc/passwd"},
        {"cty": "JWT"},
    ],
    ids=lambda extra: next(iter(extra)),
)
def test_a_header_with_anything_beyond_alg_and_typ_is_refused_even_when_signed_right(
    minted: Any, extra: dict[str, Any]
) -> None:
    # Signed with the platform's own secret: only the header differs from what bootstrap mints.
    with pytest.raises(TokenInvalid, match="header"):
        token_verify(jwt.encode(minted["payload"], settings.WIDGET_TOKEN_SECRET, algorithm=ALGORITHM, headers=extra))


@pytest.mark.parametrize(
    "header",
    [{"alg": ALGORITHM}, {"alg": ALGORITHM, "typ": "at+jwt"}, {"typ": "JWT", "alg": ALGORITHM, "b64": True}, ["HS256"]],
    ids=["no typ", "other typ", "b64", "not an object"],
)
def test_a_header_other_than_the_minted_one_is_refused_even_when_signed_right(minted: Any, header: Any) -> None:
    _, payload, _ = minted["token"].split(".")
    signing_input = f"{_b64(header)}.{payload}".encode()
    mac = hmac.new(settings.WIDGET_TOKEN_SECRET.encode(), signing_input, hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    with pytest.raises(TokenInvalid, match="header"):
        token_verify(f"{signing_input.decode()}.{signature}")


def test_the_minted_header_is_exactly_alg_and_typ(minted: Any) -> None:
    assert jwt.get_unverified_header(minted["token"]) == {"alg": ALGORITHM, "typ": "JWT"}
