"""Every example in a fenced block of the docs passes its check (docsgen/examples.py); a wrong one fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from docsgen import examples

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
BLOCKS = [
    block
    for page in PAGES
    for block in examples.blocks(str(page.relative_to(ROOT)), page.read_text())
    if block.lang not in examples.UNCHECKED or examples.COMMAND_LINE.search(block.code)
]


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.id)
def test_example(block: examples.Block) -> None:
    assert examples.check(block) == []


def test_wrong_examples_fail() -> None:
    page = ROOT / "tests/docs/pages/invented.md"
    found = {block.lang: examples.check(block) for block in examples.blocks("invented.md", page.read_text())}
    assert found["bash"] == [
        "manage.py invoice: argument --format: invalid choice: 'pdf' (choose from 'table', 'csv', 'json')",
        "the Makefile has no target 'deploy'",
        "'curl http://127.0.0.1:8000/healthz': no check for 'curl' lines (docsgen/examples.py)",
    ]
    assert len(found["json"]) == 1 and "colour" in found["json"][0]
    assert [problem.split(":")[0] for problem in found["python"]] == ["line 1", "line 3"]
    assert "cannot import name 'no_such_function'" in found["python"][0]
    assert found["html"] == [
        "the loader reads no data-colour (it reads " + ", ".join(sorted(examples.loader_attributes())) + ")"
    ]


def test_a_python_example_that_calls_wrongly_fails() -> None:
    code = "from httptools.validation import validate_descriptor\n\nvalidate_descriptor({}, strict=True)\n"
    problems = examples.check(examples.Block("page.md", 1, "python", code, ""))
    assert problems == ["line 3: validate_descriptor(...): got an unexpected keyword argument 'strict'"]


def test_a_marked_python_example_runs() -> None:
    failing = examples.Block("page.md", 1, "python", "import json\n\njson.loads('{')\n", "run")
    assert examples.check(failing)[0].startswith("running it failed: JSONDecodeError")
    assert examples.check(examples.Block("page.md", 1, "python", "import json\n\njson.loads('{')\n", "")) == []


def test_setup_commands_run_in_a_scratch_directory() -> None:
    setup = "mkdir site && cd site\ncat > index.html <<'EOF'\n<h1>Shop</h1>\nEOF\nls index.html\n"
    assert examples.check(examples.Block("page.md", 1, "bash", setup, "")) == []
    wrong = examples.check(examples.Block("page.md", 1, "bash", "mkdir site\ncd elsewhere\n", ""))
    assert len(wrong) == 1 and wrong[0].startswith("the commands failed:") and "elsewhere" in wrong[0]
