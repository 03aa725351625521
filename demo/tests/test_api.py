"""The demo backends under /demo/: ProductCo's catalog and orders, EventCo's conference, and the demo sites."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from demo import data, store
from demo.seed import demo_seed

API_KEY = {"HTTP_X_API_KEY": data.PRODUCTCO_API_KEY}
GOOD_ORDER = {
    "product_id": "p-032",
    "option": "Sand",
    "quantity": 2,
    "customer_name": "Ana Souza",
    "customer_email": "ana@example.com",
}


@pytest.fixture
def seeded(mongo: Any, db: Any, settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_seed()
    return mongo


def _products(client: Client, query: str = "") -> Any:
    response = client.get("/demo/productco/api/products" + query, **API_KEY)
    assert response.status_code == 200, response.content
    return response.json()


def _order(client: Client, body: Any, **headers: str) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        "/demo/productco/api/orders", data=raw, content_type="application/json", **{**API_KEY, **headers}
    )


def _assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] and error["message"]
    return error


# --- search -------------------------------------------------------------------------------------------


def test_it_searches_by_text_case_insensitively(seeded: Any, client: Client) -> None:
    body = _products(client, "?query=GORE-TEX")

    assert [p["name"] for p in body["results"]] == ["Trailblazer GTX"]
    assert body["count"] == 1


def test_a_phrase_matches_words_anywhere_and_ranks_names_first(seeded: Any, client: Client) -> None:
    names = [p["name"] for p in _products(client, "?query=waterproof+shoes")["results"]]

    assert names[0] == "Trailblazer GTX"


def test_regex_characters_in_the_query_are_literal(seeded: Any, client: Client) -> None:
    assert _products(client, "?query=.*")["results"] == []


def test_it_filters_by_category_and_max_price(seeded: Any, client: Client) -> None:
    tents = _products(client, "?category=tents&limit=50")["results"]
    cheap = _products(client, "?max_price=50&limit=50")["results"]

    assert len(tents) == 6 and {p["category"] for p in tents} == {"tents"}
    assert cheap and all(p["price"] <= 50 for p in cheap)
    expected = sorted(p["_id"] for p in data.products("") if p["price"] <= 50)
    assert sorted(p["id"] for p in cheap) == expected


def test_cheapest_sorts_by_ascending_price_and_priciest_by_descending(seeded: Any, client: Client) -> None:
    cheapest = [p["price"] for p in _products(client, "?sort=cheapest&limit=50")["results"]]
    priciest = [p["price"] for p in _products(client, "?sort=priciest&limit=5")["results"]]

    assert cheapest == sorted(cheapest) and len(cheapest) == len(data.products(""))
    assert priciest == sorted(priciest, reverse=True) and len(priciest) == 5
    assert priciest[0] == max(p["price"] for p in data.products(""))


def test_results_carry_images_as_url_strings(seeded: Any, client: Client) -> None:
    product = _products(client, "?query=Basecamp")["results"][0]

    assert product["id"] == "p-032" and product["currency"] == "EUR"
    assert product["images"] == [
        settings.PUBLIC_BASE_URL.rstrip("/") + f"/demo/productco/images/p-032-{n}.svg" for n in (1, 2)
    ]
    image = client.get(product["images"][0].removeprefix(settings.PUBLIC_BASE_URL.rstrip("/")))
    assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml"
    assert b"Basecamp 2" in image.content


@pytest.mark.parametrize(
    "query",
    ["?max_price=cheap", "?max_price=nan", "?max_price=-1", "?sort=random", "?limit=0", "?limit=51", "?limit=ten"],
)
def test_it_refuses_bad_search_parameters(seeded: Any, client: Client, query: str) -> None:
    error = _assert_error(client.get("/demo/productco/api/products" + query, **API_KEY), 400)

    assert error["code"] == "invalid_parameter"


@pytest.mark.parametrize("path", ["products", "stats", "orders"])
def test_productco_apis_need_the_api_key(seeded: Any, client: Client, path: str) -> None:
    url = f"/demo/productco/api/{path}"
    missing = client.post(url, data="{}", content_type="application/json") if path == "orders" else client.get(url)
    wrong = client.get(url, HTTP_X_API_KEY="nope")

    assert _assert_error(missing, 401)["code"] == "invalid_api_key"
    assert wrong.status_code in (401, 405)


def test_a_wrong_method_is_a_json_405(seeded: Any, client: Client) -> None:
    error = _assert_error(client.get("/demo/productco/api/orders", **API_KEY), 405)

    assert error["code"] == "method_not_allowed"


# --- stats --------------------------------------------------------------------------------------------


def test_stats_match_the_seeded_catalog(seeded: Any, client: Client) -> None:
    response = client.get("/demo/productco/api/stats", **API_KEY)
    assert response.status_code == 200
    stats = response.json()
    catalog = data.products("")

    assert stats["total_products"] == len(catalog)
    assert stats["total_options"] == sum(len(p["options"]) for p in catalog)
    assert stats["lowest_price"] == min(p["price"] for p in catalog)
    assert stats["highest_price"] == max(p["price"] for p in catalog)
    assert stats["currency"] == "EUR"
    by_category = {row["category"]: row for row in stats["by_category"]}
    assert set(by_category) == set(data.CATEGORIES)
    for category, row in by_category.items():
        members = [p for p in catalog if p["category"] == category]
        assert row["products"] == len(members)
        assert row["options"] == sum(len(p["options"]) for p in members)
        assert row["lowest_price"] == min(p["price"] for p in members)
        assert row["highest_price"] == max(p["price"] for p in members)


def test_stats_for_one_category(seeded: Any, client: Client) -> None:
    stats = client.get("/demo/productco/api/stats?category=jackets", **API_KEY).json()

    assert [row["category"] for row in stats["by_category"]] == ["jackets"]
    assert stats["total_products"] == sum(1 for p in data.products("") if p["category"] == "jackets")


# --- orders -------------------------------------------------------------------------------------------


def test_it_places_an_order_and_takes_the_stock(seeded: Any, client: Client) -> None:
    stock_before = seeded[store.PRODUCTS].find_one({"_id": "p-032"})["stock"]
    response = _order(client, GOOD_ORDER)

    assert response.status_code == 201, response.content
    order = response.json()
    assert order["order_id"].startswith("ord_") and order["status"] == "received"
    assert order["product"]["name"] == "Basecamp 2" and order["option"] == "Sand"
    assert order["quantity"] == 2 and order["total"] == 518.0 and order["currency"] == "EUR"
    assert seeded[store.ORDERS].count_documents({}) == 1
    assert seeded[store.PRODUCTS].find_one({"_id": "p-032"})["stock"] == stock_before - 2


def test_the_same_idempotency_key_returns_the_same_order(seeded: Any, client: Client) -> None:
    first = _order(client, GOOD_ORDER, HTTP_IDEMPOTENCY_KEY="call-123")
    second = _order(client, GOOD_ORDER, HTTP_IDEMPOTENCY_KEY="call-123")
    other = _order(client, GOOD_ORDER, HTTP_IDEMPOTENCY_KEY="call-456")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert other.json()["order_id"] != first.json()["order_id"]
    assert seeded[store.ORDERS].count_documents({}) == 2
    stock = seeded[store.PRODUCTS].find_one({"_id": "p-032"})["stock"]
    assert stock == next(p["stock"] for p in data.products("") if p["_id"] == "p-032") - 4


def test_a_reused_key_with_a_different_order_is_refused(seeded: Any, client: Client) -> None:
    _order(client, GOOD_ORDER, HTTP_IDEMPOTENCY_KEY="call-123")
    error = _assert_error(_order(client, {**GOOD_ORDER, "quantity": 3}, HTTP_IDEMPOTENCY_KEY="call-123"), 409)

    assert error["code"] == "idempotency_conflict"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"product_id": "p-999"}, 404, "unknown_product"),
        ({"option": "Purple"}, 400, "invalid_option"),
        ({"quantity": 0}, 400, "invalid_order"),
        ({"quantity": 11}, 400, "invalid_order"),
        ({"quantity": "two"}, 400, "invalid_order"),
        ({"quantity": True}, 400, "invalid_order"),
        ({"customer_email": "ana@"}, 400, "invalid_order"),
        ({"customer_email": "not an email"}, 400, "invalid_order"),
        ({"customer_name": "   "}, 400, "invalid_order"),
        ({"product_id": None}, 400, "invalid_order"),
    ],
)
def test_it_refuses_bad_orders(seeded: Any, client: Client, change: dict[str, Any], status: int, code: str) -> None:
    error = _assert_error(_order(client, {**GOOD_ORDER, **change}), status)

    assert error["code"] == code
    assert seeded[store.ORDERS].count_documents({}) == 0


def test_it_names_the_options_when_the_option_is_wrong(seeded: Any, client: Client) -> None:
    error = _assert_error(_order(client, {**GOOD_ORDER, "option": "Purple"}), 400)

    assert error["details"]["options"] == ["Green", "Sand"]


def test_it_refuses_more_than_the_stock(seeded: Any, client: Client) -> None:
    error = _assert_error(_order(client, {**GOOD_ORDER, "product_id": "p-034", "option": "Orange", "quantity": 5}), 409)

    assert error["code"] == "insufficient_stock"


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "", '"text"'])
def test_it_refuses_malformed_json(seeded: Any, client: Client, raw: str) -> None:
    error = _assert_error(_order(client, raw), 400)

    assert error["code"] == "malformed_json"


def test_it_refuses_an_order_without_the_api_key(seeded: Any, client: Client) -> None:
    response = client.post("/demo/productco/api/orders", data=json.dumps(GOOD_ORDER), content_type="application/json")

    assert _assert_error(response, 401)["code"] == "invalid_api_key"
    assert seeded[store.ORDERS].count_documents({}) == 0


def test_orders_need_no_csrf_token(seeded: Any) -> None:
    strict = Client(enforce_csrf_checks=True)

    assert _order(strict, GOOD_ORDER).status_code == 201


# --- EventCo ------------------------------------------------------------------------------------------


def test_event_info(seeded: Any, client: Client) -> None:
    event = client.get("/demo/eventco/api/event").json()

    assert event["name"] == "VoiceFirst Summit 2027" and event["city"] == "Lisbon"
    assert event["start_date"] == data.DAYS[1] and event["tickets"]


def test_speakers_all_and_by_topic(seeded: Any, client: Client) -> None:
    everyone = client.get("/demo/eventco/api/speakers").json()["speakers"]
    security = client.get("/demo/eventco/api/speakers?topic=SECURITY").json()["speakers"]

    assert len(everyone) >= 8 and all(s["photo"].endswith(".svg") for s in everyone)
    assert [s["name"] for s in security] == ["Lena Vogt"]


def test_talks_by_day_and_track_with_speaker_names(seeded: Any, client: Client) -> None:
    all_talks = client.get("/demo/eventco/api/talks").json()["talks"]
    day_two = client.get("/demo/eventco/api/talks?day=2").json()["talks"]
    by_date = client.get(f"/demo/eventco/api/talks?day={data.DAYS[2]}").json()["talks"]
    web = client.get("/demo/eventco/api/talks?day=1&track=web+platform").json()["talks"]

    assert len(all_talks) == len(data.talks())
    assert day_two == by_date and {s["day"] for s in day_two} == {2}
    assert [(s["day"], s["start"]) for s in day_two] == sorted((s["day"], s["start"]) for s in day_two)
    assert {s["track"] for s in web} == {"Web Platform"} and web
    panel = next(s for s in all_talks if s["id"] == "s-108")
    assert panel["speakers"] == "Amara Okafor, Yuki Tanaka, Rahul Mehta"


def test_an_unknown_day_is_refused(seeded: Any, client: Client) -> None:
    assert _assert_error(client.get("/demo/eventco/api/talks?day=3"), 400)["code"] == "invalid_parameter"


def test_no_event_is_a_json_404(mongo: Any, client: Client) -> None:
    assert _assert_error(client.get("/demo/eventco/api/event"), 404)["code"] == "no_event"


# --- demo sites ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"), [("/demo/productco/", "pk_demo_productco"), ("/demo/eventco/", "pk_demo_eventco")]
)
def test_demo_sites_embed_the_snippet_with_their_key(seeded: Any, client: Client, path: str, key: str) -> None:
    response = client.get(path)
    html = response.content.decode()
    origin = settings.PUBLIC_BASE_URL.rstrip("/")

    assert response.status_code == 200
    assert f'<script src="{origin}/widget.js" data-key="{key}" async></script>' in html
    assert html.rstrip().endswith("</html>") and html.index("widget.js") > html.index("</footer>")
    assert "https://" not in html  # self-contained: no CDN or web fonts


def test_the_storefront_shows_the_catalog(seeded: Any, client: Client) -> None:
    html = client.get("/demo/productco/").content.decode()

    assert all(p["name"].replace("'", "&#x27;") in html for p in data.products(""))
    assert "/demo/productco/images/p-001-1.svg" in html


def test_the_conference_page_shows_speakers_and_schedule(seeded: Any, client: Client) -> None:
    html = client.get("/demo/eventco/").content.decode()

    assert "VoiceFirst Summit 2027" in html and "Lena Vogt" in html
    assert "Tool calls are an attack surface" in html and "Day 2" in html


def test_the_index_links_both_sites_and_admin(client: Client) -> None:
    html = client.get("/demo/").content.decode()

    assert 'href="/demo/productco/"' in html and 'href="/demo/eventco/"' in html and 'href="/admin/"' in html


def test_an_unknown_picture_is_404(client: Client) -> None:
    assert client.get("/demo/productco/images/p-999-1.svg").status_code == 404
    assert client.get("/demo/eventco/photos/sp-99.svg").status_code == 404
