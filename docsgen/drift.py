"""What a page names that the code must have: environment variables, management commands, URL paths and
`platform.*` events. Each is looked up in the running code (settings, `get_commands`, the URL resolver, the
protocol), so a renamed or removed one makes the page fail the docs build and the tests."""

from __future__ import annotations

import ast
import importlib.util
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from agents.protocol import WS_PATH
from docsgen import commands, environment, protocol

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "tenants", "agents", "httptools", "transcripts", "usage", "widget", "demo")
# Upper-case names the docs may mention that are neither our settings nor our constants, and why.
OUTSIDE_NAMES = {
    "HTTPS_PROXY": "the standard proxy variable the realtime socket ignores",
    "ALL_PROXY": "the standard proxy variable the realtime socket ignores",
    "REMOTE_ADDR": "the peer address a request carries",
    "DJANGO_SETTINGS_MODULE": "Django's own",
    "NO_MKDOCS_2_WARNING": "silences MkDocs' notice about its version 2",
    "UPPER_SNAKE_CASE": "the style tenant secret names are written in",
}
OUR_HOSTS = re.compile(r"^(127\.0\.0\.1|localhost|\[::1\]|voice\.example\.com|voice-\d\.internal)(:\d+|:\$PORT)?$")
FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1\s*$", re.M | re.S)
BACKTICKED = re.compile(r"`([^`\n]+)`")
SETTING_LIKE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
DOLLAR_NAME = re.compile(r"\$\{?([A-Z][A-Z0-9_]{2,})")
ASSIGNED_NAME = re.compile(r"(?<![\w-])([A-Z][A-Z0-9_]{2,})=")
COMMAND = re.compile(r"manage\.py\s+([a-z][a-z0-9_]*)([^`\n|]*)")
MODULE_RUN = re.compile(r"python3?(?:\.\d+)? -m ([a-z_][a-z0-9_.]*)")
URL = re.compile(
    r"(?:(?:https?|wss?)://(?P<host>[^/\s`'\"<>)]+)|(?<![\w.:/-]))"
    r"(?P<path>/(?:api|admin|healthz|readyz|metrics|widget|console|demo|ws|static)\b[^\s`'\")<>|,]*)"
)
EVENT = re.compile(r"\bplatform\.[a-z_]+\b")
DATA_ATTRIBUTE = re.compile(r"(?<![\w-])data-[a-z][a-z0-9-]*[a-z0-9]")
JS_API = re.compile(r"\bVoiceAgent\.([A-Za-z_]\w*)")
SECRET_NAME = re.compile(r"\{\{secret:([A-Z][A-Z0-9_]*)\}\}")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@cache
def known_upper_names() -> frozenset[str]:
    """Environment variables, Django settings and every module-level upper-case constant of the project."""
    names = set(environment.names()) | {name for name in dir(settings) if name.isupper()} | set(OUTSIDE_NAMES)
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.parse(path.read_text()).body:
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                names |= {t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper()}
    return frozenset(names)


@cache
def make_variables() -> frozenset[str]:
    """The Makefile's variables, which `make NAME=value` may set."""
    return frozenset(re.findall(r"^([A-Z][A-Z0-9_]*)\s*[:?+]?=", (ROOT / "Makefile").read_text(), re.M))


