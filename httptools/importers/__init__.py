"""Turn an OpenAPI 3 document (`openapi`) or a curl command (`curl`) into unsaved descriptor data for staff
to review; both produce `proposals.Proposal`.

Nothing here saves: the admin shows the proposals and `services.descriptors_confirm` saves what staff confirm.
"""

from __future__ import annotations

from httptools.importers.curl import CurlRequest, curl_descriptor, curl_proposal, curl_request, curl_words
from httptools.importers.openapi import (
    openapi_load,
    openapi_operations,
    openapi_proposals,
    resolve_refs,
    to_json_schema,
)
from httptools.importers.proposals import (
    ImportProblem,
    Proposal,
    closed_schema,
    effect_for,
    safe_slot_name,
    snake_case,
    split_base_url,
)

__all__ = [
    "CurlRequest",
    "ImportProblem",
    "Proposal",
    "closed_schema",
    "curl_descriptor",
    "curl_proposal",
    "curl_request",
    "curl_words",
    "effect_for",
    "openapi_load",
    "openapi_operations",
    "openapi_proposals",
    "resolve_refs",
    "safe_slot_name",
    "snake_case",
    "split_base_url",
    "to_json_schema",
]
