"""docs/storage.md names every SQL model, MongoDB collection and Redis key family the code has: a new one that
the page does not describe fails here, naming it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "storage.md"
APP_DIRS = ("config", "tenants", "agents", "httptools", "transcripts", "usage", "widget", "demo")
# The head of a Redis key as the code writes it: lower-case words and colons, right before the first `{`.
KEY_HEAD = re.compile(r"^[a-z][a-z-]*(?::[a-z][a-z-]*)*:$")


def page_text() -> str:
    return PAGE.read_text()


def source_modules() -> list[tuple[Path, ast.Module]]:
    modules = []
    for app in APP_DIRS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "tests" in path.relative_to(ROOT).parts or "migrations" in path.parts:
                continue
            modules.append((path, ast.parse(path.read_text(), filename=str(path))))
    return modules


def string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "literal" assignments."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def mongo_collections() -> set[str]:
    """Every collection name passed to config.mongo.collection(), by literal or by a module constant."""
    modules = source_modules()
    constants: dict[str, set[str]] = {}
    for _path, tree in modules:
        for name, value in string_constants(tree).items():
            constants.setdefault(name, set()).add(value)
    names: set[str] = set()
    for _path, tree in modules:
        local = string_constants(tree)
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "collection"
                and node.args
            ):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.add(arg.value)
            elif isinstance(arg, ast.Name) and arg.id in local:
                names.add(local[arg.id])
            elif isinstance(arg, ast.Name) and arg.id.isupper() and arg.id in constants:
                names |= constants[arg.id]  # imported from the module that defines it
    return names


def redis_key_heads() -> set[str]:
    """The fixed heads of the keys written by modules that talk to Redis or name rate-limit counters."""
    heads: set[str] = set()
    for path, tree in source_modules():
        text = path.read_text()
        if "from config import redis" not in text and "RateLimit(" not in text:
            continue
        for node in ast.walk(tree):
            head = None
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                if len(node.values) > 1 and isinstance(node.values[1], ast.FormattedValue):
                    head = str(node.values[0].value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "{" in node.value:
                head = node.value.split("{", 1)[0]
            if head and KEY_HEAD.match(head):
                heads.add(head)
        prefix = string_constants(tree).get("KEY_PREFIX")
        if prefix:
            heads.add(prefix + ":")
    return heads


def test_every_sql_model_is_on_the_storage_page() -> None:
    text = page_text()
    missing = [
        f"{model._meta.label} ({model._meta.db_table})"
        for model in apps.get_models()
        if f"`{model.__name__}` (`{model._meta.db_table}`)" not in text
    ]
    assert not missing, f"docs/storage.md does not describe these SQL models: {missing}"


def test_every_mongodb_collection_is_on_the_storage_page() -> None:
    names = mongo_collections()
    # The scan finds what the code really uses (a scan that finds nothing would pass vacuously).
    assert {"realtime_sessions", "transcripts", "tool_logs", "usage_daily", "usage_events", "users"} <= names, names
    text = page_text()
    missing = sorted(name for name in names if f"`{name}`" not in text)
    assert not missing, f"docs/storage.md does not describe these MongoDB collections: {missing}"


def test_every_redis_key_family_is_on_the_storage_page() -> None:
    heads = redis_key_heads()
    assert {"lease:", "spend:", "jti:", "rl:"} <= heads, heads
    text = page_text()
    missing = sorted(head for head in heads if f"`{head}" not in text)
    assert not missing, f"docs/storage.md does not describe these Redis key families: {missing}"
