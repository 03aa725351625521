"""Pages: the loader script, the widget page (framed by the tenant's sites only) and the staff console."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from agents.protocol import browser_protocol
from widget import bootstrap, preview
from widget.strings import FALLBACK_LANGUAGE, widget_catalogue

_KEY_SHAPE = re.compile(r"^pk_[A-Za-z0-9_]{1,60}$")
LOADER_PATH = "widget/loader.js"


@lru_cache(maxsize=1)
def _loader_cached() -> bytes:
    return _loader_read()


def _loader_read() -> bytes:
    found = finders.find(LOADER_PATH)
    if not found:
        raise FileNotFoundError(LOADER_PATH)
    return Path(str(found)).read_bytes()


def _page_csp(request: HttpRequest, frame_ancestors: str) -> str:
    """Scripts only from this origin; images may come from the tenant's CDN (logos, product cards)."""
    ws_scheme = "wss" if request.is_secure() else "ws"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # Server-rendered cards may carry style attributes; scripts stay locked down.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: https:",
            "media-src 'self' blob:",
            f"connect-src 'self' {ws_scheme}://{request.get_host()}",
            "object-src 'none'",
            "base-uri 'none'",
            # Card forms never navigate the frame; the client turns submits into socket messages.
            "form-action 'none'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


@require_GET
def widget_loader(request: HttpRequest) -> HttpResponse:
    """The one-tag loader customers paste; served from here so its origin is the platform's origin."""
    body = _loader_read() if settings.DEBUG else _loader_cached()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    # Customer pages with Cross-Origin-Embedder-Policy may still load it.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_GET
@xframe_options_exempt
def widget_page(request: HttpRequest) -> HttpResponse:
    """The widget iframe; only the key's tenant's sites may frame it (CSP frame-ancestors)."""
    key = request.GET.get("key", "")
    origins = bootstrap.widget_page_origins(key=key) if _KEY_SHAPE.match(key) else None
    if origins is not None and getattr(request.user, "is_staff", False):
        tenant_id = bootstrap.widget_key_tenant_id(key=key)
        own = preview.own_origin(request)
        if tenant_id is not None and own and preview.preview_allowed(request=request, tenant_id=tenant_id, origin=own):
            origins = [*origins, own]  # the install page's staff preview frames it from the platform itself
    if origins is None:
        response = render(request, "widget/unavailable.html", status=404)
        response["Content-Security-Policy"] = _page_csp(request, "'none'")
        response["X-Frame-Options"] = "DENY"
        return response
    language = bootstrap.widget_page_language(key=key)
    context = {"key": key, "allowed_origins": origins, "protocol": browser_protocol()}
    context |= {"language": language, "strings": widget_catalogue(language)}
    response = render(request, "widget/page.html", context)
    response["Content-Security-Policy"] = _page_csp(request, " ".join(origins) if origins else "'none'")
    response["Cache-Control"] = "no-cache"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@staff_member_required
@ensure_csrf_cookie
def console_page(request: HttpRequest) -> HttpResponse:
    """The operator console: talk to any agent the staff user may see, with full diagnostics."""
    # Staff read the console in English; the conversation view it shares with the widget reads the same table.
    context = {"protocol": browser_protocol(), "strings": widget_catalogue(FALLBACK_LANGUAGE)}
    response = render(request, "widget/console.html", context)
    response["Content-Security-Policy"] = _page_csp(request, "'none'")
    response["Cache-Control"] = "no-store"
    return response
