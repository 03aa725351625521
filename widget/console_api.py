"""The staff console API: session tokens for any agent the staff user operates, tenants, stored sessions."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import Field

from config.errors import Forbidden, Unauthorized
from tenants.validators import normalize_origin
from widget import console
from widget import console_sessions as sessions_browser
from widget.schemas import (
    ConsoleTenantOut,
    ConsoleTokenIn,
    ConsoleTokenOut,
    RecordId,
    SessionDetailOut,
    SessionFiltersOut,
    SessionPageOut,
    SessionSummaryOut,
)

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
    tenant_id: RecordId
    limit: int = Field(default=20, ge=1, le=100)


class SessionQuery(Schema):
    tenant_id: RecordId


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
    summary="A stored session: transcript, tool calls, cards, usage and the transcript's hash-chain check",
)
def console_session(request: HttpRequest, session_id: str, query: Query[SessionQuery]) -> dict[str, Any]:
    return sessions_browser.console_session_detail(user=request.user, tenant_id=query.tenant_id, session_id=session_id)


class SessionSearchQuery(Schema):
    tenant_id: RecordId
    agent_id: RecordId | None = None
    channel: Literal["widget", "console"] | None = None
    end_reason: str | None = Field(default=None, max_length=40, pattern=r"^[a-z_]+$")
    user: str | None = Field(default=None, max_length=254)
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = Field(default=None, max_length=200)
    page: int = Field(default=1, ge=1, le=10_000)


@router.get(
    "/console/session-search",
    response=SessionPageOut,
    by_alias=True,
    auth=staff_session,
    summary="A tenant's stored sessions by agent, channel, end reason, identified user, dates and words said",
)
def console_session_search(request: HttpRequest, query: Query[SessionSearchQuery]) -> dict[str, Any]:
    filters = sessions_browser.SessionFilters(
        agent_id=query.agent_id,
        channel=query.channel,
        end_reason=query.end_reason,
        user=query.user or None,
        date_from=query.date_from,
        date_to=query.date_to,
        text=query.q or None,
    )
    return sessions_browser.console_sessions_search(
        user=request.user, tenant_id=query.tenant_id, filters=filters, page=query.page
    )


@router.get(
    "/console/session-filters",
    response=SessionFiltersOut,
    by_alias=True,
    auth=staff_session,
    summary="What the sessions browser's filters offer for a tenant",
)
def console_session_filters(request: HttpRequest, query: Query[SessionQuery]) -> dict[str, Any]:
    return sessions_browser.console_session_filters(user=request.user, tenant_id=query.tenant_id)


class ExportQuery(Schema):
    tenant_id: RecordId
    format: Literal["json", "md"] = "json"


@router.get(
    "/console/sessions/{session_id}/export",
    auth=staff_session,
    summary="One session (transcript, tool calls, usage) as a JSON or Markdown download",
)
def console_session_export(request: HttpRequest, session_id: str, query: Query[ExportQuery]) -> HttpResponse:
    detail = sessions_browser.console_session_detail(
        user=request.user, tenant_id=query.tenant_id, session_id=session_id
    )
    safe_id = "".join(c for c in session_id if c.isalnum() or c in "-_")[:80] or "session"
    if query.format == "md":
        body, content_type = sessions_browser.session_export_markdown(detail), "text/markdown; charset=utf-8"
    else:
        # The same shape (camelCase) as the detail the API answers with.
        exported = SessionDetailOut.model_validate(detail).model_dump(by_alias=True, mode="json")
        body, content_type = json.dumps(exported, indent=2, ensure_ascii=False), "application/json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="session-{safe_id}.{query.format}"'
    response["Cache-Control"] = "no-store"
    return response
