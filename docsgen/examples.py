"""The examples in the docs' fenced blocks, and the check each kind gets (tests/docs/test_examples.py runs them).

A page author marks a block with an HTML comment on the line before its fence, `<!-- example: WORDS -->`:
`run` runs a Python snippet in full, `json NAME` validates a JSON example by the code's check for NAME.
Without a mark a block still gets its language's check (see docs/reference/index.md)."""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError

from docsgen import commands

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(
    r"(?:^<!-- example: (?P<mark>[^>]*?) -->\n)?^(?P<fence>`{3,})(?P<lang>[\w+-]*)[^\n]*\n(?P<code>.*?)^(?P=fence)\s*$",
    re.M | re.S,
)
PYTHON = re.compile(r"^(?:\.venv/bin/)?python3?(?:\.\d+)?$")
ENV_PREFIX = re.compile(r"^[A-Z][A-Z0-9_]*=")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    code: str
    mark: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(page: str, markdown: str) -> list[Block]:
    return [
        Block(
            page=page,
            line=markdown.count("\n", 0, match.start("fence")) + 1,
            lang=match.group("lang").lower(),
            code=match.group("code"),
            mark=(match.group("mark") or "").strip(),
        )
        for match in FENCE.finditer(markdown)
    ]


# --- shell -------------------------------------------------------------------------------------------------


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))


def _shell_line(words: list[str]) -> list[str]:
    """What is wrong with one command line, or [] when the check it gets passes."""
    while words and ENV_PREFIX.match(words[0]):
        words = words[1:]  # the names are checked by docsgen.drift
    if not words:
        return []
    program, args = words[0], words[1:]
    if program == "make":
        unknown = [target for target in args if not ENV_PREFIX.match(target) and target not in _make_targets()]
        return [f"the Makefile has no target {target!r}" for target in unknown]
    if not PYTHON.match(program):
        return [f"{shlex.join(words)!r}: no check for {program!r} lines (docsgen/examples.py)"]
    if args[:1] == ["manage.py"]:
        if len(args) < 2 or args[1] not in commands.commands():
            return [f"manage.py has no command {args[1:2]}"]
        try:
            commands.parse(args[1], [a for a in args[2:] if a not in "[]"])
        except ValueError as exc:
            return [str(exc)]
        return []
    if args[:1] == ["-c"] and len(args) == 2:
        # The docs' own example, run as the reader would (no shell).
        result = subprocess.run([sys.executable, "-c", args[1]], capture_output=True, text=True, timeout=60)  # noqa: S603
        return [] if result.returncode == 0 else [f"python -c failed: {result.stderr.strip()[-300:]}"]
    if args[:2] == ["-m", "pytest"]:
        paths = [a for a in args[2:] if not a.startswith("-") and a not in {"no:django", "q"}]
        return [f"no test path {path}" for path in paths if not (ROOT / path.split("::")[0]).exists()]
    if args[:1] == ["-m"] and len(args) >= 2:
        import importlib.util

        return [] if importlib.util.find_spec(args[1]) else [f"no module {args[1]}"]
    if args and args[0].endswith(".py"):
        script = ROOT / args[0]
        if not script.exists():
            return [f"no script {args[0]}"]
        source = script.read_text()
        options = [a.strip("[]") for a in args[1:] if a.strip("[]").startswith("--")]
        return [f"{args[0]} has no option {option}" for option in options if f'"{option}"' not in source]
    return [f"{shlex.join(words)!r}: no check for this python line (docsgen/examples.py)"]


HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
# Plain file commands a tutorial uses to set something up: a block of only these runs in a scratch directory.
SCRATCH_COMMANDS = {"cd", "mkdir", "cat", "echo", "printf", "cp", "mv", "touch", "ls"}
SEPARATORS = {"&&", "||", ";", "|", ">", ">>", "<", "&"}


def _commands(code: str) -> list[list[str]]:
    """The block's simple commands (heredoc bodies dropped, split at `&&`, `;`, `|`), each as its words."""
    lines, terminator = [], None
    for line in code.replace("\\\n", " ").splitlines():
        if terminator is not None:
            terminator = None if line.strip() == terminator else terminator
            continue
        heredoc = HEREDOC.search(line)
        if heredoc:
            terminator, line = heredoc.group(1), line[: heredoc.start()]
        lines.append(line)
    found: list[list[str]] = []
    for line in lines:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.commenters, lexer.whitespace_split = "#", True
        words: list[str] = []
        expect_target = False
        for token in lexer:
            if token in SEPARATORS:
                if token in {">", ">>", "<"}:
                    expect_target = True
                    continue
                found.append(words)
                words = []
            elif expect_target:
                expect_target = False  # a redirection's file, not an argument
            else:
                words.append(token)
        found.append(words)
    return [words for words in found if words]


def check_shell(block: Block) -> list[str]:
    try:
        commands_ = _commands(block.code)
    except ValueError as exc:
        return [f"not a shell command line: {exc}"]
    programs = {words[0] for words in commands_ if not ENV_PREFIX.match(words[0])}
    if programs and programs <= SCRATCH_COMMANDS:
        with tempfile.TemporaryDirectory() as scratch:
            result = subprocess.run(  # noqa: S603 - the docs' own setup commands, in a scratch directory
                ["/bin/bash", "-euo", "pipefail", "-c", block.code],
                cwd=scratch,
                capture_output=True,
                text=True,
                timeout=30,
            )
        return [] if result.returncode == 0 else [f"the commands failed: {result.stderr.strip()[-300:]}"]
    problems = []
    for words in commands_:
        if words[0] in SCRATCH_COMMANDS:
            continue
        problems += _shell_line(words)
    return problems


# --- python ------------------------------------------------------------------------------------------------


