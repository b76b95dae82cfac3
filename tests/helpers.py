"""Shared fixtures builders: write a spec and an experiment folder under ``tmp_path``, build it."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path
from typing import Any

import click

from paperkit.build import BuildResult, render_experiment
from paperkit.spec.load import load_spec

L8B = "@cf/meta/llama-3.1-8b-instruct"  # genai-prices: in $0.282/M, out $0.827/M
BGE = "@cf/baai/bge-base-en-v1.5"  # genai-prices: in $0.067/M, no output price
L70B = "@cf/meta/llama-3.1-70b-instruct"  # no price in genai-prices

# An experiment "exp" with nothing declared but its name; logs live in runs/exp/.
SPEC = """\
version: 1
root: runs
experiments:
  exp: {}
"""


def write_tree(root: Path, files: dict[str, str]) -> None:
    """Write each ``relpath: text`` under ``root`` (text dedented), creating folders."""
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def jsonl(*records: dict[str, Any] | str) -> str:
    """Return JSONL text: dicts as one JSON object a line, strings as raw lines (for bad ones)."""
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def build(tmp_path: Path, logs: dict[str, str], spec: str = SPEC) -> BuildResult:
    """Write ``spec`` and the experiment ``exp``'s log files, then render it (nothing written)."""
    (tmp_path / "runs" / "exp").mkdir(parents=True, exist_ok=True)
    write_tree(tmp_path, {"experiments.yaml": spec})
    write_tree(tmp_path / "runs" / "exp", logs)
    return render_experiment(load_spec(tmp_path / "experiments.yaml"), "exp")


def wilson_by_hand(successes: int, n: int, z: float) -> tuple[float, float]:
    """The Wilson score interval, written out from its textbook formula."""
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(centre - half, 0.0), min(centre + half, 1.0)


def command_paths(group: click.Command, path: list[str] | None = None) -> list[list[str]]:
    """Return the path of every command under ``group``, itself included (``[]`` for it).

    list_commands/get_command, not ``.commands``: a lazy command is there only once loaded.
    """
    path = path or []
    found = [path]
    if isinstance(group, click.Group):
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            found += command_paths(command, [*path, name])
    return found
