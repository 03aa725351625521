"""The widget tutorial (docs/tutorials/add-widget.md) is true to the code: its identity examples, in Python and in
Node, compute the hash the platform accepts, and it explains every line the loader can write to the console and
every refusal code bootstrap can answer with. (Its CSP and host page run in
tests/browser/test_widget_tutorial_in_browser.py.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from docsgen import examples
from tenants.identity import IdentityInvalid, email_hash, identity_secret_generate, identity_verify
from tests.support.factories import make_tenant

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorials" / "add-widget.md"
LOADER = ROOT / "static" / "widget" / "loader.js"
# A plain address, one with capitals and spaces kept as written, and one beyond ASCII (UTF-8 in both languages).
EMAILS = ["ada@example.com", "Grace.Hopper@Example.com", "zoë.müller@exämple.de"]


def tutorial_block(mark: str) -> str:
    found = [b.code for b in examples.blocks("add-widget.md", TUTORIAL.read_text()) if b.mark == f"tutorial {mark}"]
    assert len(found) == 1, f"the tutorial has {len(found)} blocks marked 'tutorial {mark}'"
    return found[0]


class _ScriptTag(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.attrs = dict(attrs)


def tag_identity(tag: str) -> tuple[str | None, str | None]:
    """What the loader reads from the tag: getAttribute gives the unescaped attribute values."""
    parser = _ScriptTag()
    parser.feed(tag)
    return parser.attrs.get("data-user-email"), parser.attrs.get("data-user-hash")


def python_example(secret: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("VOICE_IDENTITY_SECRET", secret)
    namespace: dict[str, Any] = {"__name__": "tutorial_example"}
    exec(compile(tutorial_block("identity-python"), "identity-python", "exec"), namespace)
    return namespace


def node_example(secret: str, tmp_path: Path, emails: list[str]) -> list[dict[str, str]]:
    module = tmp_path / "identity.js"
    module.write_text(tutorial_block("identity-node"))
    program = (
        f"const m = require({json.dumps(str(module))});"
        "const emails = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(emails.map((e) => ({ hash: m.userHash(e), tag: m.widgetTag(e) }))));"
    )
    result = subprocess.run(
        ["node", "-e", program, json.dumps(emails)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "VOICE_IDENTITY_SECRET": secret},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


@pytest.mark.django_db
def test_the_python_and_node_examples_compute_the_hash_the_platform_accepts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tenant = make_tenant()
    secret = identity_secret_generate(tenant=tenant)
    python = python_example(secret, monkeypatch)
    node = node_example(secret, tmp_path, EMAILS)

    for email, from_node in zip(EMAILS, node, strict=True):
        # The tags both examples print carry the address as written and a hash the platform's own check accepts.
        for tag in (python["widget_tag"](email), from_node["tag"]):
            tag_email, tag_hash = tag_identity(tag)
            assert tag_email == email, tag
            identity = identity_verify(tenant=tenant, email=tag_email, presented_hash=tag_hash)
            assert identity is not None and identity.email_hash == email_hash(email)
        assert from_node["hash"] == python["user_hash"](email)

    # An anonymous page: no identity on the tag.
    assert tag_identity(python["widget_tag"](None)) == (None, None)
    # The check means something: a hash made with the old secret stops working once staff generate a new one.
    old_hash = python["user_hash"](EMAILS[0])
    identity_secret_generate(tenant=tenant)
    with pytest.raises(IdentityInvalid):
        identity_verify(tenant=tenant, email=EMAILS[0], presented_hash=old_hash)


def _function_body(source: str, name: str) -> str:
    start = source.index(f"function {name}(")
    return source[start : source.index("\n  }\n", start)]


def console_fragments(source: str) -> list[str]:
    """The fixed text of every line the loader writes to the console: its string literals (those of a helper
    it calls, like refusedLine), long enough to be stable, and decoded as the console shows them."""
    fragments = []
    for call in re.finditer(r"console\.(?:log|info|warn|error|debug)\((.*?)\);", source):
        argument = call.group(1)
        helper = re.match(r"(\w+)\(", argument)
        text = _function_body(source, helper.group(1)) if helper else argument
        for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', text):
            decoded = json.loads(f'"{literal}"')
            if len(decoded.strip()) >= 12:
                fragments.append(decoded.strip())
    return fragments


def test_the_page_explains_every_console_line_of_the_loader() -> None:
    fragments = console_fragments(LOADER.read_text())
    assert len(fragments) >= 8  # the six lines of today, two from refusedLine's variants at least
    page = TUTORIAL.read_text()
    section = page[page.index("## What the browser console says") :]
    missing = [fragment for fragment in fragments if fragment not in section]
    assert missing == [], f"add these loader console lines to the tutorial's console table: {missing}"


def test_a_new_console_line_in_the_loader_would_fail() -> None:
    source = LOADER.read_text() + '\nconsole.error("voice widget: something new went wrong");\n'
    assert "voice widget: something new went wrong" in console_fragments(source)


def test_the_page_names_every_code_bootstrap_refuses_with() -> None:
    source = (ROOT / "widget" / "bootstrap.py").read_text() + (ROOT / "tenants" / "identity.py").read_text()
    codes = set(re.findall(r'code="([a-z_]+)"', source)) | set(re.findall(r'IdentityInvalid\(\s*"([a-z_]+)"', source))
    assert {"unknown_key", "origin_not_allowed", "identity_invalid", "no_agent"} <= codes
    page = TUTORIAL.read_text()
    assert [code for code in sorted(codes) if f"`{code}`" not in page] == []
