"""A new user's first experiment, start to finish: init, log from the shell and from Python,
record the daily costs twice, build the paper, add words, log more, rebuild."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import paperkit.track
from paperkit.cli import cli

L8B = "@cf/meta/llama-3.1-8b-instruct"


def paperkit_ok(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_first_experiment_from_init_to_a_rebuilt_paper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    paperkit_ok("init", "demo", "--title", "Demo", "--hypothesis", "Workers AI is cheap")
    for day in (1, 2):
        paperkit_ok(
            "log", "worker-ai", "demo", "--model", L8B, "--operation", "summarization",
            "--input-tokens", "1000000", "--output-tokens", "100000", "--latency-ms", "800",
            "--success", "--timestamp", f"2025-03-0{day}T10:00:00Z",
        )  # fmt: skip
    with paperkit.track.inference("demo", model=L8B, operation="summarization") as call:
        call.tokens(input=10, output=1)

    folder = tmp_path / ".claude/experiments/demo"
    paperkit_ok("costs", "demo", "--write")
    first = (folder / "cost-breakdown.jsonl").read_bytes()
    paperkit_ok("costs", "demo", "--write")
    assert (folder / "cost-breakdown.jsonl").read_bytes() == first  # no day twice
    days = [json.loads(line)["period"] for line in first.decode().splitlines()]
    assert len(days) == len(set(days))
    assert {"2025-03-01", "2025-03-02"} <= set(days)

    paperkit_ok("build", "demo")
    doc = json.loads((folder / "results.json").read_text())
    assert doc["metrics"]["ai.calls"] == 3
    # 2 calls of 1M input + 0.1M output at $0.282/M in and $0.827/M out (genai-prices):
    # 2 × (0.282 + 0.0827) = 0.7294, plus the tracked call's 10 × 0.282e-6 + 1 × 0.827e-6.
    assert doc["metrics"]["ai.cost_usd"] == pytest.approx(0.7294 + 3.647e-6)

    paper = folder / "PAPER.md"
    paper.write_text(paper.read_text() + "\nWhat we learned, in our own words.\n")
    paperkit_ok(
        "log", "worker-ai", "demo", "--model", L8B, "--input-tokens", "5",
        "--no-success", "--timestamp", "2025-03-03T10:00:00Z",
    )  # fmt: skip
    paperkit_ok("build", "demo")
    rebuilt = paper.read_text()
    assert rebuilt.endswith("\nWhat we learned, in our own words.\n")
    assert json.loads((folder / "results.json").read_text())["metrics"]["ai.calls"] == 4
    assert CliRunner().invoke(cli, ["build", "demo", "--check"]).exit_code == 0
