"""The built site opened with no network: nothing it loads comes from elsewhere, and its search box finds pages,
served over HTTP (as `make docs-serve` or any static server does) and opened from disk (file://)."""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Attributes through which a page loads something by itself (a link's href loads only when followed).
LOADING = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src", "embed": "src"}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return target


class _Loads(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in LOADING and values.get(LOADING[tag]):
            self.urls.append(str(values[LOADING[tag]]))
        if values.get("srcset"):
            self.urls += [part.split()[0] for part in str(values["srcset"]).split(",")]


def _external(url: str) -> bool:
    return bool(re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url.strip(), re.I))


def test_no_page_or_stylesheet_loads_anything_from_elsewhere(site: Path) -> None:
    found = []
    for page in site.rglob("*.html"):
        parser = _Loads()
        parser.feed(page.read_text())
        found += [f"{page.relative_to(site)}: {url}" for url in parser.urls if _external(url)]
    for stylesheet in site.rglob("*.css"):
        for url in re.findall(r"""(?:url\(|@import\s+)["']?([^"')\s]+)""", stylesheet.read_text()):
            if _external(url):
                found.append(f"{stylesheet.relative_to(site)}: {url}")
    assert found == []
    assert (site / "reference" / "environment.html").exists()


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _search(page: Any, word: str) -> list[str]:
    page.keyboard.press("s")  # the theme's shortcut to the search box, as a reader would use it
    query = page.locator("input.md-search__input")
    query.wait_for(state="visible", timeout=15_000)
    page.keyboard.type(word, delay=20)  # typed: the theme searches on key events
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible", timeout=15_000)
    return [str(text) for text in results.locator("h1, h2").all_inner_texts()]


def test_search_works_served_and_from_disk_and_nothing_leaves_the_machine(site: Path, served: str) -> None:
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 860})

            def record(route: Any) -> None:
                url = route.request.url
                requested.append(url)
                if url.startswith((served, "file://", "data:", "blob:")):
                    route.continue_()
                else:
                    route.abort()  # offline: a request to anywhere else would fail

            context.route("**/*", record)
            page = context.new_page()
            page.goto(f"{served}/index.html")
            titles = _search(page, "heartbeat")
            assert any("Environment variables" in title for title in titles), titles
            page.goto(f"file://{site}/index.html")
            titles = _search(page, "janitor")
            assert any("janitor" in title for title in titles), titles
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "docs-01-search-offline.png"))
            page.locator('.md-search-result__link[href*="commands.html"]').first.click()
            page.wait_for_url(re.compile(r"reference/commands\.html"))
            page.keyboard.press("Escape")
            page.screenshot(path=str(SCREENSHOTS / "docs-02-commands-reference.png"))
        finally:
            browser.close()
    elsewhere = [url for url in requested if not url.startswith((served, "file://", "data:", "blob:"))]
    assert elsewhere == []
    assert any(url.startswith(served) for url in requested) and any(url.startswith("file://") for url in requested)