@cache
def routes() -> tuple[tuple[str, ...], ...]:
    """Every route the server answers, as path segments (`<...>` stands for any one segment)."""
    found: list[tuple[str, ...]] = []

    def walk(patterns: Sequence[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif getattr(getattr(pattern, "callback", None), "__name__", "") != "catch_all_view":
                found.append(tuple(route.split("/")))

    walk(get_resolver().url_patterns, "")
    return tuple(found)


def _segment_matches(route: str, segment: str) -> bool:
    if route.startswith("<"):
        return True
    if route.startswith("("):
        try:
            return re.fullmatch(route, segment) is not None
        except re.error:
            return False
    return route == segment


def _is_prefix(path: str) -> bool:
    """A base URL such as an API's `servers` entry: the start of routes the server answers, segment by segment."""
    segments = path.strip("/").split("/")
    return any(
        len(route) > len(segments) and all(_segment_matches(r, s) for r, s in zip(route, segments, strict=False))
        for route in routes()
    )


@cache
def data_attributes() -> frozenset[str]:
    """Every `data-*` attribute the platform's scripts, templates and Python name."""
    sources = [*(ROOT / "static").rglob("*.js"), *ROOT.glob("*/templates/**/*.html"), *ROOT.glob("templates/**/*.html")]
    sources += [path for package in PACKAGES for path in (ROOT / package).rglob("*.py") if "tests" not in path.parts]
    vendored = ROOT / "static" / "vendor"
    return frozenset(
        name
        for path in sources
        if not path.is_relative_to(vendored)
        for name in DATA_ATTRIBUTE.findall(path.read_text(errors="replace"))
    )


def _loader_source() -> str:
    return (ROOT / "static" / "widget" / "loader.js").read_text()


def _path_exists(path: str) -> bool:
    path = re.sub(r"[?#].*$", "", path).rstrip(".")
    path = re.sub(r"\{[^}]*\}|<[^>]*>|…|\.\.\.", "x", path)
    if path.startswith("/ws/"):
        return path == WS_PATH
    if path.startswith(settings.STATIC_URL):
        relative = path.removeprefix(settings.STATIC_URL)
        return any((Path(directory) / relative).exists() for directory in settings.STATICFILES_DIRS)
    try:
        match = resolve(path)
    except Resolver404:
        return _is_prefix(path)
    # Admin's catch-all answers anything under /admin/ (with a redirect or a 404).
    return getattr(match.func, "__name__", "") != "catch_all_view" or _is_prefix(path)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _prose(markdown: str) -> str:
    """The page with its fenced blocks blanked (line numbers kept): names in prose are references."""
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), markdown)


def problems(markdown: str) -> list[Problem]:
    """Every name on the page the code does not have."""
    found: list[Problem] = []
    prose = _prose(markdown)
    env_names = environment.names()
    examples = set(SECRET_NAME.findall(markdown))  # a tenant secret the page names in a header is an example
    for match in BACKTICKED.finditer(prose):
        token = match.group(1).strip()
        known = token in known_upper_names() or token in examples
        if (SETTING_LIKE.fullmatch(token) or token in env_names) and not known:
            found.append(Problem(_line(prose, match.start()), f"`{token}` is no setting or name the code has"))
    for pattern in (DOLLAR_NAME, ASSIGNED_NAME):
        for match in pattern.finditer(markdown):
            name = match.group(1)
            if name not in env_names | OUTSIDE_NAMES.keys() | make_variables():
                found.append(Problem(_line(markdown, match.start()), f"{name} is not an environment variable we read"))
    for match in COMMAND.finditer(markdown):
        name, rest = match.group(1), match.group(2).split("#", 1)[0].strip()
        if name not in commands.commands():
            found.append(Problem(_line(markdown, match.start()), f"manage.py has no command {name!r}"))
        elif rest.startswith("-"):
            try:
                commands.parse(name, shlex.split(rest.replace("[", "").replace("]", "")))
            except ValueError as exc:
                found.append(Problem(_line(markdown, match.start()), str(exc)))
    for match in MODULE_RUN.finditer(markdown):
        module = match.group(1)
        if importlib.util.find_spec(module.split(".")[0]) is None or importlib.util.find_spec(module) is None:
            found.append(Problem(_line(markdown, match.start()), f"no module {module!r} to run with python -m"))
    for match in URL.finditer(markdown):
        host, path = match.group("host"), match.group("path").rstrip(".,;:")
        if host and not OUR_HOSTS.match(host):
            continue
        if not _path_exists(path):
            found.append(Problem(_line(markdown, match.start()), f"the server answers no {path}"))
    attributes = data_attributes()
    for match in DATA_ATTRIBUTE.finditer(markdown):
        if match.group(0) not in attributes:
            found.append(Problem(_line(markdown, match.start()), f"no script or template uses {match.group(0)}"))
    loader = _loader_source()
    for match in JS_API.finditer(markdown):
        if not re.search(rf"\b{match.group(1)}\b", loader):
            found.append(Problem(_line(markdown, match.start()), f"the loader has no VoiceAgent.{match.group(1)}"))
    events = protocol.platform_events()
    for match in EVENT.finditer(markdown):
        if match.group(0) not in events:
            found.append(Problem(_line(markdown, match.start()), f"{match.group(0)} is no event the server has"))
    return found
