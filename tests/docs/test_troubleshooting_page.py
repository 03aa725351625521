"""Every message docs/troubleshooting.md quotes in full ("…" in double quotes, with no elision) is a string the
code really has, so a reworded message fails here instead of sending a reader looking for words that no
longer appear."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "troubleshooting.md"
SOURCES = ("config", "tenants", "agents", "httptools", "transcripts", "usage", "widget", "templates", "static")
QUOTED = re.compile(r"\"([A-Z][^\"…]{12,}?[.!:])\"")


def source_text() -> str:
    parts = []
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".js", ".html"} and "tests" not in path.relative_to(ROOT).parts:
                parts.append(path.read_text(errors="replace"))
    # Python source splits long strings over lines: join adjacent literals so a sentence reads whole.
    return re.sub(r"\"\s*\n\s*\"", "", "\n".join(parts))


def test_every_message_the_page_quotes_is_in_the_code() -> None:
    page = re.sub(r"\s*\n\s*", " ", PAGE.read_text())
    quoted = sorted(set(QUOTED.findall(page)))
    assert len(quoted) >= 10, quoted  # the pattern still finds the page's quotes
    code = source_text()
    missing = [message for message in quoted if message not in code]
    assert not missing, f"docs/troubleshooting.md quotes messages the code does not have: {missing}"
