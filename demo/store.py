"""MongoDB access for the demo backends: catalog search and stats, orders, the conference, the seed upserts.

These collections belong to the demo "customer" backends, not to the platform; only this module touches them.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.utils import timezone
from pymongo import ReplaceOne
from pymongo.errors import DuplicateKeyError

from config import mongo
from config.errors import ApiError, NotFound
from demo import data

PRODUCTS = "demo_products"
ORDERS = "demo_orders"
EVENT = "demo_event"
SPEAKERS = "demo_speakers"
TALKS = "demo_talks"

Sort = Literal["relevance", "cheapest", "priciest"]
SORTS: tuple[str, ...] = ("relevance", "cheapest", "priciest")
MAX_QUANTITY = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
# A catalog this size never needs paging; the cap keeps a broad regex from pulling a huge result.
SEARCH_SCAN_LIMIT = 500


class Conflict(ApiError):
    status = 409
    code = "conflict"


# --- ProductCo catalog --------------------------------------------------------------------------------


def _public_product(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["_id"],
        "name": doc["name"],
        "category": doc["category"],
        "description": doc["description"],
        "price": doc["price"],
        "currency": doc.get("currency", data.CURRENCY),
        "options": doc.get("options", []),
        "stock": doc.get("stock", 0),
        "images": doc.get("images", []),
    }


def _search_words(query: str) -> list[str]:
    # Spoken queries are phrases ("waterproof trail shoes"): every word must match somewhere. A trailing
    # plural "s" is dropped so "jackets" also finds "Jacket" in a name.
    words = []
    for raw in query.lower().split():
        word = raw.strip(".,;:!?\"'()") or raw  # a lone ".*" stays and is matched literally
        if len(word) > 3 and word.endswith("s"):
            word = word[:-1]
        words.append(word)
    return words


def products_search(
    *,
    query: str | None = None,
    category: str | None = None,
    max_price: float | None = None,
    sort: Sort = "relevance",
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Products matching every word of `query` (in name, description or category), filtered and sorted."""
    conditions: list[dict[str, Any]] = []
    words = _search_words(query or "")
    for word in words:
        pattern = {"$regex": re.escape(word), "$options": "i"}
        conditions.append({"$or": [{"name": pattern}, {"description": pattern}, {"category": pattern}]})
    if category:
        conditions.append({"category": category.lower()})
    if max_price is not None:
        conditions.append({"price": {"$lte": max_price}})
    filter_: dict[str, Any] = {"$and": conditions} if conditions else {}
    order = {"cheapest": [("price", 1), ("_id", 1)], "priciest": [("price", -1), ("_id", 1)]}.get(sort, [("_id", 1)])
    cursor = mongo.collection(PRODUCTS).find(filter_).sort(order)
    if sort != "relevance" or not words:
        return [_public_product(doc) for doc in cursor.limit(limit)]
    docs = list(cursor.limit(SEARCH_SCAN_LIMIT))

    def score(doc: dict[str, Any]) -> int:
        # Regex matching has no score: weigh where each word matched, the name counting most.
        total = 0
        for word in words:
            total += (
                3 * (word in doc["name"].lower()) + 2 * (word in doc["category"]) + (word in doc["description"].lower())
            )
        return total

    docs.sort(key=lambda doc: (-score(doc), doc["_id"]))
    return [_public_product(doc) for doc in docs[:limit]]


def catalog_list() -> list[dict[str, Any]]:
    """Every product, grouped by category order then id, for the storefront."""
    docs = mongo.collection(PRODUCTS).find({}).sort([("category", 1), ("_id", 1)])
    return [_public_product(doc) for doc in docs]


def catalog_stats(*, category: str | None = None) -> dict[str, Any]:
    """Counts and price range per category and overall, from one aggregation."""
    pipeline: list[dict[str, Any]] = []
    if category:
        pipeline.append({"$match": {"category": category.lower()}})
    pipeline += [
        {
            "$group": {
                "_id": "$category",
                "products": {"$sum": 1},
                "options": {"$sum": {"$size": {"$ifNull": ["$options", []]}}},
                "lowest_price": {"$min": "$price"},
                "highest_price": {"$max": "$price"},
            }
        },
        {"$sort": {"_id": 1}},
    ]
    groups = list(mongo.collection(PRODUCTS).aggregate(pipeline))
    by_category = [
        {
            "category": g["_id"],
            "products": g["products"],
            "options": g["options"],
            "lowest_price": g["lowest_price"],
            "highest_price": g["highest_price"],
        }
        for g in groups
    ]
    return {
        "total_products": sum(g["products"] for g in by_category),
        "total_options": sum(g["options"] for g in by_category),
        "lowest_price": min((g["lowest_price"] for g in by_category), default=None),
        "highest_price": max((g["highest_price"] for g in by_category), default=None),
        "currency": data.CURRENCY,
        "by_category": by_category,
    }


