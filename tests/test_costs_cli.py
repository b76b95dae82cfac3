"""``paperkit costs``: the table, --json, --date/--all-days, errors, and --write's upsert of
cost-breakdown.jsonl (one line per day replaced in place, every other line kept byte for byte,
the same file when run twice). Costs: llama-3.1-8b at $0.282/M in, $0.827/M out."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paperkit.tracking.costs_command import costs
from paperkit.tracking.upsert import upsert_days
from tests.helpers import L8B, L70B, SPEC, jsonl, write_tree

WORKER_AI = jsonl(
    # 2025-01-14: 1,000 x 0.282/M + 100 x 0.827/M = 0.0003647, and an unpriced 70b call
    {"timestamp": "2025-01-14T10:00:00Z", "model": L8B, "input_tokens": 1000, "output_tokens": 100},
    {"timestamp": "2025-01-14T11:00:00Z", "model": L70B, "input_tokens": 1000, "output_tokens": 9},
    # 2025-01-15: 2,000 x 0.282/M + 200 x 0.827/M = 0.0007294
    {"timestamp": "2025-01-15T10:00:00Z", "model": L8B, "input_tokens": 2000, "output_tokens": 200},
)
CLAUDE = '{"timestamp":"2025-01-14T23:59:59Z","period":"day_1","claude_code_cost":"$1.50"}\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project in tmp_path (the working directory): experiment "exp" in runs/exp/."""
    write_tree(tmp_path, {"experiments.yaml": SPEC})
    write_tree(
        tmp_path / "runs" / "exp",
        {"worker-ai.jsonl": WORKER_AI, "cost-breakdown.jsonl": CLAUDE},
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(costs, list(args))


def test_the_table(project: Path) -> None:
    result = run("exp")
    assert result.exit_code == 0, result.stderr
    # 14th: ≥ 0.0003647 (one call unpriced) + Claude Code 1.50 = ≥ 1.5003647;
    # 15th: 0.0007294, no Claude Code recorded, so a lower bound too.
    assert result.stdout == (
        "exp: costs per day (UTC), at list price\n"
        "\n"
        "| Date       | Worker AI | Workflows | D1 | KV | R2 | Claude Code |     Total |\n"
        "|------------|----------:|----------:|---:|---:|---:|------------:|----------:|\n"
        "| 2025-01-14 | ≥ $0.0004 |         - |  - |  - |  - |     $1.5000 | ≥ $1.5004 |\n"
        "| 2025-01-15 |   $0.0007 |         - |  - |  - |  - |         n/a | ≥ $0.0007 |\n"
        "\n"
        "-: no records that day. n/a: not known.\n"
        "≥: a lower bound (some records unpriced, or no Claude Code cost recorded for the day).\n"
        "Claude Code: as recorded in cost-breakdown.jsonl; it cannot be computed from the usage "
        "logs.\n"
        "Worker AI: unpriced records (no price and no readable cost_estimate) on 2025-01-14 "
        "(1 record); those days' totals are lower bounds.\n"
    )
    assert result.stderr == ""


def test_json(project: Path) -> None:
    result = run("exp", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    first, second = document["days"]
    assert first["date"] == "2025-01-14"
    assert first["costs"]["worker_ai"]["usd"] == pytest.approx(0.0003647)
    assert first["costs"]["worker_ai"]["how"] == "mixed"
    assert first["costs"]["worker_ai"]["unpriced"] == 1
    assert first["costs"]["claude_code"]["usd"] == 1.5
    assert first["costs"]["claude_code"]["how"] == "as recorded"
    assert first["total_usd"] == pytest.approx(1.5003647)
    assert first["total_is_lower_bound"] is True
    assert (second["costs"]["claude_code"]["usd"], second["total_is_lower_bound"]) == (None, True)
    assert document["allowances"] is None


def test_one_day_without_records(project: Path) -> None:
    result = run("exp", "--date", "2025-02-01")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[4] == "| 2025-02-01 |         - |         - |  - |  - |  - |         n/a |   n/a |"
    assert lines[6] == (
        "2025-02-01: no records (no usage logged, and no cost-breakdown.jsonl record for that day)."
    )


def test_one_day_with_records(project: Path) -> None:
    result = run("exp", "--date", "2025-01-15")
    assert result.exit_code == 0, result.stderr
    assert "| 2025-01-15 |" in result.stdout
    assert "2025-01-14" not in result.stdout


def test_date_and_all_days_exclude_each_other(project: Path) -> None:
    result = run("exp", "--date", "2025-01-14", "--all-days")
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: pass --date or --all-days, not both\n")


def test_a_date_must_be_written_yyyy_mm_dd(project: Path) -> None:
    result = run("exp", "--date", "14/01/2025")
    assert result.exit_code == 2
    assert "'14/01/2025' does not match the format '%Y-%m-%d'" in result.stderr


def test_unknown_experiment(project: Path) -> None:
    result = run("exq")
    assert result.exit_code == 1
    assert result.stderr == (
        "experiments.yaml: no experiment 'exq': not in the spec and no folder runs/exq; "
        "did you mean 'exp'?\n"
    )


def test_allowances_add_a_column(project: Path) -> None:
    spec = SPEC.replace(
        "root: runs\n", "root: runs\nbilling: {plan: paid, apply_allowances: true}\n"
    )
    write_tree(project, {"experiments.yaml": spec})
    result = run("exp")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "exp: costs per day (UTC), at list price and after the Workers Paid plan's free allowances"
    )
    assert lines[2].endswith("| Claude Code |     Total | After allowances |")
    # Worker AI is inside the day's $0.11 of free Neurons: only Claude Code's 1.50 is left.
    assert lines[4].endswith("|     $1.5000 | ≥ $1.5004 |        ≥ $1.5000 |")
    assert lines[5].endswith("|         n/a | ≥ $0.0007 |        ≥ $0.0000 |")
    assert "- Not included: the Workers Paid minimum of $5 a month." in lines


# --- --write ------------------------------------------------------------------------------

# The file before --write: lines 2 and 3 are the 14th (3 a byte-for-byte copy of 2), 4 is not
# JSON, 5 has no timestamp, 6 is blank, 7 is another, different record for the 14th.
BEFORE = [
    b'{"timestamp":"2025-01-13T23:59:59Z","period":"day_1","claude_code_cost":"$2.81"}',
    b'{"timestamp":"2025-01-14T23:59:59Z","period":"day_2","worker_ai_cost":"$0.15",'
    b'"claude_code_cost":"$1.50","total_cost":"$1.65"}',
    b'{"timestamp":"2025-01-14T23:59:59Z","period":"day_2","worker_ai_cost":"$0.15",'
    b'"claude_code_cost":"$1.50","total_cost":"$1.65"}',
    b'{"timestamp": "2025-01-1',
    b'{"note":"no timestamp, not a record"}',
    b"",
    b'{"timestamp":"2025-01-14T12:00:00Z","claude_code_cost":0.25}',
]


def test_write_replaces_days_in_place_and_keeps_every_other_line(project: Path) -> None:
    path = project / "runs" / "exp" / "cost-breakdown.jsonl"
    path.write_bytes(b"\n".join(BEFORE) + b"\n")
    result = run("exp", "--write")
    assert result.exit_code == 0, result.stderr
    after = path.read_bytes().split(b"\n")
    assert after[-1] == b""  # ends with a newline
    lines = after[:-1]
    assert len(lines) == 7  # 7 lines, less the copy (line 3), plus the 15th at the end
    day13, day14, day15 = (json.loads(lines[i]) for i in (0, 1, 6))
    assert lines[2:6] == BEFORE[3:7]  # byte for byte, the bad ones too
    assert day13 == {
        "timestamp": "2025-01-13T00:00:00+00:00",
        "period": "2025-01-13",
        "worker_ai_cost": None,
        "workflows_cost": None,
        "d1_cost": None,
        "kv_cost": None,
        "r2_cost": None,
        "claude_code_cost": 2.81,
        "total_cost": 2.81,
        "total_is_lower_bound": False,
        "source": "paperkit costs",
    }
    # the 14th keeps its recorded Claude Code: 0.0003647 (≥, one call unpriced) + 1.50
    assert day14["period"] == "2025-01-14"
    assert day14["worker_ai_cost"] == pytest.approx(0.0003647)
    assert day14["claude_code_cost"] == 1.5
    assert day14["total_cost"] == pytest.approx(1.5003647)
    assert day14["total_is_lower_bound"] is True
    assert (day15["period"], day15["claude_code_cost"]) == ("2025-01-15", None)
    assert day15["worker_ai_cost"] == pytest.approx(0.0007294)
    shown = "runs/exp/cost-breakdown.jsonl"
    assert result.stderr.splitlines()[-3:] == [
        f"warning: {shown}:7: another record for 2025-01-14, kept as it was (line 2 was replaced)",
        f"{shown}:3: removed: an exact copy of line 2",
        f"exp: wrote {shown} (2 days replaced, 1 day added)",
    ]


def test_write_twice_gives_the_same_file(project: Path) -> None:
    path = project / "runs" / "exp" / "cost-breakdown.jsonl"
    path.write_bytes(b"\n".join(BEFORE) + b"\n")
    assert run("exp", "--write").exit_code == 0
    once = path.read_bytes()
    again = run("exp", "--write")
    assert again.exit_code == 0, again.stderr
    assert path.read_bytes() == once
    assert again.stderr.splitlines()[-1] == (
        "exp: unchanged runs/exp/cost-breakdown.jsonl (3 days replaced, 0 days added)"
    )


def test_write_one_day(project: Path) -> None:
    path = project / "runs" / "exp" / "cost-breakdown.jsonl"
    result = run("exp", "--date", "2025-01-15", "--write")
    assert result.exit_code == 0, result.stderr
    first, second, end = path.read_bytes().split(b"\n")
    assert first == CLAUDE.rstrip("\n").encode()
    assert json.loads(second)["period"] == "2025-01-15"
    assert end == b""


def test_write_nothing_for_a_day_without_records(project: Path) -> None:
    path = project / "runs" / "exp" / "cost-breakdown.jsonl"
    result = run("exp", "--date", "2025-02-01", "--write")
    assert result.exit_code == 0, result.stderr
    assert path.read_text() == CLAUDE
    assert result.stderr == "exp: nothing written for 2025-02-01: it has no records\n"


# --- the upsert itself --------------------------------------------------------------------


def test_upsert_keeps_a_bom_crlf_and_a_last_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "cost-breakdown.jsonl"
    old = b'{"timestamp":"2025-01-14T10:00:00Z","period":"2025-01-14","claude_code_cost":1}'
    bad = b"not json"
    path.write_bytes(b"\xef\xbb\xbf" + old + b"\r\n" + bad)
    done = upsert_days(path, {date(2025, 1, 14): b'{"a":1}', date(2025, 1, 16): b'{"b":2}'}, "UTC")
    assert path.read_bytes() == b'\xef\xbb\xbf{"a":1}\r\nnot json\n{"b":2}\n'
    assert (done.replaced, done.added) == ((date(2025, 1, 14),), (date(2025, 1, 16),))
    assert done.changed


def test_upsert_creates_the_file_and_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "cost-breakdown.jsonl"
    done = upsert_days(path, {date(2025, 1, 14): b'{"a":1}'}, "UTC")
    assert path.read_bytes() == b'{"a":1}\n'
    assert done.added == (date(2025, 1, 14),)


def test_upsert_matches_a_day_by_its_local_timestamp_without_a_date_period(tmp_path: Path) -> None:
    path = tmp_path / "cost-breakdown.jsonl"
    # 03:00 UTC on the 15th is 22:00 on the 14th in New York.
    path.write_bytes(b'{"timestamp":"2025-01-15T03:00:00Z","period":"day_2"}\n')
    upsert_days(path, {date(2025, 1, 14): b'{"a":1}'}, "America/New_York")
    assert path.read_bytes() == b'{"a":1}\n'


def test_upsert_waits_for_the_lock_and_follows_a_replaced_file(tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "cost-breakdown.jsonl"
    path.write_bytes(b"old\n")
    held = os.open(path, os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)  # an appender holds the lock
    writer = threading.Thread(
        target=upsert_days, args=(path, {date(2025, 1, 14): b'{"a":1}'}, "UTC")
    )
    writer.start()
    time.sleep(0.2)
    assert path.read_bytes() == b"old\n"  # it waits
    # Meanwhile another upsert renames a new file into place, then the lock is released: the
    # waiting upsert must work on the new file, not on the one it had opened.
    replacement = tmp_path / "replacement"
    replacement.write_bytes(b"replaced\n")
    os.replace(replacement, path)
    fcntl.flock(held, fcntl.LOCK_UN)
    os.close(held)
    writer.join(timeout=10)
    assert path.read_bytes() == b'replaced\n{"a":1}\n'


def test_an_experiment_without_records(project: Path) -> None:
    spec = SPEC.replace("  exp: {}\n", "  exp: {}\n  empty: {}\n")
    write_tree(project, {"experiments.yaml": spec})
    result = run("empty", "--write")
    assert result.exit_code == 0, result.stderr
    assert "No records: the usage logs and cost-breakdown.jsonl have none.\n" in result.stdout
    assert result.stderr == "empty: nothing written: no records\n"
    assert not (project / "runs" / "empty").exists()


def test_upsert_puts_a_new_day_in_date_order(tmp_path: Path) -> None:
    path = tmp_path / "cost-breakdown.jsonl"
    path.write_bytes(
        b'{"timestamp":"2025-01-14T10:00:00Z","period":"2025-01-14"}\n'
        b'{"timestamp":"2025-01-16T10:00:00Z","period":"2025-01-16"}\n'
    )
    new = {date(2025, 1, 15): b'{"d":15}', date(2025, 1, 17): b'{"d":17}', date(2025, 1, 13): b"13"}
    done = upsert_days(path, new, "UTC")
    assert path.read_bytes() == (
        b"13\n"
        b'{"timestamp":"2025-01-14T10:00:00Z","period":"2025-01-14"}\n'
        b'{"d":15}\n'
        b'{"timestamp":"2025-01-16T10:00:00Z","period":"2025-01-16"}\n'
        b'{"d":17}\n'
    )
    assert done.added == (date(2025, 1, 13), date(2025, 1, 15), date(2025, 1, 17))


def test_write_rounds_costs_to_12_significant_digits(project: Path) -> None:
    assert run("exp", "--write").exit_code == 0
    text = (project / "runs" / "exp" / "cost-breakdown.jsonl").read_text()
    # 14th: 1,000 x 0.282/M + 100 x 0.827/M = 0.000282 + 0.0000827 = 0.0003647 (floats add up
    # to 0.00036470000000000003); with Claude Code's $1.50 the total is 1.5003647.
    assert '"worker_ai_cost":0.0003647,' in text
    assert '"total_cost":1.5003647,' in text
    # 15th: 2,000 x 0.282/M + 200 x 0.827/M = 0.000564 + 0.0001654 = 0.0007294.
    assert '"worker_ai_cost":0.0007294,' in text
    assert not re.search(r"\d{13,}", text)  # no float noise such as 0.0007294000000000001
