"""Admin pages: render for staff, refuse non-staff, stay inside the staff member's tenants, never 500."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from httptools.models import HttpTool
from httptools.services import tool_save
from tests.support.factories import build_tool, make_secret, make_user

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

PETSTORE = (Path(__file__).parent / "fixtures" / "petstore.json").read_text()
CANARY = "canary-admin-55e1f0"


def make_saved_tool(tenant, base_url, **overrides):
    """A card-showing descriptor saved through the service admin uses."""
    card = {"visual": "product_cards", "visual_props": {"products": "results"}}
    return tool_save(tool=build_tool(base_url, tenant=tenant, **{**card, **overrides}))


@pytest.fixture
def setup(personas, settings):
    """The personas' superuser, operator of tenant A and visitor, and one card tool in each tenant."""
    settings.HTTPTOOLS_ALLOW_LOOPBACK = True
    tool_a = make_saved_tool(personas.tenant_a, "http://127.0.0.1:8000")
    tool_b = make_saved_tool(personas.tenant_b, "http://127.0.0.1:8000", name="other_tool")
    return (personas.superuser, personas.staff_a, personas.visitor), tool_a, tool_b


def page_urls(tool):
    return [
        reverse("admin:httptools_httptool_changelist"),
        reverse("admin:httptools_httptool_change", args=[tool.pk]),
        reverse("admin:httptools_httptool_test", args=[tool.pk]),
        reverse("admin:httptools_httptool_import_openapi"),
        reverse("admin:httptools_httptool_import_curl"),
        reverse("admin:httptools_httptool_draft"),
    ]


def test_every_page_renders_for_staff(client, setup):
    (superuser, operator, _), tool_a, _ = setup
    for user in (superuser, operator):
        client.force_login(user)
        for url in page_urls(tool_a):
            response = client.get(url)
            assert response.status_code == 200, (user.username, url)
    change = client.get(reverse("admin:httptools_httptool_change", args=[tool_a.pk])).content.decode()
    assert "Test this tool" in change
    listing = client.get(reverse("admin:httptools_httptool_changelist")).content.decode()
    assert "Import OpenAPI" in listing and "Import curl" in listing and "Draft with AI" in listing
    for name in ("import_openapi", "import_curl"):
        assert 'value="Propose tools"' in client.get(reverse(f"admin:httptools_httptool_{name}")).content.decode()


def test_every_page_refuses_non_staff_and_anonymous(client, setup):
    (_, _, visitor), tool_a, _ = setup
    tools_before = HttpTool.objects.count()
    urls = [*page_urls(tool_a), reverse("admin:httptools_httptool_review")]
    for login in (None, visitor):
        client.logout()
        if login:
            client.force_login(login)
        for url in urls:
            for response in (client.get(url), client.post(url, {})):
                assert response.status_code == 302 and "/login/" in response["Location"], url
    assert HttpTool.objects.count() == tools_before


