"""Widget bootstrap (cross-origin, called by the loader on the customer's page) and the staff console API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import Field

from config.errors import ApiError, Forbidden, Unauthorized
from tenants.validators import normalize_origin
from widget import services
from widget.schemas import (
    BootstrapIn,
    BootstrapOut,
    ConsoleTenantOut,
    ConsoleTokenIn,
    ConsoleTokenOut,
    SessionDetailOut,
    SessionSummaryOut,
)

router = Router(tags=["widget"])

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PREFLIGHT_MAX_AGE = "600"


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


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: forwarded headers are client-controlled unless a trusted proxy rewrites them.
    return request.META.get("REMOTE_ADDR") or "unknown"


def _allow_origin(response: HttpResponse, origin: str | None) -> HttpResponse:
    response["Vary"] = "Origin"
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Expose-Headers"] = "Retry-After"
    return response


@router.post(
    "/widget/bootstrap",
    response={200: BootstrapOut},
    by_alias=True,
    auth=None,
    summary="Widget options and a session token for an allowed embedding origin",
)
def widget_bootstrap(request: HttpRequest, response: HttpResponse, payload: BootstrapIn) -> dict[str, Any]:
    origin = request.headers.get("Origin")
    try:
        result = services.widget_bootstrap(key=payload.key, origin=origin, ip=_client_ip(request))
    except ApiError as exc:
        # A refusal is readable cross-origin only by an origin the key's tenant allows (never echo another).
        cors_origin = services.bootstrap_cors_origin(key=payload.key, origin=origin)
        exc.headers = {**exc.headers, "Vary": "Origin"}
        if cors_origin:
            exc.headers.update(
                {"Access-Control-Allow-Origin": cors_origin, "Access-Control-Expose-Headers": "Retry-After"}
            )
        raise
    _allow_origin(response, result["origin"])
    response["Cache-Control"] = "no-store"
    return result


@router.api_operation(["OPTIONS"], "/widget/bootstrap", auth=None, include_in_schema=False)
def widget_bootstrap_preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    origin = services.preflight_cors_origin(origin=request.headers.get("Origin"))
    _allow_origin(response, origin)
    if origin:
        response["Access-Control-Allow-Methods"] = "POST"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


# --- console (staff) ---------------------------------------------------------------------------------------


def _request_origin(request: HttpRequest) -> str:
    return normalize_origin(f"{request.scheme}://{request.get_host()}")


@router.post(
    "/console/token",
    response={200: ConsoleTokenOut},
    by_alias=True,
    auth=staff_session,
    tags=["console"],
    summary="A console-channel session token for an agent",
)
def console_token(request: HttpRequest, payload: ConsoleTokenIn) -> dict[str, Any]:
    return services.console_token_issue(user=request.user, agent_id=payload.agent_id, origin=_request_origin(request))


@router.get(
    "/console/tenants",
    response=list[ConsoleTenantOut],
    by_alias=True,
    auth=staff_session,
    tags=["console"],
    summary="Tenants the staff user may see, with their agents",
)
def console_tenants(request: HttpRequest) -> list[dict[str, Any]]:
    return services.console_tenants_list(user=request.user)


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
    tags=["console"],
    summary="Recent sessions of a tenant",
)
def console_sessions(request: HttpRequest, query: Query[SessionsQuery]) -> list[dict[str, Any]]:
    return services.console_sessions_list(user=request.user, tenant_id=query.tenant_id, limit=query.limit)


@router.get(
    "/console/sessions/{session_id}",
    response=SessionDetailOut,
    by_alias=True,
    auth=staff_session,
    tags=["console"],
    summary="A stored session with its transcript and tool logs",
)
def console_session(request: HttpRequest, session_id: str, query: Query[SessionQuery]) -> dict[str, Any]:
    return services.console_session_get(user=request.user, tenant_id=query.tenant_id, session_id=session_id)
