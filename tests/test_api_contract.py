"""API contract: schemathesis generates requests for every operation in /api/openapi.json and sends them
in-process through the project's ASGI application (config.asgi, the same stack Daphne serves); no answer
may be a server error. Anonymous callers and a logged-in staff superuser (session cookie + CSRF token) are
both tried, so the console endpoints run their real code, not only the 401/403 branch."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.middleware.csrf import _get_new_csrf_string  # the unmasked secret the cookie holds
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from agents.models import Agent
from config.asgi import application
from demo.seed import demo_seed
from tenants.models import Tenant

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SCHEMA_PATH = "/api/openapi.json"


@pytest.fixture
def api_schema(transactional_db: None, redis_conn: Any, mongo: Any) -> Any:
    """The live schema, with the demo tenants seeded (so pk_demo_* keys and tenant/agent ids exist)."""
    demo_seed()
    return schemathesis.openapi.from_asgi(SCHEMA_PATH, application)


@pytest.fixture
def staff_headers(api_schema: Any) -> dict[str, str]:
    """Cookie and CSRF headers of the demo superuser's session, as the console page sends them."""
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))
    csrf = _get_new_csrf_string()
    session = client.cookies["sessionid"].value
    return {"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf}


# schemathesis.pytest.from_fixture(...).parametrize() sets request.node._nodeid, which pytest 9 no longer has
# (AttributeError), so each operation's strategy is driven with Hypothesis directly.
SETTINGS = settings(
    max_examples=30,
    deadline=5000,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


def known_ids() -> dict[str, Any]:
    """Real values from the demo seed, so generated requests also reach the code past the 404s."""
    tenant = Tenant.objects.get(slug="productco")
    return {
        "key": "pk_demo_productco",
        "tenant_id": tenant.pk,
        "agent_id": Agent.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True)[0],
        "origin": tenant.allowed_origins.split()[0],
    }


def with_known_ids(known: dict[str, Any]) -> Any:
    def fill(case: Any) -> Any:
        if isinstance(case.body, dict):
            for name in ("key", "agent_id"):
                if name in case.body:
                    case.body[name] = known[name]
        if case.query and "tenant_id" in case.query:
            case.query["tenant_id"] = known["tenant_id"]
        if case.operation.path == "/api/widget/bootstrap":
            case.headers = {**(case.headers or {}), "Origin": known["origin"]}
        return case

    return fill


def server_errors(api_schema: Any, headers: dict[str, str] | None = None) -> tuple[list[str], dict[str, Counter[int]]]:
    """Run every operation in both generation modes: the failures (one per operation and mode, with the
    minimal failing request as a curl command) and the status codes seen per operation."""
    failures: list[str] = []
    statuses: dict[str, Counter[int]] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    fill = with_known_ids(known_ids())
    assert operations, "the schema has no operations"
    for operation in operations:
        seen = statuses.setdefault(f"{operation.method.upper()} {operation.path}", Counter())
        for mode in MODES:
            generated = operation.as_strategy(generation_mode=mode)

            @given(case=st.one_of(generated, generated.map(fill)))
            @SETTINGS
            def run(case: Any) -> None:
                response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
                seen[response.status_code] += 1

            try:
                run()
            except Exception as error:  # Hypothesis re-raises the minimal failing example's error
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {error}")
    return failures, statuses


def test_the_schema_lists_every_api_operation(api_schema: Any) -> None:
    paths = set(api_schema.raw_schema["paths"])
    assert {"/api/widget/bootstrap", "/api/console/token", "/api/console/tenants", "/api/console/sessions"} <= paths


def test_no_server_error_for_anonymous_callers(api_schema: Any) -> None:
    failures, statuses = server_errors(api_schema)
    assert not failures, "\n\n".join(failures)
    assert all(statuses.values()), statuses  # every operation was called
    assert set(statuses["GET /api/console/tenants"]) <= {401, 403}, statuses  # the console is staff only


def test_no_server_error_for_a_staff_session(api_schema: Any, staff_headers: dict[str, str]) -> None:
    failures, statuses = server_errors(api_schema, staff_headers)
    assert not failures, "\n\n".join(failures)
    assert statuses["GET /api/console/tenants"][200], statuses  # really logged in: the console's code ran
