"""The demo tenants' backends (JSON APIs the agents' tools call) and their websites. Thin shells over `store`.

The APIs behave like a foreign backend: no platform session, CSRF-exempt POST, a JSON error body for every
refusal (`{"error": {"code", "message"}}`) and 503 rather than a 500 when MongoDB is away.
"""

from __future__ import annotations

import hmac
import json
import math
from collections.abc import Callable
from functools import wraps
from html import escape
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from pymongo.errors import PyMongoError

from config.errors import ApiError, NotFound, Unauthorized, Unavailable, error_response
from demo import data, store

View = Callable[..., HttpResponse]
MAX_BODY_BYTES = 16_384
MAX_PARAM_CHARS = 100


def json_api(*methods: str, api_key: bool = False) -> Callable[[View], View]:
    """Allow `methods`, optionally require ProductCo's X-Api-Key, and turn every refusal into a JSON error."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise ApiError(
                        f"Use {' or '.join(methods)}.",
                        code="method_not_allowed",
                        status=405,
                        headers={"Allow": ", ".join(methods)},
                    )
                if api_key:
                    _check_api_key(request)
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return error_response(exc)
            except PyMongoError:
                return error_response(Unavailable("The database is not answering; try again shortly."))

        return wrapper

    return decorate


def _check_api_key(request: HttpRequest) -> None:
    given = request.headers.get("X-Api-Key", "")
    # Constant-time comparison, as a real backend checking a credential would do.
    if not given or not hmac.compare_digest(given.encode(), data.PRODUCTCO_API_KEY.encode()):
        raise Unauthorized("Missing or wrong X-Api-Key header.", code="invalid_api_key")


def _param(request: HttpRequest, name: str) -> str | None:
    """A query parameter, stripped; empty counts as absent."""
    value = request.GET.get(name, "").strip()
    if len(value) > MAX_PARAM_CHARS:
        raise ApiError(f"{name} is longer than {MAX_PARAM_CHARS} characters.", code="invalid_parameter")
    return value or None


def _bad_param(name: str, message: str) -> ApiError:
    return ApiError(message, code="invalid_parameter", details={"parameter": name})


# --- ProductCo API ------------------------------------------------------------------------------------


@json_api("GET", api_key=True)
def products(request: HttpRequest) -> HttpResponse:
    max_price: float | None = None
    if (raw_price := _param(request, "max_price")) is not None:
        try:
            max_price = float(raw_price)
        except ValueError:
            raise _bad_param("max_price", "max_price must be a number, e.g. 100 or 49.90.") from None
        if not math.isfinite(max_price) or max_price < 0:
            raise _bad_param("max_price", "max_price must be a positive number.")
    sort = _param(request, "sort") or "relevance"
    if sort not in store.SORTS:
        raise _bad_param("sort", "sort must be one of: " + ", ".join(store.SORTS) + ".")
    raw_limit = _param(request, "limit") or "10"
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 50:
        raise _bad_param("limit", "limit must be a whole number from 1 to 50.")
    results = store.products_search(
        query=_param(request, "query"),
        category=_param(request, "category"),
        max_price=max_price,
        sort=sort,  # type: ignore[arg-type]  # checked against store.SORTS above
        limit=int(raw_limit),
    )
    return JsonResponse({"results": results, "count": len(results)})


@json_api("GET", api_key=True)
def stats(request: HttpRequest) -> HttpResponse:
    return JsonResponse(store.catalog_stats(category=_param(request, "category")))


@csrf_exempt  # a foreign backend called server-to-server with an API key, not a browser form
@json_api("POST", api_key=True)
def orders(request: HttpRequest) -> HttpResponse:
    if len(request.body) > MAX_BODY_BYTES:
        raise ApiError("The request body is too large.", code="body_too_large", status=413)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("The body must be a JSON object.", code="malformed_json") from None
    if not isinstance(payload, dict):
        raise ApiError("The body must be a JSON object.", code="malformed_json")
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and (len(key) > 200 or not key.isprintable()):
        raise ApiError("Idempotency-Key must be at most 200 printable characters.", code="invalid_idempotency_key")
    order, replayed = store.order_place(payload=payload, idempotency_key=key)
    response = JsonResponse(order, status=201)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


# --- EventCo API --------------------------------------------------------------------------------------


@json_api("GET")
def event(request: HttpRequest) -> HttpResponse:
    found = store.event_get()
    if found is None:
        raise NotFound("No event is published yet.", code="no_event")
    return JsonResponse(found)


@json_api("GET")
def speakers(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"speakers": store.speakers_list(topic=_param(request, "topic"))})


def _day(raw: str | None) -> int | None:
    """Day 1 or 2, given as the number or the ISO date."""
    if raw is None:
        return None
    if raw.isdigit() and int(raw) in data.DAYS:
        return int(raw)
    for number, date in data.DAYS.items():
        if raw == date:
            return number
    raise _bad_param("day", "day must be 1, 2 or one of the dates " + ", ".join(data.DAYS.values()) + ".")


@json_api("GET")
def talks(request: HttpRequest) -> HttpResponse:
    day = _day(_param(request, "day"))
    return JsonResponse({"talks": store.talks_list(day=day, track=_param(request, "track"))})


# --- Pictures: small generated SVGs, since the demo has no internet and no image files ------------------


def _svg(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:3]


def product_image(request: HttpRequest, product_id: str, number: int) -> HttpResponse:
    found = data.product_name_and_category(product_id)
    if found is None or not 1 <= number <= data.IMAGES_PER_PRODUCT:
        return HttpResponse("Not found", status=404, content_type="text/plain")
    name, category = found
    color = data.CATEGORY_COLORS.get(category, "#555555")
    view_label = data.IMAGE_VIEWS[number - 1]
    lines = "".join(
        f'<text x="32" y="{196 + i * 34}" font-size="28" font-weight="700" fill="#fff">{escape(line)}</text>'
        for i, line in enumerate(_wrap(name, 22))
    )
    # The second picture is drawn as a "detail" shot: same card, zoomed mountain.
    scale = 1.0 if number == 1 else 1.6
    return _svg(
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300" role="img" '
        f'aria-label="{escape(name)}, {escape(view_label)}">'
        f'<rect width="400" height="300" rx="18" fill="{color}"/>'
        f'<g transform="translate(250 40) scale({scale})" opacity="0.35" fill="#fff">'
        '<polygon points="0,110 55,20 85,65 105,40 150,110"/><circle cx="120" cy="14" r="12"/></g>'
        f'<text x="32" y="52" font-size="15" letter-spacing="2" fill="#fff" opacity="0.85">'
        f"{escape(category.upper())}</text>{lines}"
        f'<text x="32" y="276" font-size="14" fill="#fff" opacity="0.8">{escape(view_label)}</text></svg>'
    )


def speaker_photo(request: HttpRequest, speaker_id: str) -> HttpResponse:
    name = data.speaker_name(speaker_id)
    if name is None:
        return HttpResponse("Not found", status=404, content_type="text/plain")
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    palette = ["#e4572e", "#2e86ab", "#3b8c5a", "#c9862b", "#6c4ab6", "#d1495b", "#00798c", "#8f2d56"]
    color = palette[sum(map(ord, speaker_id)) % len(palette)]
    return _svg(
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240" role="img" '
        f'aria-label="{escape(name)}"><rect width="240" height="240" fill="{color}"/>'
        '<circle cx="120" cy="250" r="90" fill="#fff" opacity="0.25"/>'
        f'<text x="120" y="138" text-anchor="middle" font-size="72" font-weight="700" fill="#fff" '
        f'font-family="Helvetica, Arial, sans-serif">{escape(initials)}</text></svg>'
    )


# --- Websites -----------------------------------------------------------------------------------------


def _widget_origin() -> str:
    return str(settings.PUBLIC_BASE_URL).rstrip("/")


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/index.html", {"widget_origin": _widget_origin()})


def productco_site(request: HttpRequest) -> HttpResponse:
    try:
        catalog = store.catalog_list()
        unavailable = False
    except PyMongoError:
        catalog, unavailable = [], True
    sections = [
        {"category": category, "color": color, "products": [p for p in catalog if p["category"] == category]}
        for category, color in data.CATEGORY_COLORS.items()
    ]
    return render(
        request,
        "demo/productco.html",
        {
            "widget_origin": _widget_origin(),
            "sections": [s for s in sections if s["products"]],
            "product_count": len(catalog),
            "unavailable": unavailable,
        },
    )


def productco_delivery(request: HttpRequest) -> HttpResponse:
    """A second page of the shop, with the same widget: a conversation carries on across the site's pages."""
    return render(request, "demo/productco_delivery.html", {"widget_origin": _widget_origin()})


def eventco_site(request: HttpRequest) -> HttpResponse:
    try:
        conference, people, schedule = store.event_get(), store.speakers_list(), store.talks_list()
        unavailable = False
    except PyMongoError:
        conference, people, schedule, unavailable = None, [], [], True
    days = [
        {"number": number, "date": date, "talks": [talk for talk in schedule if talk["day"] == number]}
        for number, date in data.DAYS.items()
    ]
    return render(
        request,
        "demo/eventco.html",
        {
            "widget_origin": _widget_origin(),
            "event": conference,
            "speakers": people,
            "days": [d for d in days if d["talks"]],
            "unavailable": unavailable,
        },
    )
