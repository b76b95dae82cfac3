"""Importing Claude Code's session transcripts (``paperkit import claude-code``).

The transcripts in ``fixtures/claude-code/-home-dev-demo`` are small ones written for these
tests, shaped like real ones (see docs/claude-code.md). What they hold, by hand:

s1.jsonl (session s1, 2025-06-14 unless said)
  1 prompt u1 10:00:00              6 msg_E <synthetic> API error, no requestId, 10:03:00
  2 msg_A/req_A output 5 (partial)   7 a line cut off mid-JSON
  3 msg_A/req_A output 120, Bash     8 prompt u2 (text block) 10:20:00
  4 tool result (not a prompt)       9 msg_C/req_C claude-future-9 in 100 out 50, 10:20:10
  5 msg_B/req_B in 10 out 200 cw 4000 (all 1h) cr 3000, 1 web search, Read, 10:02:00
 10 msg_D (no requestId) in 5 out 10 cr 1000, 2025-06-16 09:00
 11 /clear command (not a prompt), 2025-06-16
s1/subagents/agent-x.jsonl (sidechain)
  1 msg_B/req_B replayed with output 250 (the main-thread record wins)
  2 subagent prompt (not a person's prompt)
  3 msg_S/req_S in 20 out 40 cw 500 (no breakdown), Grep, 10:05:00
  4 msg_A replayed under another requestId, req_A_btw, 10:06:00 (a side question's replay)
s2.jsonl (session s2): a summary, prompt c1 15:00:00, msg_F in 1 out 1 15:00:03
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from paperkit.cli import cli
from paperkit.errors import DataWarning, PaperkitError, shown
from paperkit.importers import claude_code, transcripts
from paperkit.tracking.init import init_experiment

PROJECT = Path(__file__).parent / "fixtures" / "claude-code" / "-home-dev-demo"
NAME = "demo"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "experiments.yaml"
    init_experiment(NAME, path)
    return path


def output(spec: Path) -> Path:
    return spec.parent / ".claude" / "experiments" / NAME / "claude-code.jsonl"


def records(spec: Path) -> list[dict[str, object]]:
    lines = output(spec).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def requests(spec: Path) -> dict[str, dict[str, object]]:
    return {str(r["key"]): r for r in records(spec) if r["type"] == "request"}


def test_one_record_per_request_merged_and_without_text(spec: Path) -> None:
    result = claude_code.import_claude_code(spec, NAME, project_dir=PROJECT)
    # msg_A, msg_B, msg_E, msg_C, msg_D, msg_S, msg_F; msg_A's partial record, the sidechain
    # replay of msg_B and the sidechain replay of msg_A under another requestId are merged.
    assert (result.files, result.requests, result.prompts, result.merged) == (3, 7, 3, 3)
    found = requests(spec)
    assert sorted(found) == [
        "msg_A:req_A",
        "msg_B:req_B",
        "msg_C:req_C",
        "msg_D",  # no requestId: keyed on message.id alone
        "msg_E",
        "msg_F:req_F",
        "msg_S:req_S",
    ]
    assert found["msg_A:req_A"]["output_tokens"] == 120  # the final snapshot, not the partial 5
    assert found["msg_B:req_B"]["output_tokens"] == 200  # main thread over the replay's 250
    assert found["msg_B:req_B"]["sidechain"] is False
    assert found["msg_S:req_S"]["sidechain"] is True
    assert found["msg_S:req_S"]["agent_id"] == "x"
    text = output(spec).read_text(encoding="utf-8")
    for words in ("Add a cache", "Looking.", "a.py", "Now test it", "Overloaded", "/home/dev"):
        assert words not in text


def test_token_fields_cache_split_tools_and_errors(spec: Path) -> None:
    claude_code.import_claude_code(spec, NAME, project_dir=PROJECT)
    found = requests(spec)
    b = found["msg_B:req_B"]
    assert (b["input_tokens"], b["cache_write_tokens"], b["cache_read_tokens"]) == (10, 4000, 3000)
    assert (b["cache_write_1h_tokens"], b["web_search_requests"], b["tools"]) == (4000, 1, ["Read"])
    assert found["msg_A:req_A"]["cache_write_1h_tokens"] == 0  # a breakdown with no 1h part
    assert found["msg_S:req_S"]["cache_write_1h_tokens"] is None  # no breakdown at all
    assert found["msg_A:req_A"]["tools"] == ["Bash"]  # from the record the final one merged
    assert found["msg_E"]["api_error"] is True and found["msg_E"]["model"] == "<synthetic>"
    assert found["msg_C:req_C"]["api_error"] is False
    # Totals by hand: input 3+10+0+100+5+20+1, output 120+200+50+10+40+1.
    assert sum(int(r["input_tokens"]) for r in found.values()) == 139
    assert sum(int(r["output_tokens"]) for r in found.values()) == 421
    assert sum(int(r["cache_write_tokens"]) for r in found.values()) == 5500
    assert sum(int(r["cache_read_tokens"]) for r in found.values()) == 6000


def test_prompts_are_what_a_person_typed(spec: Path) -> None:
    claude_code.import_claude_code(spec, NAME, project_dir=PROJECT)
    prompts = [r for r in records(spec) if r["type"] == "prompt"]
    assert [(p["key"], p["session_id"]) for p in prompts] == [
        ("u1", "s1"),
        ("u2", "s1"),
        ("c1", "s2"),
    ]
    assert set(prompts[0]) == {"type", "key", "timestamp", "session_id", "version"}


def test_a_bad_line_is_reported_where_it_is(spec: Path) -> None:
    result = claude_code.import_claude_code(spec, NAME, project_dir=PROJECT)
    where = shown(PROJECT / "s1.jsonl")  # as every message shows a path
    assert result.problems == (
        # The line is 55 characters long and ends after "input_tokens":, so JSON wants a value next.
        DataWarning(where, 7, "not valid JSON: Expecting value at column 56"),
    )


def test_the_window_limits_the_records(spec: Path) -> None:
    result = claude_code.import_claude_code(
        spec, NAME, project_dir=PROJECT, until=claude_code.parse_moment("2025-06-15", "--until")
    )
    assert "msg_D" not in requests(spec)  # 2025-06-16
    assert (result.requests, result.prompts, result.outside) == (6, 3, 1)  # /clear is no prompt


def test_the_spec_window_applies_when_no_option_is_given(tmp_path: Path) -> None:
    spec = tmp_path / "experiments.yaml"
    init_experiment(NAME, spec)
    spec.write_text(f"version: 1\nexperiments:\n  {NAME}:\n    start: 2025-06-16\n")
    result = claude_code.import_claude_code(spec, NAME, project_dir=PROJECT)
    assert list(requests(spec)) == ["msg_D"]
    assert result.outside == 12  # 10 request lines and 2 prompts on 2025-06-14


def test_importing_again_gives_the_same_bytes(spec: Path) -> None:
    claude_code.import_claude_code(spec, NAME, project_dir=PROJECT)
    first = output(spec).read_bytes()
    again = claude_code.import_claude_code(spec, NAME, project_dir=PROJECT)
    assert output(spec).read_bytes() == first
    assert (again.added, again.updated, again.unchanged, again.kept) == (0, 0, 10, 0)


def test_a_later_import_keeps_earlier_records(spec: Path, tmp_path: Path) -> None:
    claude_code.import_claude_code(spec, NAME, project_dir=PROJECT)
    later = tmp_path / "later"
    later.mkdir()
    line = (PROJECT / "s2.jsonl").read_text(encoding="utf-8").splitlines()[2]
    (later / "s3.jsonl").write_text(
        line.replace("msg_F", "msg_G").replace('"s2"', '"s3"') + "\n", encoding="utf-8"
    )
    result = claude_code.import_claude_code(spec, NAME, project_dir=later)
    assert (result.added, result.kept) == (1, 10)
    assert len(requests(spec)) == 8 and "msg_G:req_F" in requests(spec)


def test_an_unreadable_earlier_record_stops_the_import(spec: Path) -> None:
    claude_code.import_claude_code(spec, NAME, project_dir=PROJECT)
    with output(spec).open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    before = output(spec).read_bytes()
    with pytest.raises(PaperkitError) as error:
        claude_code.import_claude_code(spec, NAME, project_dir=PROJECT)
    assert (error.value.path, error.value.line) == (shown(output(spec)), 11)
    assert output(spec).read_bytes() == before


def test_transcripts_are_found_from_the_working_directory(tmp_path: Path) -> None:
    assert transcripts.encoded_project(Path("/Users/chip/dev/ai-music")) == (
        "-Users-chip-dev-ai-music"
    )
    assert transcripts.encoded_project(Path("/home/a.b/my_app")) == "-home-a-b-my-app"
    env = {"CLAUDE_CONFIG_DIR": f"{tmp_path / 'one'}, {tmp_path / 'two'}"}
    assert transcripts.config_roots(env) == [tmp_path / "one", tmp_path / "two"]
    home = tmp_path / "home"
    assert transcripts.config_roots({}, home) == [home / ".config/claude", home / ".claude"]
    project = tmp_path / "two" / "projects" / transcripts.encoded_project(Path("/home/dev/demo"))
    project.mkdir(parents=True)
    assert transcripts.project_folders(
        Path("/home/dev/demo"), [tmp_path / "one", tmp_path / "two"]
    ) == [project]


def test_a_project_folder_is_also_found_by_the_cwd_its_transcripts_record(tmp_path: Path) -> None:
    projects = tmp_path / "config" / "projects"
    projects.mkdir(parents=True)
    (projects / "-home-dev-de").symlink_to(PROJECT, target_is_directory=True)  # a shortened name
    (projects / "-home-dev-other").mkdir()
    found = transcripts.project_folders(Path("/home/dev/demo"), [tmp_path / "config"])
    assert found == [projects / "-home-dev-de"]  # s1.jsonl records cwd /home/dev/demo
    assert transcripts.project_folders(Path("/home/dev/nowhere"), [tmp_path / "config"]) == []


def test_the_command_imports_and_reports(spec: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    (config / "projects").mkdir(parents=True)
    folder = config / "projects" / transcripts.encoded_project(spec.parent.resolve())
    folder.symlink_to(PROJECT, target_is_directory=True)
    result = CliRunner().invoke(
        cli,
        ["import", "claude-code", NAME, "--spec", str(spec)],
        env={"CLAUDE_CONFIG_DIR": str(config)},
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[-1].endswith(
        "claude-code.jsonl: 7 requests and 3 prompts from 3 transcripts; 3 repeated records "
        "merged; 10 added, 0 updated, 0 unchanged; 0 earlier kept; 1 unreadable line"
    )
    assert "s1.jsonl:7: not valid JSON" in result.stderr


def test_the_command_says_where_it_looked(spec: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["import", "claude-code", NAME, "--spec", str(spec)],
        env={"CLAUDE_CONFIG_DIR": str(tmp_path / "none")},
    )
    assert result.exit_code == 1
    assert "no Claude Code transcripts for" in result.stderr
    assert "--project-dir" in result.stderr


def test_only_lines_that_can_be_requests_or_prompts_are_parsed(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        '{"type":"progress","data":{"broken"\n'  # cut off, but no request or prompt: not read
        '{"type":"assistant","message":{"usage":{"input_tokens":"lots"}}}\n'
        '{"type":"user","message":{"content":"hi"},"uuid":"u","timestamp":"no"}\n',
        encoding="utf-8",
    )
    scan = transcripts.scan_transcripts([folder / "a.jsonl"])
    where = shown(folder / "a.jsonl")
    assert [str(p) for p in scan.problems] == [
        f"{where}:2: missing timestamp",
        f'{where}:3: timestamp: cannot read "no" as ISO 8601',
    ]
    assert scan.records == []
