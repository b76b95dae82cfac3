"""The pre-commit hooks run the right commands on the right files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

HOOKS = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
)


def test_the_hooks_and_their_commands() -> None:
    assert [(hook["id"], hook["entry"]) for hook in HOOKS] == [
        ("paperkit-build", "paperkit build --all"),
        ("paperkit-check", "paperkit build --all --check"),
    ]
    for hook in HOOKS:
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("experiments.yaml", True),
        (".claude/experiments/x/worker-ai.jsonl", True),
        (".claude/experiments/x/log.md", True),
        ("templates/sections/title.md.j2", True),
        ("README.md", False),
        ("docs/experiments.yaml", False),
        ("experiments.yaml.bak", False),
        ("paperkit/templates.py", False),
    ],
)
def test_the_files_that_trigger_the_hooks(path: str, runs: bool) -> None:
    # pre-commit matches `files` with Python's re.search against the path from the repo root.
    for hook in HOOKS:
        assert bool(re.search(hook["files"], path)) is runs
