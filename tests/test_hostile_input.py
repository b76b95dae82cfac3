"""Broken input from issue 15: no traceback, no silently wrong output, no lost byte.

Each test is one reproduction from the issue, run through the command line; every failure must
be one ``path:line: message`` line and a documented exit code, never a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import paperkit.atomic
from paperkit.cli import cli

SPEC = "version: 1\nroot: runs\nexperiments:\n  exp: {}\n"
GOOD = '{"timestamp":"2025-01-14T09:00:00Z","model":"m","input_tokens":1}'
DEEP_1K = "[" * 1000 + "]" * 1000
DEEP_20K = "[" * 20000 + "]" * 20000
DIGITS_400 = "9" * 400
DIGITS_5K = "9" * 5000


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    # No traceback: an exception that escaped would be kept here by the runner.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments.yaml").write_text(SPEC)
    (tmp_path / "runs" / "exp").mkdir(parents=True)
    return tmp_path


def build_with_line(project: Path, line: str) -> Result:
    """Build ``exp`` with worker-ai.jsonl holding ``line`` and one good record after it."""
    log = project / "runs" / "exp" / "worker-ai.jsonl"
    log.write_bytes(line.encode("utf-8", "surrogatepass") + b"\n" + GOOD.encode() + b"\n")
    return run("build", "exp")


def calls_read(project: Path) -> int:
    """How many worker-ai records the last build counted (from results.json)."""
    results = json.loads((project / "runs" / "exp" / "results.json").read_text())
    return results["metrics"]["ai.calls"]


# --- logs: each bad line is a skip with its reason, and the good line after it still counts ---

BAD_LINES = [
    (
        '{"timestamp":"0001-01-01T00:00:00Z","model":"m"}',
        "timestamp '0001-01-01T00:00:00Z' is outside the years 1678 to 2261 that paperkit can read",
    ),
    (
        '{"timestamp":"2300-01-01T00:00:00Z","model":"m"}',
        "timestamp '2300-01-01T00:00:00Z' is outside the years 1678 to 2261 that paperkit can read",
    ),
    ('{"timestamp":-99999999999999,"model":"m"}', "unparseable timestamp '-99999999999999'"),
    ('{"timestamp":2025.5,"model":"m"}', "unparseable timestamp '2025.5'"),
    ('{"timestamp":2025,"model":"m"}', "unparseable timestamp '2025'"),
    ('{"timestamp":"2025-01","model":"m"}', "unparseable timestamp '2025-01'"),
    ('{"timestamp":20250114,"model":"m"}', "unparseable timestamp '20250114'"),
    (
        '{"timestamp":"2025-01-14T09:00:00Z","model":"\\ud800x"}',
        "text holds \\ud800, half of a UTF-16 surrogate pair, which is not text",
    ),
    (
        '{"timestamp":"2025-01-14T09:00:00Z","model":"m","input_tokens":NaN}',
        "input_tokens: not a number: 'NaN'",
    ),
    (
        '{"timestamp":"2025-01-14T09:00:00Z","model":"m","x":' + DEEP_1K + "}",
        "nested 1001 levels deep; paperkit reads records nested at most 64 deep",
    ),
    (
        '{"timestamp":"2025-01-14T09:00:00Z","model":"m","x":' + DEEP_20K + "}",
        "nested 20001 levels deep; paperkit reads records nested at most 64 deep",
    ),
]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES, ids=range(len(BAD_LINES)))
def test_a_bad_log_line_is_skipped_with_its_reason(project: Path, line: str, reason: str) -> None:
    result = build_with_line(project, line)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == f"warning: runs/exp/worker-ai.jsonl:1: {reason}"
    assert calls_read(project) == 1  # the good line after it


@pytest.mark.parametrize("digits", [DIGITS_400, DIGITS_5K], ids=["400", "5000"])
@pytest.mark.parametrize("extra", ["", ',"x":{"a":1}'], ids=["pyarrow", "json.loads"])
def test_an_integer_of_hundreds_of_digits_in_a_log_line_is_skipped(
    project: Path, digits: str, extra: str
) -> None:
    # A nested object sends the line to json.loads, which refuses 5,000 digits by itself.
    result = build_with_line(
        project, f'{{"timestamp":"2025-01-14","model":"m","input_tokens":{digits}{extra}}}'
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: runs/exp/worker-ai.jsonl:1: input_tokens: ")
    assert calls_read(project) == 1


def test_nan_in_a_money_field_is_unreadable_not_missing(project: Path) -> None:
    line = '{"timestamp":"2025-01-14T09:00:00Z","model":"m","cost_estimate":NaN}'
    result = build_with_line(project, line)
    assert result.stderr.splitlines()[0] == (
        "warning: runs/exp/worker-ai.jsonl:1: cost_estimate: cannot read 'NaN' as US dollars; "
        "treated as missing"
    )


def test_nan_inside_a_string_is_left_alone(project: Path) -> None:
    line = '{"timestamp":"2025-01-14T09:00:00Z","model":"m","error":"x,\\"a\\":NaN}"}'
    result = build_with_line(project, line)
    assert result.exit_code == 0
    assert result.stderr.count("warning") == 0
    assert calls_read(project) == 2


def test_a_log_over_2_gib_is_refused_without_being_read(project: Path) -> None:
    log = project / "runs" / "exp" / "worker-ai.jsonl"
    with log.open("wb") as handle:
        handle.truncate(2**31 + 2**27)  # 2.125 GiB, sparse: nothing is written to disk
    result = run("build", "exp")
    assert result.exit_code == 1
    assert result.stderr == (
        "runs/exp/worker-ai.jsonl: 2.1 GiB is more than paperkit reads in one log (2 GiB); "
        "split it into files by period and build each part as an experiment of its own\n"
        "exp: failed; nothing written for it\n"
    )


# --- the spec -----------------------------------------------------------------------------

SPEC_CASES = [
    (
        f"version: 1\nroot: runs\nconfidence: {DIGITS_400}\n",
        "experiments.yaml:3: confidence: a number of 400 digits is too long; write at most 30",
    ),
    (
        f"version: 1\nroot: runs\nexperiments:\n  exp: {{number: {DIGITS_5K}}}\n",
        "experiments.yaml:4: experiments.exp.number: a number of 5000 digits is too long; "
        "write at most 30",
    ),
    (
        "version: 1\nroot: runs\nexperiments:\n  exp:\n    criteria:\n"
        f"      - {{text: a, metric: cost.total_usd, op: '<', target: {DIGITS_400}}}\n",
        "experiments.yaml:6: experiments.exp.criteria[0].target: a number of 400 digits is too "
        "long; write at most 30",
    ),
    (
        "version: 1\nroot: runs\nexperiments:\n  exp: {end: 9999-12-31}\n",
        "experiments.yaml:4: experiments.exp.end: '9999-12-31' is outside the years 1679 to 2260 "
        "paperkit reads",
    ),
    (
        "version: 1\nroot: runs\nexperiments:\n  exp: {start: 0001-01-01}\n",
        "experiments.yaml:4: experiments.exp.start: '0001-01-01' is outside the years 1679 to "
        "2260 paperkit reads",
    ),
    (
        f"version: 1\nroot: runs\nexperiments:\n  exp: {{title: {DEEP_1K}}}\n",
        "experiments.yaml:4: nested more than 64 levels deep; a spec needs a few",
    ),
    (
        f"version: 1\nroot: runs\nexperiments:\n  exp: {{title: {DEEP_20K}}}\n",
        "experiments.yaml:4: nested more than 64 levels deep; a spec needs a few",
    ),
    (
        'version: 1\nroot: runs\nexperiments:\n  exp: {title: "\\ud800x"}\n',
        "experiments.yaml:4: experiments.exp.title: holds \\ud800, half of a UTF-16 surrogate "
        "pair, which is not text",
    ),
    (
        "version: 1\nroot: runs\nexperiments:\n  exp:\n    title: ok\n"
        '    problem: "a\\n<!-- paperkit:begin x -->\\nb"\n',
        "experiments.yaml:6: holds a line starting with '<!-- paperkit:', which the paper would "
        "read as the marker of a generated block; reword that line",
    ),
    (
        f"version: 1\nroot: runs\nexperiments:\n  {'a' * 300}: {{}}\n",
        "experiments.yaml:4: experiments: experiment name too long (300 characters); the limit "
        "is 100",
    ),
]


@pytest.mark.parametrize(("spec", "message"), SPEC_CASES, ids=range(len(SPEC_CASES)))
def test_a_hostile_spec_is_one_located_error(project: Path, spec: str, message: str) -> None:
    (project / "experiments.yaml").write_text(spec)
    result = run("build", "--all")
    assert result.exit_code == 1
    assert result.stderr == message + "\n"


# --- paperkit log and init arguments: refused, or written so that build reads them back -------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--timestamp", "0001-01-01T00:00:00Z"],
            "--timestamp: '0001-01-01T00:00:00Z' is outside the years 1678 to 2261 that "
            "paperkit can read",
        ),
        (
            ["--timestamp", "2300-01-01T00:00:00Z"],
            "--timestamp: '2300-01-01T00:00:00Z' is outside the years 1678 to 2261 that "
            "paperkit can read",
        ),
        (
            ["--timestamp=-99999999999"],
            "--timestamp: expected an ISO 8601 time such as 2025-01-14T09:30:00Z; got "
            "'-99999999999'",
        ),
        (
            ["--timestamp", "2025-01"],
            "--timestamp: expected an ISO 8601 time such as 2025-01-14T09:30:00Z; got '2025-01'",
        ),
        (
            ["--input-tokens", DIGITS_400],
            f"--input-tokens: expected a whole number, 0 or more, such as 1200; got '{'9' * 56}...",
        ),
        (
            ["--input-tokens", DIGITS_5K],
            f"--input-tokens: expected a whole number, 0 or more, such as 1200; got '{'9' * 56}...",
        ),
        (
            ["--cost-estimate", DIGITS_5K],
            "--cost-estimate: expected US dollars, 0 or more, such as 0.0135 or $0.0135; got "
            f"'{'9' * 56}...",
        ),
        (
            ["--operation", "x\udcffy"],
            "--operation: not UTF-8 text (the byte 0xff); pass UTF-8 text",
        ),
    ],
    ids=["year1", "year2300", "negative", "partial", "400", "5000", "money5000", "bytes"],
)
def test_log_refuses_what_build_could_not_read(
    project: Path, args: list[str], message: str
) -> None:
    result = run("log", "worker-ai", "exp", "--model", "m", *args)
    assert result.exit_code == 1
    assert result.stderr == message + "\n"
    assert not (project / "runs" / "exp" / "worker-ai.jsonl").exists()


def test_what_log_writes_build_reads_back_at_the_edges_of_the_years(project: Path) -> None:
    for stamp in ("1678-01-01T00:00:00Z", "2261-12-31T23:59:59Z"):
        assert run("log", "worker-ai", "exp", "--model", "m", "--timestamp", stamp).exit_code == 0
    text = (project / "runs" / "exp" / "worker-ai.jsonl").read_text()
    assert '"timestamp":"1678-01-01T00:00:00Z"' in text  # four digits, as the reader needs
    result = run("build", "exp")
    assert result.exit_code == 0
    assert "warning" not in result.stderr
    assert calls_read(project) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["\udcff"], "invalid experiment name '\\udcff'; use letters, digits, '-', '_' and '.'"),
        (["a" * 300], "experiment name too long (300 characters); the limit is 100"),
        (["x", "--title", "\udcff"], "--title: not UTF-8 text (the byte 0xff); pass UTF-8 text"),
        (
            ["x", "--hypothesis", "a\udcfeb"],
            "--hypothesis: not UTF-8 text (the byte 0xfe); pass UTF-8 text",
        ),
    ],
    ids=["bytes-name", "long-name", "bytes-title", "bytes-hypothesis"],
)
def test_init_refuses_arguments_that_are_no_name_or_no_text(
    project: Path, args: list[str], message: str
) -> None:
    result = run("init", *args)
    assert result.exit_code == 1
    assert result.stderr == message + "\n"
    assert (project / "experiments.yaml").read_text() == SPEC


# --- wrangler-tail captures -----------------------------------------------------------------


def capture_of(payload: str, timestamp: str = "1736845200000") -> str:
    log = f'{{"timestamp":{timestamp},"message":[{payload}]}}'
    return f'{{"eventTimestamp":1736845200000,"logs":[{log}]}}\n'


@pytest.mark.parametrize(
    ("capture", "problem"),
    [
        (capture_of(DEEP_20K), "tail.json:1: nested too deep (paperkit reads 64 levels)"),
        (
            capture_of('{"paperkit":"worker-ai","model":"m","x":' + DEEP_1K + "}"),
            "tail.json:1: nested too deep (paperkit reads 64 levels)",
        ),
        (
            capture_of(f'{{"paperkit":"worker-ai","model":"m","input_tokens":{DIGITS_400}}}'),
            "tail.json:1: worker-ai: input_tokens: expected a whole number, 0 or more, such as "
            "1200; got a whole number of about 400 digits",
        ),
        (
            capture_of(f'{{"paperkit":"worker-ai","model":"m","input_tokens":{DIGITS_5K}}}'),
            "tail.json:1: a number with thousands of digits; not a tail event",
        ),
        (
            capture_of('{"paperkit":"worker-ai","model":"m"}', "-62135596800000"),
            "tail.json:1: worker-ai: timestamp: '0001-01-01T00:00:00+00:00' is outside the years "
            "1678 to 2261 that paperkit can read",
        ),
        (
            capture_of('{"paperkit":"worker-ai","model":"\\ud800"}'),
            "tail.json:1: worker-ai: model: holds \\ud800, half of a UTF-16 surrogate pair, "
            "which is not text",
        ),
    ],
    ids=["deep20k", "deep1k", "digits400", "digits5000", "year1", "surrogate"],
)
def test_a_hostile_capture_is_a_problem_not_a_traceback(
    project: Path, capture: str, problem: str
) -> None:
    (project / "tail.json").write_text(capture)
    result = run("import", "wrangler-tail", "tail.json", "--experiment", "exp")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == f"warning: {problem}"
    assert not (project / "runs" / "exp" / "worker-ai.jsonl").exists()


def test_a_capture_at_a_negative_epoch_far_out_has_no_timestamp(project: Path) -> None:
    event = capture_of('{"paperkit":"worker-ai","model":"m"}', "-99999999999999999")
    (project / "tail.json").write_text(event.replace("1736845200000", "-99999999999999999", 1))
    result = run("import", "wrangler-tail", "tail.json", "--experiment", "exp")
    assert result.stderr.splitlines()[0] == (
        "warning: tail.json:1: worker-ai: no timestamp in the record, the log or the event"
    )


# --- templates: runtime errors at TEMPLATE:LINE -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a\n{{ 1 / 0 }}\n",
            "templates/paper.md.j2:2: template error: ZeroDivisionError: division by zero",
        ),
        (
            "{% macro f() %}{{ f() }}{% endmacro %}\n{{ f() }}\n",
            "templates/paper.md.j2:1: template error: recursion too deep (a macro or include "
            "calls itself?)",
        ),
    ],
    ids=["division", "recursion"],
)
def test_a_template_runtime_error_is_located(project: Path, text: str, message: str) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "paper.md.j2").write_text(text)
    result = run("build", "exp")
    assert result.exit_code == 1
    assert result.stderr == message + "\nexp: failed; nothing written for it\n"


def test_a_template_that_is_not_utf8_is_located(project: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "paper.md.j2").write_bytes(b"ok\nalso ok\n\xff\n")
    result = run("build", "exp")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "templates/paper.md.j2:3: template error: not UTF-8 text (byte 0xff); save the "
        "template as UTF-8"
    )


# --- writing fails: the old files stay, the message says why ----------------------------------


def test_a_folder_that_cannot_be_written_keeps_the_old_files(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("build", "exp").exit_code == 0
    paper = project / "runs" / "exp" / "PAPER.md"
    results = project / "runs" / "exp" / "results.json"
    before = paper.read_bytes(), results.read_bytes()
    (project / "runs" / "exp" / "worker-ai.jsonl").write_text(GOOD + "\n")

    def read_only(*args: object, **kwargs: object) -> object:
        # The tests run as root, which writes through chmod 555; the error is what a
        # read-only folder gives an ordinary user.
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(paperkit.atomic.tempfile, "mkstemp", read_only)
    result = run("build", "exp")
    assert result.exit_code == 1
    assert result.stderr == (
        "runs/exp/results.json: cannot write: Read-only file system; files not yet written "
        "keep their old bytes\nexp: failed; nothing written for it\n"
    )
    assert (paper.read_bytes(), results.read_bytes()) == before


def test_a_full_disk_while_appending_leaves_no_torn_record(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = project / "runs" / "exp" / "worker-ai.jsonl"
    log.write_text(GOOD + "\n")
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        # The disk takes the first 10 bytes of the record, then is full.
        if len(data) > 10:
            return real_write(fd, bytes(data[:10]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", half_then_full)
    result = run("log", "worker-ai", "exp", "--model", "m")
    monkeypatch.undo()
    assert result.exit_code == 1
    assert result.stderr == "runs/exp/worker-ai.jsonl: cannot append: No space left on device\n"
    assert log.read_text() == GOOD + "\n"


# --- no lost byte in PAPER.md ----------------------------------------------------------------


def built_paper(project: Path) -> bytes:
    (project / "runs" / "exp" / "worker-ai.jsonl").write_text(GOOD + "\n")
    assert run("build", "exp").exit_code == 0
    return (project / "runs" / "exp" / "PAPER.md").read_bytes()


def test_a_crlf_paper_stays_crlf_and_a_lone_cr_stays(project: Path) -> None:
    paper = project / "runs" / "exp" / "PAPER.md"
    generated = built_paper(project)
    mine = b"My notes,\r\nwritten on Windows.\rOld Mac line.\r\n"
    crlf = mine + generated.replace(b"\n", b"\r\n") + b"\r\nThe end.\r"
    paper.write_bytes(crlf)
    (project / "runs" / "exp" / "worker-ai.jsonl").write_text(
        GOOD + "\n" + GOOD.replace("09", "10") + "\n"
    )
    result = run("build", "exp")
    assert result.exit_code == 0, result.output
    rebuilt = paper.read_bytes()
    assert rebuilt.startswith(mine)
    assert rebuilt.endswith(b"\r\nThe end.\r")
    assert b"\n" not in rebuilt.replace(b"\r\n", b"")  # every line break is still CRLF
    assert rebuilt != crlf  # the blocks did change: two calls now


def test_a_bom_is_kept_and_marker_lines_are_not_shifted(project: Path) -> None:
    paper = project / "runs" / "exp" / "PAPER.md"
    generated = built_paper(project)
    paper.write_bytes(b"\xef\xbb\xbf" + generated)
    assert run("build", "exp").exit_code == 0
    assert paper.read_bytes() == b"\xef\xbb\xbf" + generated
    # A broken end marker on line 3 is reported on line 3, the BOM notwithstanding.
    lines = generated.split(b"\n")
    assert lines[2].startswith(b"<!-- paperkit:end title")
    lines[2] = b"<!-- paperkit:end title -->"
    paper.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines))
    result = run("build", "exp")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "runs/exp/PAPER.md:3: the end marker of block 'title' has no sha=XXXXXXXX"
    )


def test_force_never_overwrites_an_earlier_backup(project: Path) -> None:
    paper = project / "runs" / "exp" / "PAPER.md"
    folder = paper.parent
    (folder / "worker-ai.jsonl").write_text(GOOD + "\n")
    paper.write_text("first hand-written paper\n")
    result = run("build", "exp", "--force")
    assert "(old file kept as PAPER.md.bak)" in result.stderr
    paper.write_text("second hand-written paper\n")
    result = run("build", "exp", "--force")
    assert "(old file kept as PAPER.md.bak.2)" in result.stderr
    assert (folder / "PAPER.md.bak").read_text() == "first hand-written paper\n"
    assert (folder / "PAPER.md.bak.2").read_text() == "second hand-written paper\n"


def test_init_keeps_a_keep_chomped_block_scalar(project: Path) -> None:
    spec = "version: 1\nroot: runs\nexperiments:\n  a:\n    title: |+\n      keep\n\n\n"
    (project / "experiments.yaml").write_text(spec)
    result = run("init", "b")
    assert result.exit_code == 0, result.output
    assert (project / "experiments.yaml").read_text() == spec + "  b: {}\n"


# --- no silently wrong output ----------------------------------------------------------------


def test_a_comparison_cost_of_zero_is_known(project: Path) -> None:
    (project / "experiments.yaml").write_text(
        "version: 1\nroot: runs\nexperiments:\n  exp:\n    unit: {name: call, count: ai.calls}\n"
        "    comparison: {name: Other, cost_per_1k_units_usd: 0}\n"
    )
    (project / "runs" / "exp" / "worker-ai.jsonl").write_text(
        '{"timestamp":"2025-01-14T09:00:00Z","model":"m","cost_estimate":0.002}\n'
    )
    assert run("build", "exp").exit_code == 0
    paper = (project / "runs" / "exp" / "PAPER.md").read_text()
    # $0.002 for 1 call is $2.0000 per 1K calls.
    assert (
        "**Result:** the other stack costs $0 per 1K units, this one $2.0000 (no ratio to $0)"
        in paper
    )
    assert "cost difference unknown" not in paper


def test_two_concurrent_builds_leave_a_matching_pair(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second build waits for the first to write both files (the folder is locked)."""
    folder = project / "runs" / "exp"
    (folder / "worker-ai.jsonl").write_text(GOOD + "\n")
    import paperkit.build

    order: list[str] = []
    inside = threading.Event()
    real = paperkit.build.write_update

    def slow_write(update: paperkit.build.Update) -> object:
        order.append("start")
        inside.set()
        threading.Event().wait(0.3)
        found = real(update)
        order.append("end")
        return found

    monkeypatch.setattr(paperkit.build, "write_update", slow_write)
    from paperkit.build import build_each
    from paperkit.spec.load import load_spec

    spec = load_spec(project / "experiments.yaml")
    first = threading.Thread(target=lambda: list(build_each(spec, ["exp"])))
    first.start()
    inside.wait(5)
    list(build_each(spec, ["exp"]))
    first.join()
    assert order == ["start", "end", "start", "end"]