def test_staff_see_only_their_tenants_tools(client, setup):
    (_, operator, _), _tool_a, tool_b = setup
    client.force_login(operator)
    listing = client.get(reverse("admin:httptools_httptool_changelist")).content.decode()
    assert "search_products" in listing and "other_tool" not in listing
    assert client.get(reverse("admin:httptools_httptool_test", args=[tool_b.pk])).status_code == 404
    assert (
        client.post(reverse("admin:httptools_httptool_test", args=[tool_b.pk]), {"arguments": "{}"}).status_code == 404
    )
    # Importing into a tenant the operator does not operate is refused, on either step.
    response = client.post(
        reverse("admin:httptools_httptool_import_curl"),
        {"tenant": tool_b.tenant_id, "command": "curl https://api.example.com/x"},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    review = client.post(
        reverse("admin:httptools_httptool_review"),
        {"tenant": tool_b.tenant_id, "count": 1, "include_0": "on", "descriptor_0": "{}"},
    )
    assert review.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_test_page_shows_the_masked_request_response_result_and_card(client, tenants, server):
    make_secret(tenants[0], name="SHOP_KEY", value=CANARY)
    tool = make_saved_tool(tenants[0], server.base, headers={"X-Api-Key": "{{secret:SHOP_KEY}}"})
    client.force_login(make_user(superuser=True))
    url = reverse("admin:httptools_httptool_test", args=[tool.pk])
    response = client.post(url, {"arguments": '{"query": "trail"}'})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"GET {server.base}/products?q=trail" in page
    assert "X-Api-Key: •••••• (secret SHOP_KEY)" in page
    assert "HTTP 200" in page and "Trail Runner 1" in page
    assert 'class="va-card va-products"' in page  # the rendered card
    assert CANARY not in page
    assert ("X-Api-Key", CANARY) in server.seen[-1].headers


def test_the_test_page_reports_bad_input_without_a_500(client, setup):
    (superuser, _, _), tool_a, _ = setup
    client.force_login(superuser)
    url = reverse("admin:httptools_httptool_test", args=[tool_a.pk])
    for arguments, message in (("{not json", "Not valid JSON"), ("[1]", "JSON object"), ('{"extra": 1}', "not valid")):
        response = client.post(url, {"arguments": arguments})
        assert response.status_code == 200 and message in response.content.decode(), arguments
    assert client.get(reverse("admin:httptools_httptool_test", args=["nope"])).status_code == 404


def test_openapi_import_proposes_then_saves_only_what_staff_confirm(client, setup):
    (superuser, _, _), tool_a, _ = setup
    client.force_login(superuser)
    tenant = tool_a.tenant
    names = lambda: set(HttpTool.objects.filter(tenant=tenant).values_list("name", flat=True))  # noqa: E731
    before = names()
    response = client.post(
        reverse("admin:httptools_httptool_import_openapi"), {"tenant": tenant.pk, "document_text": PETSTORE}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Review 3 proposed tool(s)" in page
    assert names() == before  # nothing saved yet
    items = response.context["items"]
    form = {"tenant": tenant.pk, "count": len(items), "source": "OpenAPI"}
    for item in items:
        form[f"descriptor_{item['index']}"] = item["text"]
        form[f"key_{item['index']}"] = item["key"]
        if item["key"] != "POST /pets":
            form[f"include_{item['index']}"] = "on"
    saved = client.post(reverse("admin:httptools_httptool_review"), form)
    assert saved.status_code == 302
    assert names() == before | {"list_pets", "show_pet_by_id"}


def test_openapi_import_accepts_an_uploaded_file(client, setup):
    (superuser, _, _), tool_a, _ = setup
    client.force_login(superuser)
    upload = SimpleUploadedFile("petstore.json", PETSTORE.encode(), content_type="application/json")
    response = client.post(
        reverse("admin:httptools_httptool_import_openapi"), {"tenant": tool_a.tenant_id, "document_file": upload}
    )
    assert response.status_code == 200 and "Review 3 proposed tool(s)" in response.content.decode()


@pytest.mark.parametrize(
    "document, message",
    [
        ("{malformed", "Neither JSON nor YAML"),
        ("", "Upload a document or paste one"),
        (
            json.dumps(
                {
                    "openapi": "3.0.0",
                    "servers": [{"url": "https://api.example.com"}],
                    "paths": {"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/Nope"}]}}},
                }
            ),
            "points to nothing",
        ),
    ],
)
def test_openapi_import_shows_clear_errors_for_bad_documents(client, setup, document, message):
    (superuser, _, _), tool_a, _ = setup
    client.force_login(superuser)
    response = client.post(
        reverse("admin:httptools_httptool_import_openapi"), {"tenant": tool_a.tenant_id, "document_text": document}
    )
    assert response.status_code == 200 and message in response.content.decode()


