"""seed_demo: creates the three demo tenants with agents, tools, content and a login, and is idempotent."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from agents.models import Agent, AgentTool, Prompt, PromptVersion
from demo import DEMO_LOGIN, store
from demo.seed import demo_seed
from httptools.models import HttpTool
from tenants.models import Tenant, TenantSecret, WidgetKey

SQL_MODELS = [Tenant, WidgetKey, TenantSecret, Prompt, PromptVersion, Agent, HttpTool, AgentTool, get_user_model()]
MONGO_COLLECTIONS = [store.PRODUCTS, store.EVENT, store.SPEAKERS, store.TALKS]


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _snapshot(mongo: Any) -> dict[str, int]:
    counts = {model.__name__: model._default_manager.count() for model in SQL_MODELS}
    counts.update({name: mongo[name].count_documents({}) for name in MONGO_COLLECTIONS})
    return counts


@pytest.mark.django_db
def test_it_gives_the_same_counts_when_run_twice(mongo: Any) -> None:
    first = demo_seed()
    after_first = _snapshot(mongo)
    second = demo_seed()

    assert _snapshot(mongo) == after_first
    assert all(tally["created"] == 0 and tally["updated"] == 0 for tally in second.values()), second
    assert first["tenants"]["created"] == 3
    assert after_first["HttpTool"] == 6 and after_first["AgentTool"] == 6
    assert after_first["PromptVersion"] == 3


@pytest.mark.django_db
def test_the_command_prints_the_login_and_what_it_found(mongo: Any) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    text = out.getvalue()

    assert f"username {DEMO_LOGIN.username}" in text and f"password {DEMO_LOGIN.password}" in text
    assert "tenants            0 /   0 /   3" in text


@pytest.mark.django_db
def test_it_creates_the_tenants_keys_agents_and_tools(mongo: Any) -> None:
    demo_seed()

    assert set(Tenant.objects.values_list("slug", flat=True)) == {"productco", "eventco", "cypress"}
    for slug in ("productco", "eventco", "cypress"):
        key = WidgetKey.objects.get(public_id=f"pk_demo_{slug}")
        assert key.tenant.slug == slug and key.channel == "widget" and key.is_active
        tenant = key.tenant
        assert "http://127.0.0.1:8000" in tenant.origins and "http://localhost:8000" in tenant.origins
    names = dict(Agent.objects.values_list("tenant__slug", "name"))
    assert names == {"productco": "ProductCo Assistant", "eventco": "Event Agent", "cypress": "Cypress Helper"}
    for agent in Agent.objects.all():
        assert agent.prompt.published_version is not None
        assert agent.prompt.published_version.render().startswith("# Identity")

    tools = {t.name: t for t in HttpTool.objects.filter(tenant__slug="productco")}
    assert set(tools) == {"search_products", "catalog_stats", "place_order"}
    search = tools["search_products"]
    assert search.base_url == "http://127.0.0.1:8000"
    assert search.headers == {"X-Api-Key": "{{secret:PRODUCTCO_API_KEY}}"}
    assert search.arguments_schema["additionalProperties"] is False
    assert "lowest price first" in search.arguments_schema["properties"]["sort"]["description"]
    assert search.visual == "product_cards" and search.visual_props == {"products": "results"}
    assert tools["place_order"].effect == "write" and tools["place_order"].method == "POST"
    event_tools = set(HttpTool.objects.filter(tenant__slug="eventco").values_list("name", flat=True))
    assert event_tools == {"get_event_info", "list_speakers", "list_sessions"}
    assert AgentTool.objects.filter(on_widget=True, on_console=True).count() == 6
    assert not AgentTool.objects.filter(agent__tenant__slug="cypress").exists()


@pytest.mark.django_db
def test_the_secret_is_encrypted_once_and_not_rewritten(mongo: Any) -> None:
    demo_seed()
    secret = TenantSecret.objects.get(tenant__slug="productco", name="PRODUCTCO_API_KEY")
    ciphertext = secret.value_encrypted
    demo_seed()

    secret.refresh_from_db()
    assert secret.value_encrypted == ciphertext
    assert secret.reveal() == "demo-productco-key-123"


@pytest.mark.django_db
def test_the_demo_user_can_log_in_as_superuser(mongo: Any) -> None:
    demo_seed()
    user = get_user_model().objects.get(username=DEMO_LOGIN.username)

    assert user.is_staff and user.is_superuser and user.check_password(DEMO_LOGIN.password)


@pytest.mark.django_db
def test_a_changed_row_is_put_back(mongo: Any) -> None:
    demo_seed()
    Agent.objects.filter(name="Event Agent").update(voice="ash")
    report = demo_seed()

    assert report["agents"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert Agent.objects.get(name="Event Agent").voice == "cedar"


@pytest.mark.django_db
def test_it_allows_the_configured_port(mongo: Any, settings: Any) -> None:
    settings.PORT = 8123
    demo_seed()

    assert "http://127.0.0.1:8123" in Tenant.objects.get(slug="eventco").origins
    assert HttpTool.objects.get(name="list_speakers").base_url == "http://127.0.0.1:8123"


@pytest.mark.django_db
def test_the_catalog_has_enough_products_with_image_urls(mongo: Any) -> None:
    demo_seed()
    products = list(mongo[store.PRODUCTS].find({}))

    assert len(products) >= 30
    assert len({p["category"] for p in products}) >= 5
    for product in products:
        assert isinstance(product["images"], list) and product["images"]
        assert all(isinstance(url, str) and url.endswith(".svg") for url in product["images"])
        assert isinstance(product["price"], int | float) and isinstance(product["stock"], int)
        assert product["currency"] == "EUR" and product["options"]
    assert mongo[store.SPEAKERS].count_documents({}) >= 8
    assert mongo[store.EVENT].count_documents({}) == 1
    assert {talk["day"] for talk in mongo[store.TALKS].find({})} == {1, 2}
