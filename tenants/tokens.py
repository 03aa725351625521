"""Widget session tokens: short-lived JWTs bound to a tenant, key, channel and origin; single use."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings
from redis.exceptions import RedisError

from config import redis

ALGORITHM = "HS256"  # pinned: verification never trusts the token's own header
ISSUER = "voiceagents"
AUDIENCE = "voiceagents.widget"
TOKEN_MINUTES = 5
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "jti", "kid", "ch", "origin"]
# The one header token_issue mints. Anything more (jku, jwk, x5u, x5c, crit, kid, ...) asks the verifier to
# fetch or trust a key, or to honour an extension, that the platform never uses: refused before the signature.
MINTED_HEADER = {"alg": ALGORITHM, "typ": "JWT"}


class _Utf8Json(json.JSONEncoder):
    """Claims as UTF-8, not \\u escapes: page context in another script stays as small in the token (and in the
    socket's subprotocol header) as it was checked to be."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "ensure_ascii": False})


class TokenInvalid(Exception):
    """The token is malformed, forged, expired, replayed or not for this use."""


class ReplayGuardUnavailable(TokenInvalid):
    """A well-signed token could not be marked used because Redis is down: refuse it, retryably."""


@dataclass(frozen=True)
class WidgetClaims:
    tenant_id: int
    key_id: int
    channel: str
    origin: str
    jti: str
    expires_at: int
    agent_id: int | None = None
    email_hash: str | None = None  # an identified visitor (tenants/identity.py)
    email: str | None = None  # only when the tenant keeps visitors' addresses
    # The host page's variables (data-context), as bootstrap validated them; checked again at the socket.
    context: dict[str, Any] | None = None


def token_issue(
    *,
    tenant_id: int,
    key_id: int,
    channel: str,
    origin: str,
    agent_id: int | None = None,
    email_hash: str | None = None,
    email: str | None = None,
    context: dict[str, Any] | None = None,
    minutes: int = TOKEN_MINUTES,
    now: float | None = None,
) -> tuple[str, WidgetClaims]:
    issued = int(now if now is not None else time.time())
    claims = WidgetClaims(
        tenant_id,
        key_id,
        channel,
        origin,
        secrets.token_urlsafe(16),
        issued + minutes * 60,
        agent_id,
        email_hash,
        email,
        context or None,
    )
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(tenant_id),
        "kid": key_id,
        "ch": channel,
        "origin": origin,
        "iat": issued,
        "nbf": issued,
        "exp": claims.expires_at,
        "jti": claims.jti,
    }
    if agent_id is not None:
        payload["agent"] = agent_id
    if email_hash is not None:
        # Signed, not encrypted: the token goes only to the visitor's own browser, which gave the address.
        payload["eh"] = email_hash
        if email is not None:
            payload["em"] = email
    if context:
        payload["ctx"] = context
    token = jwt.encode(payload, settings.WIDGET_TOKEN_SECRET, algorithm=ALGORITHM, json_encoder=_Utf8Json)
    return token, claims


def signed_payload(token: str, *, audience: str, required: list[str]) -> dict[str, Any]:
    """The claims of a token this server signed: the header exactly as minted, the pinned algorithm, issuer,
    audience, time and required claims; raises jwt.PyJWTError. Shared by the widget and resume tokens."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise jwt.InvalidTokenError(f"unreadable header ({type(exc).__name__})") from None
    if header != MINTED_HEADER:
        raise jwt.InvalidTokenError("unexpected header")
    return jwt.decode(
        token,
        settings.WIDGET_TOKEN_SECRET,
        algorithms=[ALGORITHM],
        audience=audience,
        issuer=ISSUER,
        options={"require": required},
        leeway=5,
    )


def token_verify(token: str) -> WidgetClaims:
    """Check the header (exactly the minted one), signature (pinned algorithm), issuer, audience, time and
    required claims."""
    try:
        payload = signed_payload(token, audience=AUDIENCE, required=REQUIRED_CLAIMS)
        return WidgetClaims(
            tenant_id=int(payload["sub"]),
            key_id=int(payload["kid"]),
            channel=str(payload["ch"]),
            origin=str(payload["origin"]),
            jti=str(payload["jti"]),
            expires_at=int(payload["exp"]),
            agent_id=int(payload["agent"]) if payload.get("agent") is not None else None,
            email_hash=str(payload["eh"]) if payload.get("eh") is not None else None,
            email=str(payload["em"]) if payload.get("em") is not None and payload.get("eh") is not None else None,
            context=dict(payload["ctx"]) if isinstance(payload.get("ctx"), dict) else None,
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise TokenInvalid(f"{type(exc).__name__}: {exc}") from None  # logged only, never sent


def token_consume(claims: WidgetClaims) -> None:
    """Mark the token used; a second use raises. Fails closed when Redis is down (opening a socket admits spend)."""
    ttl = max(1, claims.expires_at - int(time.time()) + 10)
    try:
        first = redis.connection().set(f"jti:{claims.jti}", "1", nx=True, ex=ttl)
    except RedisError as exc:
        raise ReplayGuardUnavailable("replay guard unavailable") from exc
    if not first:
        raise TokenInvalid("token already used")
