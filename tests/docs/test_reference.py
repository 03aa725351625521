"""The generated reference pages say what the code does: nothing the code has is missing from them."""

from __future__ import annotations

import ast
import inspect
import json
import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import config.env
from agents import protocol
from docsgen import commands, descriptors, environment, http_api
from docsgen import protocol as protocol_reference
from httptools.models import SNAPSHOT_FIELDS
from httptools.visuals import VISUALS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "tenants", "agents", "httptools", "transcripts", "usage", "widget", "demo")


def test_every_variable_the_settings_read_is_documented(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings run with recording readers: each name they read is in the generated table."""
    read: set[str] = set()
    for name in environment.KINDS:
        reader = getattr(config.env, name)

        def recording(variable: str, *args: Any, _reader: Any = reader, **kwargs: Any) -> Any:
            read.add(variable)
            return _reader(variable, *args, **kwargs)

        monkeypatch.setattr(config.env, name, recording)
    runpy.run_path(str(ROOT / "config" / "settings.py"))
    assert read == environment.names()
    assert environment.undocumented() == []
    table = environment.markdown()
    assert all(f"| `{name}` |" in table for name in read)


def test_a_new_variable_cannot_be_left_out(tmp_path: Path) -> None:
    settings = tmp_path / "settings.py"
    settings.write_text('from config.env import env_int\nNEW_LIMIT = env_int("VOICE_NEW_LIMIT", 3, minimum=1)\n')
    assert "VOICE_NEW_LIMIT is read by the settings but has no meaning in docsgen/environment.py" in (
        environment.undocumented([settings])
    )
    settings.write_text(
        'from config.env import env_choice\nVOICE = env_choice("VOICE_STYLE", "espeak", ("espeak", "tone"))\n'
    )
    assert [(v.name, v.reader, v.default, v.bounds) for v in environment.variables([settings])] == [
        ("VOICE_STYLE", "env_choice", "espeak", "one of `espeak`, `tone`")
    ]
    settings.write_text('import os\nNEW_LIMIT = os.environ.get("VOICE_NEW_LIMIT")\n')
    with pytest.raises(environment.SettingsSourceError, match=r"reads os\.environ directly"):
        environment.variables([settings])


def test_only_the_settings_read_the_environment() -> None:
    """Every variable goes through config.env, so the settings' table is the whole list."""
    readers = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "tests" in path.parts or path == ROOT / "config" / "env.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    target = ast.unparse(node.func)
                    if target in {"os.environ.get", "os.getenv"}:
                        readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                    if isinstance(node.ctx, ast.Load):
                        readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []


def test_every_command_and_option_is_in_the_reference() -> None:
    page = commands.markdown()
    assert {"invoice", "janitor", "realtime_sim", "seed_demo"} <= set(commands.project_commands())
    for name in commands.project_commands():
        assert f"## `{name}`" in page
        for action in commands.parser(name)._actions:
            for flag in set(action.option_strings) - commands.COMMON_OPTIONS:
                assert f"`{flag}`" in page, (name, flag)


def test_the_http_api_reference_is_the_served_schema() -> None:
    served = json.loads(Client().get("/api/openapi.json").content)
    assert served["paths"] == http_api.schema()["paths"]
    page = http_api.markdown()
    for method, path, _ in http_api.operations():
        assert f"## `{method} {path}`" in page
    assert http_api.operations(), "the API has no operations?"
    for path in ("/healthz", "/readyz", "/metrics", "/widget.js", "/widget/", "/console/"):
        assert f"| `{path}` |" in page


def _sample(parameter: inspect.Parameter) -> Any:
    annotation = str(parameter.annotation)
    if "bool" in annotation:
        return False
    if "dict" in annotation:
        return {"status": "completed"}
    if "float" in annotation or "int" in annotation:
        return 90.0
    return "sample"


def test_every_event_the_server_builds_is_documented_with_its_fields() -> None:
    """Each builder in agents/protocol.py, called: the event it sends has the documented type and fields."""
    documented = {event.builder: event for event in protocol_reference.server_events()}
    builders = [
        (name, function)
        for name, function in inspect.getmembers(protocol, inspect.isfunction)
        if function.__module__ == protocol.__name__ and "_event(" in inspect.getsource(function) and name != "_event"
    ]
    assert builders
    for name, function in builders:
        parameters = inspect.signature(function).parameters.values()
        positional = [_sample(p) for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
        keywords = {p.name: _sample(p) for p in parameters if p.kind is p.KEYWORD_ONLY}
        sent = json.loads(function(*positional, **keywords))
        assert name in documented, name
        assert sent["type"] == documented[name].type
        assert set(sent) - {"type"} == set(documented[name].fields)


def test_every_platform_event_in_the_code_is_known() -> None:
    """The server's modules and the browser client name no platform.* event the reference leaves out."""
    sources = [*(ROOT / "agents").glob("*.py"), *(ROOT / "static" / "widget").glob("*.js")]
    named = {m for path in sources for m in re.findall(r"""["'](platform\.[a-z_]+)["']""", path.read_text())}
    assert named <= protocol_reference.platform_events()
    page = protocol_reference.markdown()
    assert all(f"`{event}`" in page for event in protocol_reference.platform_events())


def test_the_descriptor_reference_has_every_field_and_card() -> None:
    page = descriptors.markdown()
    assert all(f"| `{field}` |" in page for field in SNAPSHOT_FIELDS)
    assert VISUALS and all(f"### `{name}`" in page for name in VISUALS)
