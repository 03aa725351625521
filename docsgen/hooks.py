"""MkDocs hooks (mkdocs.yml `hooks:`): fill the reference pages from the code, and warn about every name a page
uses that the code does not have (the strict build turns each warning into a failure)."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^<!-- reference: ([a-z-]+) -->$", re.M)
log = logging.getLogger("mkdocs.hooks.docsgen")


def on_startup(**kwargs: Any) -> None:
    # This checkout's code first, whatever an editable install elsewhere points the imports at: the reference
    # documents the code being built.
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")  # development secrets, so a build needs no configuration
    os.environ.setdefault("DEMO_ENABLED", "1")  # `seed_demo` and the /demo/ URLs the pages mention
    import django

    django.setup()


def generators() -> dict[str, Callable[[], str]]:
    """The reference a page gets with `<!-- reference: NAME -->` on a line of its own."""
    from docsgen import commands, descriptors, environment, http_api, protocol

    return {
        "environment": environment.markdown,
        "commands": commands.markdown,
        "http-api": http_api.markdown,
        "protocol": protocol.markdown,
        "descriptors": descriptors.markdown,
    }


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    from docsgen import drift

    for problem in drift.problems(markdown):
        log.warning(f"{page.file.src_uri} {problem}")

    def generate(match: re.Match[str]) -> str:
        name = match.group(1)
        known = generators()
        if name not in known:
            log.warning(f"{page.file.src_uri}: no reference generator {name!r} (known: {', '.join(known)})")
            return match.group(0)
        return known[name]()

    return MARKER.sub(generate, markdown)
