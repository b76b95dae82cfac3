"""Start-up: the light commands never import pandas, pyarrow or scipy (issue 9, point 8).

Each case runs in a fresh interpreter, through the ``paperkit`` console-script entry point, and
lists which of the heavy modules ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from paperkit.cli import LAZY, cli

HEAVY = ("pandas", "pyarrow", "scipy")

PROBE = """
import json, sys
from importlib.metadata import entry_points

(paperkit,) = entry_points(group="console_scripts", name="paperkit")
command = paperkit.load()  # what the installed `paperkit` script calls, with sys.argv
runs = json.loads(sys.argv[1])
for args in runs:
    sys.argv = ["paperkit", *args]
    try:
        command()
    except SystemExit as done:
        assert done.code in (0, None), (args, done.code)
print(json.dumps(sorted(name for name in HEAVY if name in sys.modules)))
""".replace("HEAVY", repr(HEAVY))


def heavy_modules_after(runs: list[list[str]], cwd: Path) -> list[str]:
    """Run each argument list through the entry point in one new interpreter; the heavy modules."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(runs)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["log", "--help"], ["-h"]])
def test_help_and_version_import_no_heavy_module(tmp_path: Path, args: list[str]) -> None:
    assert heavy_modules_after([args], tmp_path) == []


def test_init_and_log_import_no_heavy_module(tmp_path: Path) -> None:
    runs = [
        ["init", "demo"],
        ["log", "worker-ai", "demo", "--model", "@cf/meta/llama-3.1-8b-instruct", "--success"],
        ["log", "workflow", "demo", "--execution-id", "e1", "--duration-ms", "900"],
    ]
    assert heavy_modules_after(runs, tmp_path) == []
    # The records were written: the check above is on commands that did their work.
    logs = tmp_path / ".claude" / "experiments" / "demo"
    assert len((logs / "worker-ai.jsonl").read_text().splitlines()) == 1
    assert len((logs / "workflows.jsonl").read_text().splitlines()) == 1


def test_a_build_does_load_them(tmp_path: Path) -> None:
    # The probe can see them: building needs pandas, so a build must list it.
    runs = [["init", "demo"], ["build", "demo"]]
    assert "pandas" in heavy_modules_after(runs, tmp_path)


def test_a_lazy_command_is_listed_by_its_own_help() -> None:
    ctx = click.Context(cli)
    for name, (_, declared) in LAZY.items():
        command = cli.get_command(ctx, name)
        assert command is not None
        assert click.Command(name, help=declared).get_short_help_str(300) == (
            command.get_short_help_str(300)
        )
