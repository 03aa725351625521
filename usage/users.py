"""`users` in MongoDB: a tenant's identified visitors, one document per (tenantId, emailHash).

Written by the seed's rule: an upsert by emailHash with `$setOnInsert` for emailHash and createdAt, `$set`
for email, tenantId, channel and updatedAt. The e-mail itself is kept only when the tenant enabled it;
otherwise `email` is null. Invoices and analytics join usage to users by emailHash in application code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, IndexModel

from config import mongo

USERS = "users"


def _require_tenant(tenant_id: Any) -> int:
    if not isinstance(tenant_id, int) or isinstance(tenant_id, bool) or tenant_id <= 0:
        raise ValueError("a tenant id is required for every users query")
    return tenant_id


def user_upsert(
    *, tenant_id: int, email_hash: str, email: str | None, channel: str, now: datetime | None = None
) -> None:
    moment = now or datetime.now(UTC)
    mongo.collection(USERS).update_one(
        {"tenantId": _require_tenant(tenant_id), "emailHash": email_hash},
        {
            "$setOnInsert": {"emailHash": email_hash, "createdAt": moment},
            # `email: None` also forgets an address kept before the tenant switched the setting off.
            "$set": {"email": email, "tenantId": tenant_id, "channel": channel, "updatedAt": moment},
        },
        upsert=True,
    )


def users_by_hash(*, tenant_id: int, email_hashes: list[str]) -> dict[str, dict[str, Any]]:
    """The tenant's users with these hashes, by emailHash (the invoices' and analytics' join)."""
    if not email_hashes:
        return {}
    cursor = mongo.collection(USERS).find(
        {"tenantId": _require_tenant(tenant_id), "emailHash": {"$in": sorted(set(email_hashes))}}, {"_id": 0}
    )
    return {doc["emailHash"]: doc for doc in cursor}


def users_idle_since(*, tenant_id: int, before: datetime, limit: int = 1000) -> list[str]:
    """emailHashes of the tenant's users not seen (no session upserted them) since `before`."""
    cursor = mongo.collection(USERS).find(
        {"tenantId": _require_tenant(tenant_id), "updatedAt": {"$lt": before}}, {"emailHash": 1}
    )
    return [doc["emailHash"] for doc in cursor.limit(limit)]


def users_delete(*, tenant_id: int, email_hashes: list[str]) -> int:
    if not email_hashes:
        return 0
    result = mongo.collection(USERS).delete_many(
        {"tenantId": _require_tenant(tenant_id), "emailHash": {"$in": email_hashes}}
    )
    return int(result.deleted_count)


def indexes() -> dict[str, list[IndexModel]]:
    return {
        USERS: [
            IndexModel([("tenantId", ASCENDING), ("emailHash", ASCENDING)], unique=True, name="one_user_per_tenant"),
            IndexModel([("tenantId", ASCENDING), ("updatedAt", ASCENDING)], name="by_tenant_seen"),
        ]
    }
