"""The widget bootstrap API: cross-origin, called by the loader on the customer's page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from config.errors import ApiError
from widget import bootstrap
from widget.preview import preview_allowed
from widget.schemas import BootstrapIn, BootstrapOut

router = Router(tags=["widget"])

PREFLIGHT_MAX_AGE = "600"


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
        result = bootstrap.widget_bootstrap(
            key=payload.key,
            origin=origin,
            ip=_client_ip(request),
            user_email=payload.user_email,
            user_hash=payload.user_hash,
            context=payload.context,
            preview=lambda tenant_id, embedding: preview_allowed(
                request=request, tenant_id=tenant_id, origin=embedding
            ),
        )
    except ApiError as exc:
        # A refusal is readable cross-origin only by an origin the key's tenant allows (never echo another).
        cors_origin = bootstrap.bootstrap_cors_origin(key=payload.key, origin=origin)
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
    origin = bootstrap.preflight_cors_origin(origin=request.headers.get("Origin"))
    _allow_origin(response, origin)
    if origin:
        response["Access-Control-Allow-Methods"] = "POST"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