# --- ProductCo orders ---------------------------------------------------------------------------------


def _order_fields(payload: dict[str, Any]) -> dict[str, Any]:
    """The order's fields, type-checked; ApiError listing every bad field."""
    errors: dict[str, str] = {}
    product_id = payload.get("product_id")
    if not isinstance(product_id, str) or not product_id.strip():
        errors["product_id"] = "Give the product id, e.g. p-001."
    option = payload.get("option")
    if not isinstance(option, str) or not option.strip():
        errors["option"] = "Give one of the product's options (size or colour)."
    quantity = payload.get("quantity")
    if isinstance(quantity, str) and quantity.strip().isdigit():
        quantity = int(quantity)
    if isinstance(quantity, float) and quantity.is_integer():
        quantity = int(quantity)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        errors["quantity"] = f"Quantity must be a whole number from 1 to {MAX_QUANTITY}."
    name = payload.get("customer_name")
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        errors["customer_name"] = "Give the customer's name (at most 120 characters)."
    email = payload.get("customer_email")
    if not isinstance(email, str) or len(email) > 254 or not EMAIL.match(email.strip()):
        errors["customer_email"] = "Give a valid email address like name@example.com."
    if errors:
        raise ApiError("Some order fields are missing or invalid.", code="invalid_order", details=errors)
    assert isinstance(product_id, str) and isinstance(option, str)
    assert isinstance(name, str) and isinstance(email, str)
    return {
        "product_id": product_id.strip(),
        "option": option.strip(),
        "quantity": quantity,
        "customer_name": name.strip(),
        "customer_email": email.strip().lower(),
    }


def _public_order(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "order_id": doc["_id"],
        "status": doc["status"],
        "product": doc["product"],
        "option": doc["option"],
        "quantity": doc["quantity"],
        "total": doc["total"],
        "currency": doc["currency"],
        "customer_name": doc["customer"]["name"],
        "customer_email": doc["customer"]["email"],
        "created_at": doc["createdAt"].isoformat(),
    }


def _replay(doc: dict[str, Any], fingerprint: str) -> dict[str, Any]:
    if doc.get("fingerprint") != fingerprint:
        raise Conflict("This Idempotency-Key was already used for a different order.", code="idempotency_conflict")
    return _public_order(doc)


