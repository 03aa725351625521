"""The staff console page and its API: staff only, and only tenants the user has rights to."""

from __future__ import annotations

from html import escape
from typing import Any

import pytest
from django.test import Client

from tenants.tokens import token_verify
from tests.support.factories import make_agent, make_tenant, make_user
from transcripts import store as transcripts_store
from usage import budgets, limits
from usage import store as usage_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(redis_conn: Any) -> dict[str, Any]:
    """Two tenants; an operator of the first only, a superuser, and a visitor without staff rights."""
    shop = make_tenant(slug="shop", name="ShopCo")
    cypress = make_tenant(slug="cypress", name="CypressCo", allowed_origins="https://cypress.example.org")
    operator = make_user(username="operator", staff=True)
    shop.operators.add(operator)
    return {
        "shop": shop,
        "cypress": cypress,
        "shop_agent": make_agent(shop, name="Shop Assistant"),
        "cypress_agent": make_agent(cypress, name="Cypress Agent"),
        "operator": operator,
        "root": make_user(username="root", superuser=True),
        "visitor": make_user(username="visitor"),
    }


def logged_in(user: Any, *, enforce_csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


# --- the page ------------------------------------------------------------------------------------------------


def test_the_console_redirects_anonymous_users_to_the_admin_login(client: Client, world: Any) -> None:
    response = client.get("/console/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_console_refuses_non_staff(world: Any) -> None:
    response = logged_in(world["visitor"]).get("/console/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_console_opens_for_staff_and_cannot_be_framed(world: Any) -> None:
    response = logged_in(world["operator"]).get("/console/")

    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert b'name="csrf-token"' in response.content


# --- tenants -------------------------------------------------------------------------------------------------


def test_tenants_list_needs_a_signed_in_staff_user(client: Client, world: Any) -> None:
    anonymous = client.get("/api/console/tenants")
    visitor = logged_in(world["visitor"]).get("/api/console/tenants")

    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
    assert visitor.status_code == 403
    assert visitor.json()["error"]["code"] == "forbidden"


def test_staff_see_only_tenants_they_have_rights_to(world: Any) -> None:
    body = logged_in(world["operator"]).get("/api/console/tenants").json()

    assert [t["name"] for t in body] == ["ShopCo"]
    assert [a["name"] for a in body[0]["agents"]] == ["Shop Assistant"]


def test_superusers_see_every_tenant(world: Any) -> None:
    body = logged_in(world["root"]).get("/api/console/tenants").json()

    assert sorted(t["name"] for t in body) == ["CypressCo", "ShopCo"]


# --- tokens --------------------------------------------------------------------------------------------------


def test_a_console_token_is_bound_to_the_agent_and_the_console_channel(world: Any) -> None:
    response = logged_in(world["operator"]).post(
        "/api/console/token", {"agent_id": world["shop_agent"].pk}, content_type="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    claims = token_verify(body["token"])
    assert claims.channel == "console"
    assert claims.tenant_id == world["shop"].pk
    assert claims.agent_id == world["shop_agent"].pk
    assert claims.origin == "http://testserver"
    assert body["wsPath"] == "/ws/voice/"
    assert body["agent"] == {"id": world["shop_agent"].pk, "name": "Shop Assistant"}


def test_a_console_token_for_a_tenant_without_rights_is_404(world: Any) -> None:
    response = logged_in(world["operator"]).post(
        "/api/console/token", {"agent_id": world["cypress_agent"].pk}, content_type="application/json"
    )

    assert response.status_code == 404
    assert "token" not in response.json()


def test_a_console_token_for_an_unknown_agent_is_404(world: Any) -> None:
    response = logged_in(world["root"]).post(
        "/api/console/token", {"agent_id": 999_999}, content_type="application/json"
    )

    assert response.status_code == 404


def test_non_staff_get_no_console_token(client: Client, world: Any) -> None:
    payload = {"agent_id": world["shop_agent"].pk}

    assert client.post("/api/console/token", payload, content_type="application/json").status_code == 401
    assert (
        logged_in(world["visitor"]).post("/api/console/token", payload, content_type="application/json").status_code
        == 403
    )


def test_a_console_token_needs_the_csrf_token(world: Any) -> None:
    client = logged_in(world["operator"], enforce_csrf=True)
    payload = {"agent_id": world["shop_agent"].pk}

    refused = client.post("/api/console/token", payload, content_type="application/json")
    client.get("/console/")  # sets the CSRF cookie, as the page does
    accepted = client.post(
        "/api/console/token",
        payload,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert accepted.status_code == 200


# --- stored sessions -----------------------------------------------------------------------------------------


def _store_session(tenant: Any, agent: Any, session_id: str) -> None:
    usage_store.session_start(
        tenant_id=tenant.pk,
        channel="console",
        session_id=session_id,
        agent_id=agent.pk,
        agent_name=agent.name,
        model="gpt-realtime",
        key_id=None,
        simulator=True,
    )
    previous = transcripts_store.GENESIS
    for seq, (role, text) in enumerate([("user", "Do you have tents?"), ("assistant", "Yes, three.")]):
        previous = transcripts_store.transcript_write(
            tenant_id=tenant.pk,
            channel="console",
            session_id=session_id,
            item_id=f"item_{seq}",
            role=role,
            text=text,
            seq=seq,
            previous_hash=previous,
            retention_days=30,
        )
    transcripts_store.tool_log_write(
        {
            "tenantId": tenant.pk,
            "sessionId": session_id,
            "channel": "console",
            "tool": "search_products",
            "arguments": {"query": "tent"},
            "status": "ok",
            "httpStatus": 200,
            "latencyMs": 42.5,
            "errorClass": None,
        },
        retention_days=30,
    )


def test_recent_sessions_list_the_tenants_sessions(world: Any, mongo: Any) -> None:
    _store_session(world["shop"], world["shop_agent"], "sess_shop_1")
    _store_session(world["cypress"], world["cypress_agent"], "sess_cypress_1")

    body = logged_in(world["operator"]).get("/api/console/sessions", {"tenant_id": world["shop"].pk}).json()

    assert [s["sessionId"] for s in body] == ["sess_shop_1"]
    assert body[0]["agent"] == "Shop Assistant"
    usage = body[0]["usage"]
    assert (usage["dollars"], usage["totalTokens"], usage["responses"]) == (0.0, 0, 0)


def test_a_stored_session_opens_with_its_transcript_and_tool_logs(world: Any, mongo: Any) -> None:
    _store_session(world["shop"], world["shop_agent"], "sess_shop_1")

    response = logged_in(world["operator"]).get("/api/console/sessions/sess_shop_1", {"tenant_id": world["shop"].pk})

    assert response.status_code == 200
    body = response.json()
    assert [(line["role"], line["text"]) for line in body["transcript"]] == [
        ("user", "Do you have tents?"),
        ("assistant", "Yes, three."),
    ]
    assert body["toolLogs"][0]["tool"] == "search_products"
    assert body["toolLogs"][0]["arguments"] == {"query": "tent"}
    assert body["toolLogs"][0]["latencyMs"] == 42.5


def test_a_stored_session_shows_what_the_ai_service_refused(world: Any, mongo: Any) -> None:
    _store_session(world["shop"], world["shop_agent"], "sess_shop_1")
    detail = {"code": "invalid_value", "param": "session.audio.input.transcription.language", "message": "Not ISO"}
    for document in (
        {"kind": "config_rejected", "tool": None, "status": "invalid_value", "error": detail},
        {"kind": "card_action", "tool": None, "status": "clicked"},
    ):
        transcripts_store.tool_log_write(
            {"tenantId": world["shop"].pk, "sessionId": "sess_shop_1", "channel": "console", **document},
            retention_days=30,
        )

    body = logged_in(world["operator"]).get("/api/console/sessions/sess_shop_1", {"tenant_id": world["shop"].pk}).json()

    assert [(p["kind"], p["code"]) for p in body["problems"]] == [("config_rejected", "invalid_value")]
    assert body["problems"][0]["detail"] == "session.audio.input.transcription.language Not ISO"
    assert [log["tool"] for log in body["toolLogs"]] == ["search_products"]  # problems are not tool calls


def test_sessions_of_a_tenant_without_rights_are_404(world: Any, mongo: Any) -> None:
    _store_session(world["cypress"], world["cypress_agent"], "sess_cypress_1")
    client = logged_in(world["operator"])

    listing = client.get("/api/console/sessions", {"tenant_id": world["cypress"].pk})
    by_own_tenant = client.get("/api/console/sessions/sess_cypress_1", {"tenant_id": world["shop"].pk})
    by_their_tenant = client.get("/api/console/sessions/sess_cypress_1", {"tenant_id": world["cypress"].pk})

    assert listing.status_code == 404
    assert by_own_tenant.status_code == 404
    assert by_their_tenant.status_code == 404
    assert "transcript" not in by_their_tenant.json()


def test_a_session_id_that_is_not_a_plain_string_finds_nothing(world: Any, mongo: Any) -> None:
    _store_session(world["shop"], world["shop_agent"], "sess_shop_1")

    response = logged_in(world["operator"]).get('/api/console/sessions/{"$ne":""}', {"tenant_id": world["shop"].pk})

    assert response.status_code == 404


def test_a_tenant_past_80_percent_of_a_budget_is_flagged_in_the_console_and_admin_for_its_operators_only(
    world: Any, mongo: Any
) -> None:
    day, _month = budgets.periods_of()
    limits.spend_seed(tenant_id=world["cypress"].pk, period=day, micro_dollars=9_000_000, overwrite=True)
    operator, root = logged_in(world["operator"]), logged_in(world["root"])

    assert [t["budgetAlert"] for t in operator.get("/api/console/tenants").json()] == [""]
    flagged = {t["name"]: t["budgetAlert"] for t in root.get("/api/console/tenants").json()}
    assert flagged == {"CypressCo": "CypressCo has used $9.00 of today's $10.00 budget (90 %).", "ShopCo": ""}
    assert "budget-banner" not in operator.get("/admin/").content.decode()
    assert "CypressCo has used $9.00 of today" in root.get("/admin/").content.decode()

    limits.spend_seed(tenant_id=world["shop"].pk, period=day, micro_dollars=8_000_000, overwrite=True)
    page = operator.get("/admin/").content.decode()
    assert 'id="budget-banner"' in page and escape("ShopCo has used $8.00 of today's $10.00 budget (80 %).") in page
    assert "CypressCo" not in page
    tenant_page = root.get(f"/admin/tenants/tenant/{world['shop'].pk}/change/").content.decode()
    assert "ShopCo has used $8.00" in tenant_page and "CypressCo has used $9.00" in tenant_page