def test_the_review_step_shows_field_errors_and_saves_nothing(client, setup):
    (superuser, _, _), tool_a, _ = setup
    client.force_login(superuser)
    good = json.dumps({"name": "ok_tool", "description": "d", "base_url": "https://api.example.com"})
    bad = json.dumps({"name": "Bad Name", "description": "d", "base_url": "http://169.254.169.254"})
    response = client.post(
        reverse("admin:httptools_httptool_review"),
        {
            "tenant": tool_a.tenant_id,
            "count": 3,
            "include_0": "on",
            "descriptor_0": good,
            "include_1": "on",
            "descriptor_1": bad,
            "include_2": "on",
            "descriptor_2": "{oops",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "name: Use snake_case" in page and "base_url:" in page and "Not valid JSON" in page
    assert not HttpTool.objects.filter(name="ok_tool").exists()  # all or none


def test_curl_import_reviews_then_saves(client, setup):
    (superuser, _, _), tool_a, _ = setup
    client.force_login(superuser)
    url = reverse("admin:httptools_httptool_import_curl")
    refused = client.post(url, {"tenant": tool_a.tenant_id, "command": "rm -rf / # not curl"})
    assert refused.status_code == 200 and "not a curl command" in refused.content.decode()
    response = client.post(
        url,
        {
            "tenant": tool_a.tenant_id,
            "name": "find_shoes",
            "command": "curl 'https://api.example.com/search?q=shoes' -H 'X-Api-Key: k-123'",
        },
    )
    assert response.status_code == 200
    item = response.context["items"][0]
    assert "k-123" not in item["text"]
    saved = client.post(
        reverse("admin:httptools_httptool_review"),
        {"tenant": tool_a.tenant_id, "count": 1, "include_0": "on", "descriptor_0": item["text"]},
    )
    assert saved.status_code == 302
    tool = HttpTool.objects.get(name="find_shoes")
    assert tool.headers == {"X-Api-Key": "{{secret:API_EXAMPLE_COM_X_API_KEY}}"}
    assert tool.version == 1 and tool.versions.count() == 1


def test_draft_with_ai_says_plainly_when_there_is_no_api_key(client, setup, settings):
    settings.OPENAI_API_KEY = ""
    (superuser, _, _), tool_a, _ = setup
    client.force_login(superuser)
    url = reverse("admin:httptools_httptool_draft")
    for response in (client.get(url), client.post(url, {"tenant": tool_a.tenant_id, "documentation": "GET /x"})):
        assert response.status_code == 200
        assert "OPENAI_API_KEY is not set" in response.content.decode()


class ResponsesApi(BaseHTTPRequestHandler):
    """OpenAI's Responses API as far as Draft with AI uses it, on loopback: there is no network to reach the
    real one. The real `openai` client talks to it over HTTP; it keeps each request body and answers `draft`."""

    draft: dict = {}
    requests: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append((self.path, body))
        answer = {
            "id": "resp_draft",
            "object": "response",
            "created_at": 0,
            "model": body["model"],
            "status": "completed",
            "output": [
                {
                    "type": "message",
                    "id": "msg_draft",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": json.dumps(self.draft), "annotations": []}],
                }
            ],
            "parallel_tool_calls": False,
            "tool_choice": "auto",
            "tools": [],
        }
        encoded = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, *args):
        pass


@pytest.fixture
def responses_api(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), ResponsesApi)
    ResponsesApi.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield ResponsesApi
    server.shutdown()
    server.server_close()


def test_a_proposed_draft_goes_through_the_same_review_page(client, setup, responses_api):
    (superuser, _, _), tool_a, _ = setup
    canned = {
        "name": "list_speakers",
        "description": "List the conference speakers.",
        "method": "GET",
        "base_url": "https://events.example.com",
        "path_template": "/speakers",
        "effect": "read",
        "visual": "speaker_list",
        "notes": "Check the path.",
        "query_params_json": '{"topic": "{topic}"}',
        "headers_json": '{"Authorization": "Bearer abc"}',
        "body_template_json": "null",
        "arguments_schema_json": '{"type": "object", "properties": {"topic": {"type": "string"}}}',
        "constants_json": "{}",
        "response_mapping_json": '{"items": "speakers", "fields": ["name"]}',
        "visual_props_json": '{"speakers": "speakers"}',
    }
    responses_api.draft = canned
    client.force_login(superuser)
    response = client.post(
        reverse("admin:httptools_httptool_draft"),
        {"tenant": tool_a.tenant_id, "documentation": "GET /speakers?topic=... lists the speakers."},
    )
    assert response.status_code == 200
    [(path, request)] = responses_api.requests
    assert path == "/v1/responses"
    assert request["input"].startswith("GET /speakers") and request["text"]["format"]["strict"] is True
    page = response.content.decode()
    assert "Draft with AI" in page and "list_speakers" in page and "Check the path." in page
    item = response.context_data["items"][0]
    assert "Bearer abc" not in item["text"]  # a literal credential became a secret reference
    assert not HttpTool.objects.filter(name="list_speakers").exists()
    saved = client.post(
        reverse("admin:httptools_httptool_review"),
        {"tenant": tool_a.tenant_id, "count": 1, "include_0": "on", "descriptor_0": item["text"]},
    )
    assert saved.status_code == 302
    tool = HttpTool.objects.get(name="list_speakers")
    assert tool.arguments_schema["additionalProperties"] is False
    assert tool.headers == {"Authorization": "{{secret:AUTHORIZATION}}"}
