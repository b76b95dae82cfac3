"""Rebuilding an existing PAPER.md: hand-written words survive, hand edits in blocks stop the
build, --check/--diff/--force/--all/--fail-on-criteria and their exit codes (docs/cli.md)."""

from __future__ import annotations

import hashlib
import json
import re
import textwrap
from pathlib import Path

from click.testing import CliRunner, Result

from paperkit.cli import cli

CALL = (
    '{{"timestamp":"2025-03-0{day}T10:00:00Z","model":"@cf/meta/llama-3.1-8b-instruct",'
    '"input_tokens":1000,"output_tokens":100,"latency_ms":900,"success":true}}\n'
)
SPEC = """\
version: 1
experiments:
  demo:
    title: Demo
    criteria:
      - {text: "calls were made", metric: ai.calls, op: ">=", target: 1}
"""


def project(tmp_path: Path, spec: str = SPEC, names: tuple[str, ...] = ("demo",)) -> Path:
    """Write a spec and one call per experiment; return the spec's path."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "experiments.yaml"
    path.write_text(textwrap.dedent(spec))
    for name in names:
        folder = tmp_path / ".claude/experiments" / name
        folder.mkdir(parents=True)
        (folder / "worker-ai.jsonl").write_text(CALL.format(day=1))
    return path


def run(spec: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["build", *args, "--spec", str(spec)])


def paper_of(tmp_path: Path, name: str = "demo") -> Path:
    return tmp_path / ".claude/experiments" / name / "PAPER.md"


def append_call(tmp_path: Path, name: str = "demo") -> None:
    with (tmp_path / ".claude/experiments" / name / "worker-ai.jsonl").open("a") as f:
        f.write(CALL.format(day=2))


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_words_outside_blocks_survive_a_rebuild_with_new_data(tmp_path: Path) -> None:
    spec = project(tmp_path)
    assert run(spec, "demo").exit_code == 0
    paper = paper_of(tmp_path)
    text = paper.read_text()
    assert "| @cf/meta/llama-3.1-8b-instruct | 1 |" in text
    front = "---\ntitle: my paper\n---\n\n"
    note = "\nA note under the Worker AI table, written by a person.\n"
    end = "<!-- paperkit:end worker_ai "
    at = text.index("\n", text.index(end)) + 1
    edited = front + text[:at] + note + text[at:] + "\nClosing words.\n"
    paper.write_text(edited)

    append_call(tmp_path)
    result = run(spec, "demo")
    assert result.exit_code == 0, result.stderr
    rebuilt = paper.read_text()
    assert rebuilt.startswith(front)
    assert rebuilt.endswith("\nClosing words.\n")
    assert note in rebuilt
    # The numbers moved with the logs: two calls now, one per day.
    assert "| @cf/meta/llama-3.1-8b-instruct | 2 |" in rebuilt
    # Outside the blocks nothing changed: strip every block from both and compare.
    blocks = re.compile(
        r"<!-- paperkit:begin (\S+) -->\n.*?<!-- paperkit:end \1 sha=\w+ -->\n", re.S
    )
    assert blocks.sub("", rebuilt) == blocks.sub("", edited)


def test_a_hand_edit_inside_a_block_stops_the_build_and_names_it(tmp_path: Path) -> None:
    spec = project(tmp_path)
    assert run(spec, "demo").exit_code == 0
    paper = paper_of(tmp_path)
    edited = paper.read_text().replace("# demo: Demo", "# demo: Mine")
    paper.write_text(edited)
    append_call(tmp_path)

    result = run(spec, "demo")
    assert result.exit_code == 1
    begin = line_of(edited, "<!-- paperkit:begin title -->")
    assert f"{paper.as_posix()}:{begin}: 1 generated block edited by hand ('title')" in (
        result.stderr
    )
    assert "-# demo: Mine\n+# demo: Demo\n" in result.stderr
    assert result.stderr.endswith("demo: failed; nothing written for it\n")
    assert paper.read_text() == edited  # untouched, and nothing else written beside it
    assert not paper.with_name("PAPER.md.bak").exists()


def test_force_overwrites_a_hand_edit_after_saving_a_backup(tmp_path: Path) -> None:
    spec = project(tmp_path)
    assert run(spec, "demo").exit_code == 0
    paper = paper_of(tmp_path)
    edited = paper.read_text().replace("# demo: Demo", "# demo: Mine")
    edited += "\nMy closing words.\n"
    paper.write_text(edited)

    result = run(spec, "demo", "--force")
    assert result.exit_code == 0, result.stderr
    assert "(old file kept as PAPER.md.bak)" in result.stderr
    assert paper.with_name("PAPER.md.bak").read_text() == edited
    rebuilt = paper.read_text()
    assert "# demo: Demo\n" in rebuilt
    assert rebuilt.endswith("\nMy closing words.\n")


def test_a_file_without_markers_is_never_appended_to(tmp_path: Path) -> None:
    spec = project(tmp_path)
    paper = paper_of(tmp_path)
    paper.write_text("# My own paper\n\nWritten by hand.\n")
    result = run(spec, "demo")
    assert result.exit_code == 1
    assert f"{paper.as_posix()}:1: " in result.stderr
    assert paper.read_text() == "# My own paper\n\nWritten by hand.\n"
    assert run(spec, "demo", "--force").exit_code == 0
    assert paper.with_name("PAPER.md.bak").read_text() == "# My own paper\n\nWritten by hand.\n"
    assert "<!-- paperkit:begin title -->" in paper.read_text()


def test_broken_markers_are_an_error_with_their_line(tmp_path: Path) -> None:
    spec = project(tmp_path)
    assert run(spec, "demo").exit_code == 0
    paper = paper_of(tmp_path)
    text = paper.read_text()
    end = next(line for line in text.splitlines() if line.startswith("<!-- paperkit:end title"))
    broken = text.replace(end + "\n", "")
    paper.write_text(broken)
    result = run(spec, "demo")
    assert result.exit_code == 1
    # The title block now runs into the next begin marker: a nested begin, at its own line.
    nested = line_of(broken, "<!-- paperkit:begin experiment -->")
    assert f"{paper.as_posix()}:{nested}: " in result.stderr
    assert paper.read_text() == broken


def test_a_block_no_longer_generated_is_kept_and_reported(tmp_path: Path) -> None:
    spec = project(tmp_path)
    assert run(spec, "demo").exit_code == 0
    paper = paper_of(tmp_path)
    old = "<!-- paperkit:begin retired -->\nOld numbers.\n<!-- paperkit:end retired sha=%s -->\n"
    sha = hashlib.sha256(b"Old numbers.\n").hexdigest()[:8]
    text = paper.read_text() + "\n" + old % sha
    paper.write_text(text)
    result = run(spec, "demo")
    assert result.exit_code == 0, result.stderr
    line = line_of(text, "<!-- paperkit:begin retired -->")
    assert (
        f"warning: {paper.as_posix()}:{line}: block 'retired' is no longer generated; left as it "
        "is (delete it by hand if it is not wanted)\n"
    ) in result.stderr
    assert (old % sha) in paper.read_text()


def test_check_exits_3_when_stale_and_writes_nothing(tmp_path: Path) -> None:
    spec = project(tmp_path)
    assert run(spec, "demo").exit_code == 0
    assert run(spec, "demo", "--check").exit_code == 0
    paper = paper_of(tmp_path)
    before = paper.read_bytes()
    results_before = paper.with_name("results.json").read_bytes()
    append_call(tmp_path)

    result = run(spec, "--all", "--check")
    assert result.exit_code == 3
    assert "demo: stale: PAPER.md and results.json in " in result.stderr
    assert paper.read_bytes() == before
    assert paper.with_name("results.json").read_bytes() == results_before
    assert result.stdout == ""

    diff = run(spec, "demo", "--check", "--diff")
    assert diff.exit_code == 3
    assert f"--- {paper.as_posix()} (on disk)\n+++ {paper.as_posix()} (rebuilt)\n" in diff.stdout
    assert "-| @cf/meta/llama-3.1-8b-instruct | 1 |" in diff.stdout
    assert "+| @cf/meta/llama-3.1-8b-instruct | 2 |" in diff.stdout


def test_check_on_a_missing_paper_is_stale(tmp_path: Path) -> None:
    spec = project(tmp_path)
    result = run(spec, "demo", "--check")
    assert result.exit_code == 3
    assert not paper_of(tmp_path).exists()


def test_diff_without_check_is_a_usage_error(tmp_path: Path) -> None:
    spec = project(tmp_path)
    result = run(spec, "demo", "--diff")
    assert result.exit_code == 2
    assert "--diff needs --check" in result.stderr


def test_fail_on_criteria_exits_4(tmp_path: Path) -> None:
    failing = SPEC.replace("target: 1}", "target: 5}")  # 1 call < 5
    spec = project(tmp_path, failing)
    assert run(spec, "demo").exit_code == 0
    result = run(spec, "demo", "--fail-on-criteria")
    assert result.exit_code == 4
    assert "a criterion failed" in result.stderr
    passing = project(tmp_path / "ok")
    assert run(passing, "demo", "--fail-on-criteria").exit_code == 0


def test_all_goes_past_a_failing_experiment_and_exits_with_the_worst_code(tmp_path: Path) -> None:
    spec_text = SPEC + "  other:\n    title: Other\n"
    spec = project(tmp_path, spec_text.replace("target: 1}", "target: 5}"), ("demo", "other"))
    assert run(spec, "--all").exit_code == 0
    demo = paper_of(tmp_path, "demo")
    demo.write_text(demo.read_text().replace("# demo: Demo", "# Mine"))
    append_call(tmp_path, "demo")
    append_call(tmp_path, "other")

    # demo: hand edit (1); other: written. 1 beats 4 (demo's criterion fails).
    result = run(spec, "--all", "--fail-on-criteria")
    assert result.exit_code == 1
    assert "demo: failed; nothing written for it\n" in result.stderr
    assert "other: wrote PAPER.md and results.json in " in result.stderr
    assert "| @cf/meta/llama-3.1-8b-instruct | 2 |" in paper_of(tmp_path, "other").read_text()

    # Stale (3) beats criteria failed (4).
    demo.unlink()
    append_call(tmp_path, "other")
    checked = run(spec, "--all", "--check", "--fail-on-criteria")
    assert checked.exit_code == 3


def test_results_json_alone_being_stale_counts(tmp_path: Path) -> None:
    spec = project(tmp_path)
    assert run(spec, "demo").exit_code == 0
    results = paper_of(tmp_path).with_name("results.json")
    doc = json.loads(results.read_text())
    doc["experiment"] = "edited"
    results.write_text(json.dumps(doc))
    result = run(spec, "demo", "--check")
    assert result.exit_code == 3
    assert "demo: stale: results.json in " in result.stderr


def test_an_unchanged_rebuild_writes_nothing(tmp_path: Path) -> None:
    spec = project(tmp_path)
    assert run(spec, "demo").exit_code == 0
    paper = paper_of(tmp_path)
    paper.write_text(paper.read_text())  # same bytes; note the time
    stamp = paper.stat().st_mtime_ns
    result = run(spec, "demo")
    assert result.exit_code == 0
    assert "demo: up to date (Validated)" in result.stderr
    assert paper.stat().st_mtime_ns == stamp


def test_highlights_added_to_the_spec_later_land_under_their_heading(tmp_path: Path) -> None:
    spec = project(tmp_path)
    assert run(spec, "demo").exit_code == 0
    paper = paper_of(tmp_path)
    first = paper.read_text()
    heading = "## WHAT I (CLAUDE CODE) DID WELL\n"
    assert "_What did Claude Code do well here?" in first  # the prompt, outside any block
    spec.write_text(
        spec.read_text() + "    did_well:\n      - {title: Retries, text: Added backoff.}\n"
    )
    assert run(spec, "demo").exit_code == 0
    text = paper.read_text()
    after_heading = text[text.index(heading) + len(heading) :]
    assert after_heading.startswith(
        "\n<!-- paperkit:begin did_well -->\n### 1. Retries\n\nAdded backoff.\n"
    )


def test_a_template_repeating_a_block_name_fails_on_the_first_build(tmp_path: Path) -> None:
    spec = project(tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/paper.md.j2").write_text(
        '{% filter block("a") %}x{% endfilter %}\n\n{% filter block("a") %}y{% endfilter %}\n'
    )
    result = run(spec, "demo")
    assert result.exit_code == 1
    where = f"{paper_of(tmp_path).as_posix()} (as generated):5: "
    assert result.stderr.startswith(where)
    assert not paper_of(tmp_path).exists()


def test_a_bad_block_name_in_a_template_is_a_template_error(tmp_path: Path) -> None:
    spec = project(tmp_path)
    (tmp_path / "templates/sections").mkdir(parents=True)
    (tmp_path / "templates/sections/dev_metrics.md.j2").write_text(
        'x\n{% filter block("Bad Name") %}y{% endfilter %}\n'
    )
    result = run(spec, "demo")
    assert result.exit_code == 1
    where = (tmp_path / "templates/sections/dev_metrics.md.j2").as_posix()
    assert f"{where}:2: template error: block name 'Bad Name'" in result.stderr


def test_validate_reports_a_hand_edit_as_build_would(tmp_path: Path) -> None:
    spec = project(tmp_path)
    assert run(spec, "demo").exit_code == 0
    paper = paper_of(tmp_path)
    paper.write_text(paper.read_text().replace("# demo: Demo", "# Mine"))
    result = CliRunner().invoke(cli, ["validate", "--spec", str(spec)])
    assert result.exit_code == 1
    assert "1 generated block edited by hand ('title')" in result.stderr
    assert result.stderr.endswith("demo: failed\n")
    assert "# Mine" in paper.read_text()
