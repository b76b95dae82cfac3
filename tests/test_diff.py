"""paperkit diff: a flip across two commits, noise that is no real change, old results.json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from paperkit.build import render_experiment
from paperkit.cli import cli
from paperkit.errors import PaperkitError
from paperkit.paper.diff_report import markdown
from paperkit.paper.diff_results import compare_results
from paperkit.spec.load import load_spec
from tests.helpers import L8B, jsonl, write_tree

SPEC = """\
version: 1
root: runs
experiments:
  exp:
    criteria:
      - {text: "Calls | <b>succeed</b>", metric: ai.success_rate, op: ">=", target: 0.9}
  a:
    criteria:
      - {text: "Calls succeed", metric: ai.success_rate, op: ">=", target: 0.9}
  b:
    criteria:
      - {text: "Calls succeed", metric: ai.success_rate, op: ">=", target: 0.9}
"""


def _calls(n: int, failures: int, latency: int = 800) -> str:
    """Return n worker-ai records, the last ``failures`` of them failed, latencies varying."""
    return jsonl(
        *(
            {
                "timestamp": f"2025-03-01T{i // 60:02d}:{i % 60:02d}:00Z",
                "model": L8B,
                "input_tokens": 1000,
                "output_tokens": 100,
                "latency_ms": latency + (i * 37) % 200,
                "success": i < n - failures,
            }
            for i in range(n)
        )
    )


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
@pytest.mark.parametrize("commit_results", [True, False])
def test_a_flip_across_two_commits_exits_4_with_fail_on_flip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, commit_results: bool
) -> None:
    # Commit 1: 100 of 100 calls succeed; Wilson 95% low = 0.963 >= 0.9: pass.
    # Commit 2: 70 of 100; Wilson 95% is 0.604 to 0.778, all below 0.9: fail.
    write_tree(tmp_path, {"experiments.yaml": SPEC, "runs/exp/worker-ai.jsonl": _calls(100, 0)})
    _git(tmp_path, "init", "-q")
    if commit_results:
        monkeypatch.chdir(tmp_path)
        assert _invoke("build", "exp").exit_code == 0
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "first")
    write_tree(tmp_path, {"runs/exp/worker-ai.jsonl": _calls(100, 30)})
    _git(tmp_path, "commit", "-q", "-am", "second")
    (tmp_path / "runs" / "exp" / "results.json").unlink(missing_ok=True)
    spec = str(tmp_path / "experiments.yaml")

    plain = _invoke("diff", "exp", "--against", "HEAD~1", "--spec", spec)
    assert plain.exit_code == 0, plain.output
    flip = _invoke("diff", "exp", "--against", "HEAD~1", "--spec", spec, "--fail-on-flip")
    assert flip.exit_code == 4
    text = flip.stdout
    source = "the committed runs/exp/results.json" if commit_results else "built from the logs"
    assert f"Before: {source}" in text
    assert "**Outcome:** Validated → Refuted (worse)." in text
    # The criterion text is user data: its pipe and tags are escaped.
    assert "| Calls \\| \\<b\\>succeed\\</b\\> | **pass → fail** | 100.0% → 70.0% |" in text
    # Newcombe 95% for 70/100 − 100/100 (statsmodels agrees to 1e-9 in test_differences):
    # by the textbook formulas (tests.helpers.wilson_by_hand), Wilson 100/100 = [0.963007, 1],
    # Wilson 70/100 = [0.604151, 0.781051]; d = −0.3, low = −0.3 − √(0.095849² + 0²) =
    # −0.395849, high = −0.3 + √(0.081051² + 0.036993²) = −0.3 + 0.089094 = −0.210906.
    assert "real change: −39.6 pp to −21.1 pp (95% Newcombe)" in text

    doc = json.loads(_invoke("diff", "exp", "--against", "HEAD~1", "--spec", spec, "--json").stdout)
    report = doc["experiments"][0]["report"]
    assert report["failed"] is True
    assert report["criteria"][0]["pass_to_fail"] is True
    rate = next(m for m in report["metrics"] if m["metric"] == "ai.success_rate")
    assert rate["interval"]["low"] == pytest.approx(-0.395849, abs=2e-6)
    assert rate["interval"]["high"] == pytest.approx(-0.210906, abs=2e-6)


@needs_git
def test_an_unknown_revision_and_a_new_experiment(tmp_path: Path) -> None:
    write_tree(tmp_path, {"experiments.yaml": SPEC, "runs/exp/worker-ai.jsonl": _calls(40, 0)})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "first")
    write_tree(tmp_path, {"runs/a/worker-ai.jsonl": _calls(40, 0)})
    spec = str(tmp_path / "experiments.yaml")
    bad = _invoke("diff", "exp", "--against", "no-such-branch", "--spec", spec)
    assert bad.exit_code == 1
    assert "unknown revision 'no-such-branch'" in bad.stderr
    dashed = _invoke("diff", "exp", "--against", "--output=x", "--spec", spec)
    assert dashed.exit_code == 1 and "does not start with '-'" in dashed.stderr
    every = _invoke("diff", "--all", "--against", "HEAD", "--spec", spec)
    assert every.exit_code == 0, every.output
    # "a" had no folder at HEAD but is declared in the spec there, so it builds with no logs;
    # "b" has neither, and is compared as an empty experiment too.
    assert "## exp: HEAD → working tree" in every.stdout
    assert "**Metrics:** none changed" in every.stdout


def test_noise_is_no_real_change(tmp_path: Path) -> None:
    # a: 190 of 200 succeed (95.0%); b: 186 of 200 (93.0%): −2 pp, and the Newcombe 95%
    # interval, −6.95 pp to +2.84 pp (Wilson 190/200 = [0.910422, 0.972617], 186/200 =
    # [0.885945, 0.957848], by tests.helpers.wilson_by_hand), holds 0. Latencies are a
    # permutation of 800..999 (mean 899.5, sd 57.9) against 810..1009: +10 ms, and Welch's
    # half-width is about 1.97 × √(2 × 57.9² / 200) = 11.4 ms, so that holds 0 too.
    write_tree(
        tmp_path,
        {
            "experiments.yaml": SPEC,
            "runs/a/worker-ai.jsonl": _calls(200, 10, latency=800),
            "runs/b/worker-ai.jsonl": _calls(200, 14, latency=810),
        },
    )
    result = _invoke("diff", "a", "b", "--spec", str(tmp_path / "experiments.yaml"))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "## experiments: a → b" in text
    assert (
        "| `ai.success_rate` | 95.0% | 93.0% | −2.0 pp | −2.1% | "
        "no real change: −7.0 pp to +2.8 pp (95% Newcombe) |"
    ) in text
    assert "| `ai.latency_ms.mean` | 900 ms | 910 ms | +10 ms | +1.1% | no real change: " in text
    # The verdict flips all the same (186/200 has a Wilson low of 0.886, under the 0.9
    # target): the report shows a flip that rests on no real change.
    assert (
        "| Calls succeed | **pass → inconclusive** | 95.0% → 93.0% | −2.0 pp | no real change: "
    ) in text
    assert "**Outcome:** Validated → Inconclusive (worse)." in text


def _results(tmp_path: Path, name: str, calls: str) -> dict[str, Any]:
    write_tree(tmp_path, {"experiments.yaml": SPEC, f"runs/{name}/worker-ai.jsonl": calls})
    spec = load_spec(tmp_path / "experiments.yaml")
    return json.loads(render_experiment(spec, name).results)


def test_an_old_results_json_says_uncertainty_unknown(tmp_path: Path) -> None:
    old = _results(tmp_path, "a", _calls(200, 10))
    new = _results(tmp_path, "b", _calls(200, 40))
    # What a results.json written before samples existed looks like.
    del old["samples"], old["costs"]
    for criterion in old["criteria"]:
        del criterion["sample"]
    report = compare_results(old, new, "before", "after")
    text = markdown(report, "exp")
    assert "| `ai.success_rate` | 95.0% | 80.0% | −15.0 pp | −15.8% | uncertainty unknown: " in text
    assert "basis unknown (older results.json)" in text
    assert "every rate, mean and percentile there has its uncertainty unknown" in text
    # With its samples, the same change is tested: 190/200 against 160/200 is a real change.
    full = compare_results(_results(tmp_path, "a", _calls(200, 10)), new, "before", "after")
    rate = next(d for d in full.metrics if d.name == "ai.success_rate")
    assert rate.change is not None and rate.change.real


def test_usage_errors() -> None:
    assert _invoke("diff", "a").exit_code == 2
    assert _invoke("diff", "--all").exit_code == 2
    assert _invoke("diff", "a", "--all", "--against", "HEAD").exit_code == 2


@needs_git
def test_all_lists_experiments_new_and_removed_since_the_revision(tmp_path: Path) -> None:
    write_tree(tmp_path, {"experiments.yaml": SPEC, "runs/exp/worker-ai.jsonl": _calls(40, 0)})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "first")
    # Now: "b" is gone from the spec, and a folder "c" appeared with no spec entry.
    write_tree(
        tmp_path,
        {
            "experiments.yaml": SPEC.split("  b:\n")[0],
            "runs/c/worker-ai.jsonl": _calls(40, 0),
        },
    )
    result = _invoke(
        "diff", "--all", "--against", "HEAD", "--json", "--spec", str(tmp_path / "experiments.yaml")
    )
    assert result.exit_code == 0, result.output
    found = {e["experiment"]: e for e in json.loads(result.stdout)["experiments"]}
    assert sorted(found) == ["a", "b", "c", "exp"]
    assert found["b"]["removed"] is True and found["b"]["report"] is None
    assert found["c"]["new"] is True and found["c"]["old_source"].startswith("no experiment 'c'")
    assert found["exp"]["report"]["metrics"] == []


@needs_git
def test_a_bad_spec_at_the_revision_is_named_with_its_line(tmp_path: Path) -> None:
    bad = SPEC.replace("version: 1\n", "version: 1\nconfidence: 95\n")
    write_tree(tmp_path, {"experiments.yaml": bad, "runs/exp/worker-ai.jsonl": _calls(40, 0)})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "first")
    write_tree(tmp_path, {"experiments.yaml": SPEC})
    result = _invoke(
        "diff", "exp", "--against", "HEAD", "--spec", str(tmp_path / "experiments.yaml")
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("the spec at HEAD (")
    assert "): experiments.yaml:2: confidence: " in result.stderr


@needs_git
def test_one_experiment_that_does_not_build_does_not_stop_the_others(tmp_path: Path) -> None:
    write_tree(tmp_path, {"experiments.yaml": SPEC, "runs/exp/worker-ai.jsonl": _calls(40, 0)})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "first")
    broken = SPEC.replace(
        'metric: ai.success_rate, op: ">=", target: 0.9}\n  a:',
        'metric: ai.success_rate, op: ">=", target: 0.9, where: {model: [nope]}}\n  a:',
    )
    write_tree(tmp_path, {"experiments.yaml": broken})
    spec = str(tmp_path / "experiments.yaml")
    result = _invoke("diff", "--all", "--against", "HEAD", "--fail-on-flip", "--spec", spec)
    assert result.exit_code == 1
    assert "where.model: no record has model 'nope'" in result.stderr
    assert "exp: not compared" in result.stderr
    assert "## exp: not compared" in result.stdout
    assert "## a: HEAD → working tree" in result.stdout
    # Several experiments: a table of them comes first.
    assert result.stdout.startswith("# What changed against HEAD\n")
    assert (
        "| a | Inconclusive | 0 | 0 |\n"
        "| b | Inconclusive | 0 | 0 |\n"
        "| exp | not compared | – | – |\n"
    ) in result.stdout


@needs_git
def test_rebuild_replaces_an_old_committed_results_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"experiments.yaml": SPEC, "runs/exp/worker-ai.jsonl": _calls(100, 0)})
    monkeypatch.chdir(tmp_path)
    assert _invoke("build", "exp").exit_code == 0
    # Make the committed results.json look like one from before samples were kept.
    path = tmp_path / "runs" / "exp" / "results.json"
    old = json.loads(path.read_text(encoding="utf-8"))
    del old["samples"], old["costs"]
    for criterion in old["criteria"]:
        del criterion["sample"]
    path.write_text(json.dumps(old), encoding="utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "first")
    write_tree(tmp_path, {"runs/exp/worker-ai.jsonl": _calls(100, 30)})
    stale = _invoke("diff", "exp", "--against", "HEAD")
    assert "| −30.0 pp | uncertainty unknown: " in stale.stdout
    assert "pass --rebuild" in stale.stdout
    rebuilt = _invoke("diff", "exp", "--against", "HEAD", "--rebuild")
    assert "Before: built from the logs and spec at HEAD (" in rebuilt.stdout
    assert "| −30.0 pp | real change: −39.6 pp to −21.1 pp (95% Newcombe) |" in rebuilt.stdout
    assert _invoke("diff", "a", "b", "--rebuild").exit_code == 2


def test_a_lower_bound_cost_is_marked_and_its_change_not_claimed() -> None:
    basis = {"priced": 8, "logged": 0, "unpriced": 2, "development_days": 0}
    old = {
        "metrics": {"ai.unpriced_calls": 2, "cost.total_usd": 1.0, "units.count": 100},
        "costs": {
            "unit": "page",
            "per_unit_usd": 0.01,
            "running_per_unit_usd": 0.01,
            "basis": basis,
            "lower_bound": True,
        },
    }
    new = {
        "metrics": {"ai.unpriced_calls": 0, "cost.total_usd": 1.5, "units.count": 100},
        "costs": {
            "unit": "page",
            "per_unit_usd": 0.015,
            "running_per_unit_usd": 0.015,
            "basis": {**basis, "priced": 10, "unpriced": 0},
            "lower_bound": False,
        },
    }
    text = markdown(compare_results(old, new, "before", "after"), "exp")
    assert (
        "| `cost.total_usd` | ≥ $1.0000 | $1.5000 | +$0.5000 | +50.0% | "
        "not known exactly: a lower bound on one side |"
    ) in text
    assert (
        "| Cost per page | ≥ $0.0100 | $0.0150 | not known (a lower bound on one side) | n/a | "
        "8 priced, 2 unpriced; lower bound | 10 priced |"
    ) in text


def test_a_document_that_is_not_a_results_json_is_a_clear_error() -> None:
    with pytest.raises(PaperkitError, match=r"^HEAD → working tree: not a results.json paperkit"):
        compare_results({"metrics": [1, 2]}, {"metrics": {}}, "HEAD", "working tree")
    rate = {"kind": "rate", "successes": None, "n": 10}
    doc = {"metrics": {"ai.success_rate": 0.5}, "samples": {"metrics": {"ai.success_rate": rate}}}
    other = {**doc, "metrics": {"ai.success_rate": 0.6}}
    with pytest.raises(PaperkitError, match="not a results.json paperkit wrote"):
        compare_results(doc, other, "a", "b")


@needs_git
def test_a_spec_outside_git_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    write_tree(tmp_path, {"experiments.yaml": SPEC})
    result = _invoke(
        "diff", "exp", "--against", "HEAD", "--spec", str(tmp_path / "experiments.yaml")
    )
    assert result.exit_code == 1
    assert "experiments.yaml: not inside a git repository, so there is no revision" in result.stderr


def test_the_bounds_results_json_names_are_the_lower_bounds() -> None:
    from paperkit.paper.diff_costs import lower_bounds

    # A Workflows cost that leaves CPU time out is a lower bound; a cost reduction computed
    # from such a cost is an upper one, which is not a lower bound.
    doc = {
        "metrics": {"ai.unpriced_calls": 0},
        "bounds": {
            "workflows.cost_usd": {"side": "lower", "why": "25 records without cpu_ms"},
            "cost.total_usd": {"side": "lower", "why": "25 records without cpu_ms"},
            "comparison.cost_reduction": {"side": "upper", "why": "25 records without cpu_ms"},
        },
    }
    assert lower_bounds(doc) == {"workflows.cost_usd", "cost.total_usd"}
    # An older results.json, with no "bounds": its counts tell.
    old = {"metrics": {"ai.unpriced_calls": 3}, "costs": {"lower_bound": True}}
    assert "ai.cost_usd" in lower_bounds(old) and "cost.per_unit_usd" in lower_bounds(old)
