"""The one NinjaAPI at /api/ (docs at /api/docs); each app adds its router here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from config.errors import ApiError, error_response
from widget.bootstrap_api import router as bootstrap_router
from widget.console_api import router as console_router

api = NinjaAPI(title="Voice agents platform", version="1", urls_namespace="api")


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc, api.create_response(request, exc.body(), status=exc.status))


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {"field": ".".join(str(p) for p in err.get("loc", [])[1:]), "message": err.get("msg", "invalid")}
        for err in exc.errors
    ]
    return api.create_response(
        request,
        {"error": {"code": "invalid_input", "message": "The request is not valid.", "details": details}},
        status=422,
    )


api.add_router("/", bootstrap_router)
api.add_router("/", console_router)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own errors (an unparsable body, auth) in the same JSON shape as ours."""
    code = {400: "invalid_json", 401: "unauthorized", 403: "forbidden", 429: "rate_limited"}.get(
        exc.status_code, "error"
    )
    message = "The request body is not valid JSON." if code == "invalid_json" else str(exc.message)
    return api.create_response(request, {"error": {"code": code, "message": message}}, status=exc.status_code)