def test_a_bug_in_one_experiment_does_not_stop_build_all(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import paperkit.build

    (project / "runs" / "exp" / "worker-ai.jsonl").write_text(GOOD + "\n")
    (project / "runs" / "other").mkdir()
    (project / "runs" / "other" / "worker-ai.jsonl").write_text(GOOD + "\n")
    real = paperkit.build.render_experiment

    def buggy(spec: object, name: str, progress: object = None) -> object:
        if name == "exp":
            raise KeyError("boom")  # stands for any bug met while building one experiment
        return real(spec, name, progress)

    monkeypatch.setattr(paperkit.build, "render_experiment", buggy)
    result = run("build", "--all")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "runs/exp: internal error while building 'exp' (a bug in paperkit: please report it "
        "with this line): KeyError: 'boom'",
        "exp: failed; nothing written for it",
    ]
    assert (project / "runs" / "other" / "PAPER.md").exists()


def test_a_list_starting_with_null_is_read_as_written() -> None:
    """pyarrow reads [null, "0"] into an array that crashes when read, and [null, 1] as [1, 0];
    such lines are read again with json.loads. Found by tests/test_properties.py."""
    import tempfile

    from paperkit.logs.jsonl import read_jsonl

    lines = b'{"x": [null, "0"]}\n{"y": [null, 1]}\n{"z": ["a", null]}\n'
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "worker-ai.jsonl"
        path.write_bytes(lines)
        frame = read_jsonl(path, text_columns=[]).frame
    assert frame["x"].tolist() == [[None, "0"], None, None]
    assert frame["y"].tolist() == [None, [None, 1], None]
    assert frame["z"].tolist() == [None, None, ["a", None]]