def order_place(*, payload: dict[str, Any], idempotency_key: str | None = None) -> tuple[dict[str, Any], bool]:
    """Validate and store an order, taking the stock; returns (order, replayed).

    The same Idempotency-Key returns the stored order instead of placing a second one.
    """
    fields = _order_fields(payload)
    fingerprint = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
    orders = mongo.collection(ORDERS)
    # With a key the order id is derived from it, so two racing requests collide on _id and only one wins.
    order_id = (
        "ord_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]
        if idempotency_key
        else "ord_" + secrets.token_hex(10)
    )
    if idempotency_key and (existing := orders.find_one({"_id": order_id})):
        return _replay(existing, fingerprint), True

    products = mongo.collection(PRODUCTS)
    product = products.find_one({"_id": fields["product_id"]})
    if product is None:
        raise NotFound(f"No product with id {fields['product_id']!r}.", code="unknown_product")
    if fields["option"] not in product.get("options", []):
        raise ApiError(
            f"{product['name']} has no option {fields['option']!r}.",
            code="invalid_option",
            details={"options": product.get("options", [])},
        )
    quantity = fields["quantity"]
    # Conditional decrement: two orders for the last items cannot both succeed.
    taken = products.update_one({"_id": product["_id"], "stock": {"$gte": quantity}}, {"$inc": {"stock": -quantity}})
    if taken.modified_count != 1:
        raise Conflict(
            f"Only {product.get('stock', 0)} of {product['name']} left in stock.",
            code="insufficient_stock",
            details={"stock": product.get("stock", 0)},
        )

    price = Decimal(str(product["price"]))
    now = timezone.now()
    doc = {
        "_id": order_id,
        "status": "received",
        "product": {
            "id": product["_id"],
            "name": product["name"],
            "category": product["category"],
            "price": product["price"],
            "image": (product.get("images") or [None])[0],
        },
        "option": fields["option"],
        "quantity": quantity,
        "total": float((price * quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
        "currency": product.get("currency", data.CURRENCY),
        "customer": {"name": fields["customer_name"], "email": fields["customer_email"]},
        "idempotencyKey": idempotency_key,
        "fingerprint": fingerprint,
        # BSON dates keep milliseconds; truncate so a replay answers byte for byte the same.
        "createdAt": now.replace(microsecond=now.microsecond // 1000 * 1000),
    }
    try:
        orders.insert_one(doc)
    except DuplicateKeyError:
        # Lost the race for this key: give the stock back and answer with the winner's order.
        products.update_one({"_id": product["_id"]}, {"$inc": {"stock": quantity}})
        existing = orders.find_one({"_id": order_id})
        if existing is None:  # pragma: no cover - the winner was deleted in between
            raise Conflict("Please retry the order.", code="retry") from None
        return _replay(existing, fingerprint), True
    return _public_order(doc), False


# --- EventCo conference -------------------------------------------------------------------------------


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    out = {"id": doc["_id"]}
    out.update({k: v for k, v in doc.items() if k != "_id"})
    return out


def event_get() -> dict[str, Any] | None:
    doc = mongo.collection(EVENT).find_one({"_id": data.EVENT_ID})
    return _public(doc) if doc else None


def speakers_list(*, topic: str | None = None) -> list[dict[str, Any]]:
    """Speakers, optionally those with a topic (or title) containing `topic`."""
    filter_: dict[str, Any] = {}
    if topic:
        pattern = {"$regex": re.escape(topic.strip()), "$options": "i"}
        filter_ = {"$or": [{"topics": pattern}, {"title": pattern}]}
    return [_public(doc) for doc in mongo.collection(SPEAKERS).find(filter_).sort("_id", 1)]


def talks_list(*, day: int | None = None, track: str | None = None) -> list[dict[str, Any]]:
    """The schedule in time order, each talk with its speakers' names joined in."""
    filter_: dict[str, Any] = {}
    if day is not None:
        filter_["day"] = day
    if track:
        filter_["track"] = {"$regex": f"^{re.escape(track.strip())}$", "$options": "i"}
    docs = list(mongo.collection(TALKS).find(filter_).sort([("day", 1), ("start", 1), ("room", 1)]))
    speaker_ids = sorted({sid for doc in docs for sid in doc.get("speaker_ids", [])})
    # One query for all speakers instead of one per talk.
    names = {
        doc["_id"]: doc["name"] for doc in mongo.collection(SPEAKERS).find({"_id": {"$in": speaker_ids}}, {"name": 1})
    }
    talks = []
    for doc in docs:
        talk = _public(doc)
        talk["speakers"] = ", ".join(names.get(sid, sid) for sid in doc.get("speaker_ids", []))
        talks.append(talk)
    return talks


# --- Seed ---------------------------------------------------------------------------------------------


def _upsert_all(name: str, docs: list[dict[str, Any]]) -> dict[str, int]:
    """Replace each document by its fixed _id; counts created, updated and unchanged."""
    result = mongo.collection(name).bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs])
    created, updated = result.upserted_count, result.modified_count
    return {"created": created, "updated": updated, "unchanged": len(docs) - created - updated}


def demo_content_upsert(*, base_url: str) -> dict[str, dict[str, int]]:
    """Write the demo catalog and conference; re-running leaves identical documents untouched.

    Products are replaced whole, so a re-seed also restores stock taken by demo orders.
    """
    return {
        PRODUCTS: _upsert_all(PRODUCTS, data.products(base_url)),
        EVENT: _upsert_all(EVENT, [data.event(base_url)]),
        SPEAKERS: _upsert_all(SPEAKERS, data.speakers(base_url)),
        TALKS: _upsert_all(TALKS, data.talks()),
    }
