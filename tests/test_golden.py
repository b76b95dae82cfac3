"""Golden papers: the bundled example and small cases build to exactly the committed bytes.

Run ``pytest --update-golden`` after an intended change to the output, then review the diff.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperkit.build import render_experiment
from paperkit.spec.load import load_spec

REPO = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases"

# (spec, experiment, folder holding the golden PAPER.md and results.json)
GOLDEN = [
    pytest.param(
        REPO / "experiments.yaml",
        "ai-content-pipeline",
        REPO / ".claude/experiments/ai-content-pipeline",
        id="example",
    ),
    pytest.param(
        CASES / "undeclared/experiments.yaml",
        "scratch",
        CASES / "undeclared/expected",
        id="undeclared",
    ),
]


def _check(expected_path: Path, actual: str, update: bool) -> None:
    if update:
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(actual, encoding="utf-8", newline="\n")
        return
    expected = expected_path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                str(expected_path),
                "built now",
            )
        )
        pytest.fail(f"{expected_path.name} differs from a fresh build:\n{diff}")


@pytest.mark.parametrize(("spec", "name", "golden"), GOLDEN)
def test_golden(spec: Path, name: str, golden: Path, update_golden: bool) -> None:
    result = render_experiment(load_spec(spec), name)
    _check(golden / "PAPER.md", result.paper, update_golden)
    _check(golden / "results.json", result.results, update_golden)


@pytest.mark.parametrize(("spec", "name", "golden"), GOLDEN)
def test_build_twice_is_identical(spec: Path, name: str, golden: Path) -> None:
    first = render_experiment(load_spec(spec), name)
    second = render_experiment(load_spec(spec), name)
    assert (first.paper, first.results) == (second.paper, second.results)


def test_same_bytes_in_another_time_zone_locale_and_directory(tmp_path: Path) -> None:
    """A build under another TZ, locale and working directory prints the same paper."""
    env = {**os.environ, "TZ": "Pacific/Kiritimati", "LC_ALL": "C", "LANG": "C"}
    command = [
        sys.executable,
        "-m",
        "paperkit",
        "build",
        "ai-content-pipeline",
        "--spec",
        str(REPO / "experiments.yaml"),
        "--stdout",
    ]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, check=True)
    committed = (REPO / ".claude/experiments/ai-content-pipeline/PAPER.md").read_bytes()
    assert done.stdout == committed
