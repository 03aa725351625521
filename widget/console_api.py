"""The staff console API: session tokens for any agent the staff user operates, tenants, stored sessions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import Field

from config.errors import Forbidden, Unauthorized
from tenants.validators import normalize_origin
from widget import console
from widget.schemas import ConsoleTenantOut, ConsoleTokenIn, ConsoleTokenOut, SessionDetailOut, SessionSummaryOut

router = Router(tags=["console"])

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class StaffSession(APIKeyCookie):
    """Django session of a staff user, CSRF-checked on unsafe methods; errors in the one JSON error shape."""

    param_name = "sessionid"

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not user.is_authenticated:
            raise Unauthorized("Sign in as staff first.")
        if not user.is_staff:
            raise Forbidden("Staff only.")
        if request.method not in _SAFE_METHODS and check_csrf(request) is not None:
            raise Forbidden("CSRF check failed; reload the page.", code="csrf_failed")
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - see __call__
        return None


staff_session = StaffSession()


def _request_origin(request: HttpRequest) -> str:
    return normalize_origin(f"{request.scheme}://{request.get_host()}")


@router.post(
    "/console/token",
    response={200: ConsoleTokenOut},
    by_alias=True,
    auth=staff_session,
    summary="A console-channel session token for an agent",
)
def console_token(request: HttpRequest, payload: ConsoleTokenIn) -> dict[str, Any]:
    return console.console_token_issue(user=request.user, agent_id=payload.agent_id, origin=_request_origin(request))


@router.get(
    "/console/tenants",
    response=list[ConsoleTenantOut],
    by_alias=True,
    auth=staff_session,
    summary="Tenants the staff user may see, with their agents",
)
def console_tenants(request: HttpRequest) -> list[dict[str, Any]]:
    return console.console_tenants_list(user=request.user)


class SessionsQuery(Schema):
    tenant_id: int = Field(gt=0)
    limit: int = Field(default=20, ge=1, le=100)


class SessionQuery(Schema):
    tenant_id: int = Field(gt=0)


@router.get(
    "/console/sessions",
    response=list[SessionSummaryOut],
    by_alias=True,
    auth=staff_session,
    summary="Recent sessions of a tenant",
)
def console_sessions(request: HttpRequest, query: Query[SessionsQuery]) -> list[dict[str, Any]]:
    return console.console_sessions_list(user=request.user, tenant_id=query.tenant_id, limit=query.limit)


@router.get(
    "/console/sessions/{session_id}",
    response=SessionDetailOut,
    by_alias=True,
    auth=staff_session,
    summary="A stored session with its transcript and tool logs",
)
def console_session(request: HttpRequest, session_id: str, query: Query[SessionQuery]) -> dict[str, Any]:
    return console.console_session_get(user=request.user, tenant_id=query.tenant_id, session_id=session_id)
