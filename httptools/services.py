"""Behaviour that writes descriptors, and the shared steps behind the admin pages (test, import, review)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from httptools.executor import (
    ArgumentsInvalid,
    ToolResult,
    Trace,
    arguments_parse,
    secret_names,
    secrets_load,
    tool_trace,
)
from httptools.generation import needs_confirmation, tool_parameters
from httptools.guard import Resolver
from httptools.models import SNAPSHOT_FIELDS, HttpTool
from tenants.models import Tenant

# The descriptor fields a review page shows and an import may set: everything staff can edit, as versioned.
DESCRIPTOR_FIELDS = SNAPSHOT_FIELDS


def tool_save(*, tool: HttpTool) -> HttpTool:
    """Validate (ValidationError with per-field messages) and save; a change bumps the version (see the model)."""
    tool.full_clean()
    tool.save()
    return tool


def tools_allowed(*, agent: Any, channel: str) -> list[HttpTool]:
    """The enabled tools an agent may use on a channel (`widget` or `console`), same tenant only."""
    flag = {"widget": "agent_tools__on_widget", "console": "agent_tools__on_console"}.get(channel)
    if flag is None:
        raise ValueError(f"unknown channel {channel!r}")
    return list(
        HttpTool.objects.filter(
            tenant_id=agent.tenant_id, enabled=True, agent_tools__agent=agent, **{flag: True}
        ).order_by("name")
    )


def descriptor_build(*, tenant: Tenant, data: Any) -> HttpTool:
    """An unsaved descriptor from reviewed data; unknown keys are an error rather than silently dropped."""
    if not isinstance(data, dict):
        raise ValidationError("The descriptor must be a JSON object.")
    unknown = sorted(set(data) - set(DESCRIPTOR_FIELDS))
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(unknown)}.")
    tool = HttpTool(tenant=tenant)
    for name in DESCRIPTOR_FIELDS:
        if name in data:
            setattr(tool, name, data[name])
    return tool


def descriptors_check(*, tenant: Tenant, items: list[Any]) -> tuple[list[HttpTool | None], list[list[str]]]:
    """Build and validate reviewed descriptors without saving: (tools, error messages per item)."""
    tools: list[HttpTool | None] = []
    errors: list[list[str]] = []
    names: set[str] = set()
    for data in items:
        problems: list[str] = []
        tool: HttpTool | None = None
        try:
            tool = descriptor_build(tenant=tenant, data=data)
            tool.full_clean()
        except ValidationError as exc:
            problems = _messages(exc)
        if tool is not None and not problems:
            if tool.name in names:
                problems.append(f"name: {tool.name} appears twice in this import.")
            names.add(tool.name)
        tools.append(tool)
        errors.append(problems)
    return tools, errors


def descriptors_confirm(*, tenant: Tenant, items: list[Any]) -> tuple[list[HttpTool], list[list[str]]]:
    """Validate every reviewed descriptor and save them all in one transaction, or none if any is invalid.

    Returns (saved tools, errors per item); errors are messages prefixed with the field name.
    """
    tools, errors = descriptors_check(tenant=tenant, items=items)
    if any(errors):
        return [], errors
    with transaction.atomic():
        saved = [tool_save(tool=t) for t in tools if t is not None]
    return saved, errors


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return list(exc.messages)


def tool_test(*, tool: HttpTool, arguments_json: str, resolver: Resolver | None = None) -> Trace:
    """The admin "Test this tool" run: the same validation, rendering, guard and mapping as a live call,
    with secrets masked in everything returned. Writes really happen, so the form asks for confirmed=true."""
    try:
        arguments = arguments_parse(tool, arguments_json)
    except ArgumentsInvalid as exc:
        return Trace(
            result=ToolResult(
                ok=False,
                output=f"The arguments were not valid: {exc}.",
                status="invalid_arguments",
                error_class="invalid_arguments",
            ),
            detail=str(exc),
        )
    if needs_confirmation(tool) and arguments.get("confirmed") is not True:
        return Trace(
            result=ToolResult(
                ok=False,
                output='Set "confirmed": true to send this write request.',
                status="needs_confirmation",
                error_class="not_confirmed",
            ),
            detail="This tool changes data; the test sends a real request only with confirmed=true.",
        )
    secrets = secrets_load(tenant_id=tool.tenant_id, names=secret_names(tool))
    idempotency = f"va-test-{uuid.uuid4().hex}" if needs_confirmation(tool) else None
    trace = async_to_sync(tool_trace)(
        tool=tool, arguments=arguments, secrets=secrets, resolver=resolver, idempotency=idempotency
    )
    if trace.result.ok and tool.pk is not None:
        # Only if nobody saved a new version meanwhile: the success belongs to the version that was tested.
        HttpTool.objects.filter(pk=tool.pk, version=tool.version).update(
            tested_version=tool.version, tested_at=timezone.now()
        )
    return trace


def example_arguments(tool: HttpTool) -> str:
    """A starting point for the test form: each property's example, default, first enum value or a blank."""
    schema = tool_parameters(tool)
    example: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        if prop.get("examples"):
            example[name] = prop["examples"][0]
        elif "default" in prop:
            example[name] = prop["default"]
        elif prop.get("enum"):
            example[name] = prop["enum"][0]
        elif name in schema.get("required", []):
            example[name] = {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}.get(
                str(prop.get("type")), ""
            )
    return json.dumps(example, indent=2, ensure_ascii=False)
