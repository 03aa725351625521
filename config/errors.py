"""Domain errors mapped to one JSON error shape: {"error": {"code", "message", "details"?}}."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


def error_response(exc: ApiError, response: HttpResponse | None = None) -> HttpResponse:
    """The JSON error response for `exc` with its headers (Retry-After, Allow). The API passes the response its
    renderer built, so its content type stays ninja's; the demo gets a plain JsonResponse."""
    if response is None:
        response = JsonResponse(exc.body(), status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(
            message, headers={"Retry-After": str(max(1, retry_after))}, details={"retry_after": max(1, retry_after)}
        )


class Unavailable(ApiError):
    status = 503
    code = "unavailable"
