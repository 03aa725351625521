"""Every page names only settings, commands, URLs and events the code has; an invented one fails."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from docsgen import drift, hooks

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(ROOT)))
def test_page_names_only_what_the_code_has(page: Path) -> None:
    assert [str(problem) for problem in drift.problems(page.read_text())] == []


def test_invented_names_fail_and_real_ones_pass() -> None:
    problems = [str(problem) for problem in drift.problems((ROOT / "tests/docs/pages/invented.md").read_text())]
    assert sorted(problems) == sorted(
        [
            "line 3: `VOICE_MAX_WIDGETS` is no setting or name the code has",
            "line 4: manage.py has no command 'frobnicate'",
            "line 5: manage.py realtime_sim: unrecognized arguments: --colour red",
            "line 6: the server answers no /api/widget/boot",
            "line 6: the server answers no /admin/nothing/",
            "line 7: platform.hello is no event the server has",
            "line 8: no script or template uses data-colour",
            "line 8: the loader has no VoiceAgent.explode",
            "line 9: METRICS_TOKN is not an environment variable we read",
            "line 9: no module 'config.servr' to run with python -m",
            "line 30: no script or template uses data-colour",
            "line 12: manage.py invoice: argument --format: invalid choice: 'pdf' (choose from 'table', 'csv', 'json')",
        ]
    )


def test_the_docs_build_warns_about_each_problem(caplog: pytest.LogCaptureFixture) -> None:
    """The hook mkdocs runs on every page: its warnings fail the strict build."""
    page = SimpleNamespace(file=SimpleNamespace(src_uri="invented.md"))
    with caplog.at_level(logging.WARNING, logger="mkdocs.hooks.docsgen"):
        hooks.on_page_markdown("Listen for `platform.hello`.\n\n<!-- reference: nothing -->\n", page=page)
    assert [record.getMessage() for record in caplog.records] == [
        "invented.md line 1: platform.hello is no event the server has",
        "invented.md: no reference generator 'nothing' (known: environment, commands, http-api, protocol, descriptors)",
    ]