def _imported(tree: ast.Module) -> tuple[dict[str, Any], list[str]]:
    namespace: dict[str, Any] = {}
    problems = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            try:
                statement = compile(ast.Module(body=[node], type_ignores=[]), "<example>", "exec")
                exec(statement, namespace)  # noqa: S102 - the docs' own import line
            except Exception as exc:  # the example names something the code does not have
                problems.append(f"line {node.lineno}: {ast.unparse(node)}: {type(exc).__name__}: {exc}")
    return namespace, problems


def _bind_calls(tree: ast.Module, namespace: dict[str, Any]) -> list[str]:
    """Every call to an imported function must fit its signature (placeholders stand for the values)."""
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        function = namespace.get(node.func.id)
        if not callable(function) or any(isinstance(a, ast.Starred) for a in node.args):
            continue
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            continue
        keywords = {kw.arg: None for kw in node.keywords if kw.arg is not None}
        if any(kw.arg is None for kw in node.keywords):
            continue
        try:
            signature.bind(*[None] * len(node.args), **keywords)
        except TypeError as exc:
            problems.append(f"line {node.lineno}: {ast.unparse(node.func)}(...): {exc}")
    return problems


def check_python(block: Block) -> list[str]:
    try:
        tree = ast.parse(block.code)
    except SyntaxError:
        try:  # a snippet from inside a coroutine
            compile(block.code, "<example>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | ast.PyCF_ONLY_AST)
        except SyntaxError as exc:
            return [f"not valid Python: {exc}"]
        tree = compile(block.code, "<example>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | ast.PyCF_ONLY_AST)
    namespace, problems = _imported(tree)
    problems += _bind_calls(tree, namespace)
    if "run" in block.mark.split() and not problems:
        problems += run_python(block.code)
    return problems


def run_python(code: str) -> list[str]:
    namespace: dict[str, Any] = {"__name__": "__example__"}
    try:
        program = compile(code, "<example>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        result = eval(program, namespace)  # noqa: S307 - the docs' own example; a coroutine when it awaits
        if inspect.iscoroutine(result):
            asyncio.run(result)
    except Exception as exc:
        return [f"running it failed: {type(exc).__name__}: {exc}"]
    return []


# --- data formats ------------------------------------------------------------------------------------------


def _descriptor(value: Any) -> list[str]:
    from httptools.validation import validate_descriptor

    try:
        validate_descriptor(value)
    except ValidationError as exc:
        return [f"{field}: {messages}" for field, messages in exc.message_dict.items()]
    return []


def _mapping(value: Any) -> list[str]:
    from httptools.validation import mapping_problems

    return mapping_problems(value) if isinstance(value, dict) else ["a response mapping is a JSON object"]


def _arguments_schema(value: Any) -> list[str]:
    from httptools.validation import schema_problems

    return schema_problems(value)


JSON_CHECKS: dict[str, Callable[[Any], list[str]]] = {
    "descriptor": _descriptor,
    "response_mapping": _mapping,
    "arguments_schema": _arguments_schema,
}


def check_json(block: Block) -> list[str]:
    try:
        value = json.loads(block.code)
    except ValueError as exc:
        return [f"not valid JSON: {exc}"]
    words = block.mark.split()
    if words[:1] != ["json"]:
        return []
    if len(words) != 2 or words[1] not in JSON_CHECKS:
        return [f"`<!-- example: {block.mark} -->`: name one of {', '.join(JSON_CHECKS)}"]
    return JSON_CHECKS[words[1]](value)


def loader_attributes() -> set[str]:
    source = (ROOT / "static" / "widget" / "loader.js").read_text()
    names = set(re.findall(r"""getAttribute\(["'](data-[a-z-]+)["']\)""", source))
    names |= {
        "data-" + re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), n) for n in re.findall(r"dataset\.(\w+)", source)
    }
    return names


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def check_html(block: Block) -> list[str]:
    parser = _Tags()
    parser.feed(block.code)
    problems = []
    known = loader_attributes()
    for tag, attrs in parser.tags:
        if tag == "script" and (attrs.get("src") or "").endswith("/widget.js"):
            problems += [
                f"the loader reads no {name} (it reads {', '.join(sorted(known))})"
                for name in attrs
                if name.startswith("data-") and name not in known
            ]
    return problems


def check_javascript(block: Block) -> list[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".js") as file:
        file.write(block.code)
        file.flush()
        check = ["node", "--check", file.name]
        result = subprocess.run(check, capture_output=True, text=True, timeout=30)  # noqa: S603 - no shell
    return [] if result.returncode == 0 else [f"not valid JavaScript: {result.stderr.strip()[-300:]}"]


def check_yaml(block: Block) -> list[str]:
    try:
        yaml.safe_load(block.code)
    except yaml.YAMLError as exc:
        return [f"not valid YAML: {exc}"]
    return []


CHECKS: dict[str, Callable[[Block], list[str]]] = {
    "bash": check_shell,
    "sh": check_shell,
    "shell": check_shell,
    "python": check_python,
    "json": check_json,
    "html": check_html,
    "javascript": check_javascript,
    "js": check_javascript,
    "yaml": check_yaml,
}
UNCHECKED = {"", "text"}  # diagrams and program output


COMMAND_LINE = re.compile(r"^(?:\.venv/bin/)?python3? |^make ")


def check(block: Block) -> list[str]:
    if block.lang in UNCHECKED:  # a command line among the output is still checked
        lines = [line for line in block.code.splitlines() if COMMAND_LINE.match(line)]
        return check_shell(Block(block.page, block.line, "bash", "\n".join(lines), block.mark)) if lines else []
    if block.lang not in CHECKS:
        return [f"no check for ```{block.lang} blocks (docsgen/examples.py): use one of {', '.join(CHECKS)}"]
    return CHECKS[block.lang](block)
