"""The management commands, with their options, from their own argparse parsers."""

from __future__ import annotations

import argparse
from functools import cache

from django.core.management import get_commands, load_command_class

# Options every Django command has; the reference names them once instead of under every command.
COMMON_OPTIONS = {
    "-h",
    "--help",
    "--version",
    "-v",
    "--verbosity",
    "--settings",
    "--pythonpath",
    "--traceback",
    "--no-color",
    "--force-color",
    "--skip-checks",
}
PROJECT_APPS = {"config", "tenants", "agents", "httptools", "transcripts", "usage", "widget", "demo"}


@cache
def commands() -> dict[str, str]:
    """Every command `manage.py` knows (the name and the app it comes from)."""
    return dict(sorted(get_commands().items()))


def project_commands() -> list[str]:
    return [name for name, app in commands().items() if app in PROJECT_APPS]


def parser(name: str) -> argparse.ArgumentParser:
    """The command's own parser, as `manage.py NAME` builds it; KeyError for a command that does not exist."""
    return load_command_class(commands()[name], name).create_parser("manage.py", name)


def parse(name: str, argv: list[str]) -> argparse.Namespace:
    """`manage.py NAME argv...` parsed as the command would; ValueError with argparse's message if it refuses."""
    command_parser = parser(name)

    def refuse(message: str) -> None:
        raise ValueError(f"manage.py {name}: {message}")

    command_parser.error = refuse  # type: ignore[method-assign,assignment]
    return command_parser.parse_args(argv)


def _option_row(action: argparse.Action) -> str:
    flags = ", ".join(f"`{flag}`" for flag in action.option_strings) or f"`{action.dest}`"
    if action.option_strings and action.nargs != 0:
        flags += f" `{action.metavar or action.dest.upper()}`"
    default = "" if action.default in (None, argparse.SUPPRESS, False) else f"`{action.default}`"
    choices = ", ".join(f"`{choice}`" for choice in action.choices) if action.choices else ""
    required = "required" if action.required or not action.option_strings else ""
    help_text = (action.help or "").replace("|", "\\|").replace("%(default)s", str(action.default))
    return f"| {flags} | {required} | {default} | {choices} | {help_text} |"


def markdown() -> str:
    out = []
    for name in project_commands():
        command_parser = parser(name)
        app = commands()[name]
        out.append(f"## `{name}`\n")
        out.append(f"From the `{app}` app. {(command_parser.description or '').strip()}\n")
        out.append("```text\n" + command_parser.format_usage().strip() + "\n```\n")
        own = [action for action in command_parser._actions if not set(action.option_strings) & COMMON_OPTIONS]
        if own:
            out.append("| argument | | default | choices | meaning |\n|---|---|---|---|---|")
            out.extend(_option_row(action) for action in own)
            out.append("")
    others = [f"`{name}`" for name, app in commands().items() if app not in PROJECT_APPS]
    out.append("## Django's and the libraries' commands\n")
    out.append(
        "Every command also takes Django's common options ("
        + ", ".join(f"`{option}`" for option in sorted(COMMON_OPTIONS) if option.startswith("--"))
        + "). Besides the platform's own, `manage.py` has: "
        + ", ".join(others)
        + " (run `python manage.py help NAME`).\n"
    )
    return "\n".join(out)
