"""OpenAPI 3 and curl import: proposals that validate as descriptors, and clear problems for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from httptools import importers
from httptools.importers import ImportProblem, curl_proposal, openapi_load, openapi_proposals
from httptools.models import HttpTool
from httptools.services import descriptor_build, descriptors_confirm

PETSTORE = (Path(__file__).parent / "fixtures" / "petstore.json").read_text()


def test_the_petstore_example_imports_one_descriptor_per_operation(tenants):
    proposals = openapi_proposals(openapi_load(PETSTORE))
    by_name = {p.data["name"]: p.data for p in proposals}
    assert set(by_name) == {"list_pets", "create_pets", "show_pet_by_id"}

    listing = by_name["list_pets"]
    assert listing["base_url"] == "http://petstore.swagger.io"
    assert listing["path_template"] == "/v1/pets"
    assert listing["query_params"] == {"limit": "{limit}"}
    assert listing["arguments_schema"]["properties"]["limit"]["type"] == "integer"
    assert listing["arguments_schema"]["additionalProperties"] is False
    assert listing["effect"] == "read"

    create = by_name["create_pets"]
    assert create["method"] == "POST" and create["effect"] == "write"
    # $ref to Pet resolved into the body's arguments, required kept
    assert create["body_template"] == {"id": "{id}", "name": "{name}", "tag": "{tag}"}
    assert create["arguments_schema"]["required"] == ["id", "name"]

    show = by_name["show_pet_by_id"]
    assert show["path_template"] == "/v1/pets/{petId}"
    assert show["arguments_schema"]["required"] == ["petId"]

    _saved, errors = descriptors_confirm(tenant=tenants[0], items=[p.data for p in proposals])
    assert not any(errors), errors
    assert HttpTool.objects.filter(tenant=tenants[0]).count() == 3


def test_a_yaml_document_and_picked_operations(tenants):
    document = openapi_load(yaml.safe_dump(json.loads(PETSTORE)))
    picked = openapi_proposals(document, selected={"GET /pets/{petId}"})
    assert [p.data["name"] for p in picked] == ["show_pet_by_id"]


def test_the_projects_own_openapi_imports_a_descriptor_per_operation(client, tenants, settings):
    settings.HTTPTOOLS_ALLOW_LOOPBACK = True
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = openapi_load(response.content.decode())
    operations = importers.openapi_operations(document)
    assert operations, "the project's API should have at least one operation"
    with pytest.raises(ImportProblem):
        openapi_proposals(document)  # no absolute server URL: staff must give one
    proposals = openapi_proposals(document, base_url="http://127.0.0.1:8000")
    assert len(proposals) == len(operations)
    assert {p.key for p in proposals} == {key for key, _ in operations}
    for proposal in proposals:
        tool = descriptor_build(tenant=tenants[0], data=proposal.data)
        tool.full_clean()
        assert "$ref" not in json.dumps(proposal.data)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("{not json: [", "Neither JSON nor YAML"),
        ('{"swagger": "2.0", "paths": {}}', "OpenAPI 3"),
        ("[1, 2]", "object"),
        ('{"openapi": "3.0.0"}', "paths"),
    ],
)
def test_a_bad_document_is_a_clear_problem(text, message):
    with pytest.raises(ImportProblem, match=message):
        openapi_load(text)


def test_an_unresolvable_or_circular_ref_is_a_clear_problem():
    document = json.loads(PETSTORE)
    document["paths"]["/pets"]["get"]["parameters"][0] = {"$ref": "#/components/parameters/Missing"}
    with pytest.raises(ImportProblem, match="points to nothing"):
        openapi_proposals(openapi_load(json.dumps(document)))
    document = json.loads(PETSTORE)
    document["components"]["schemas"]["Pet"]["properties"]["parent"] = {"$ref": "#/components/schemas/Pet"}
    with pytest.raises(ImportProblem, match="itself"):
        openapi_proposals(openapi_load(json.dumps(document)))
    document = json.loads(PETSTORE)
    document["paths"]["/pets"]["post"]["requestBody"] = {"$ref": "https://evil.example.com/x.json"}
    with pytest.raises(ImportProblem, match="local"):
        openapi_proposals(openapi_load(json.dumps(document)))


def test_openapi_3_0_nullable_and_exclusive_bounds_become_json_schema():
    schema = importers.to_json_schema(
        {"type": "integer", "nullable": True, "minimum": 0, "exclusiveMinimum": True, "example": 3, "x-internal": 1}
    )
    assert schema == {"type": ["integer", "null"], "exclusiveMinimum": 0, "examples": [3]}


def test_a_curl_command_becomes_a_descriptor_with_secrets_not_copied(tenants):
    command = """curl -X POST 'https://api.shop.example.com/v2/orders?currency=EUR' \\
      -H 'Authorization: Bearer sk_live_abcdef123456' -H 'Content-Type: application/json' \\
      -H 'X-Client: voice' --data '{"product_id": 42, "size": "42", "quantity": 1}'"""
    proposal = curl_proposal(command, name="place_order")
    data = proposal.data
    assert data["name"] == "place_order"
    assert data["method"] == "POST" and data["effect"] == "write"
    assert data["base_url"] == "https://api.shop.example.com"
    assert data["path_template"] == "/v2/orders"
    assert data["query_params"] == {"currency": "{currency}"}
    assert data["body_template"] == {"product_id": "{product_id}", "size": "{size}", "quantity": "{quantity}"}
    assert data["arguments_schema"]["properties"]["product_id"]["type"] == "integer"
    assert data["headers"]["Authorization"] == "Bearer {{secret:API_SHOP_EXAMPLE_COM_AUTHORIZATION}}"
    assert data["headers"]["X-Client"] == "voice"
    assert "sk_live_abcdef123456" not in json.dumps(data)
    assert any("secret" in note for note in proposal.notes)
    descriptor_build(tenant=tenants[0], data=data).full_clean()


def test_a_curl_get_with_query_becomes_arguments():
    proposal = curl_proposal("curl 'https://api.example.com/search?q=shoes&limit=5' -H 'Accept: application/json'")
    data = proposal.data
    assert data["method"] == "GET"
    assert data["query_params"] == {"q": "{q}", "limit": "{limit}"}
    assert data["arguments_schema"]["properties"]["limit"] == {"type": "integer", "examples": [5]}
    assert data["name"] == "get_search"


@pytest.mark.parametrize(
    "command, message",
    [
        ("", "Paste"),
        ("wget https://example.com", "not a curl command"),
        ("ls -la; rm -rf /", "not a curl command"),
        ("curl -H 'X: y'", "no URL"),
        ("curl 'https://example.com", "could not be parsed"),
        ("curl ftp://example.com/file", "not an http"),
    ],
)
def test_a_line_that_is_not_a_usable_curl_command_is_a_clear_problem(command, message):
    with pytest.raises(ImportProblem, match=message):
        curl_proposal(command)
