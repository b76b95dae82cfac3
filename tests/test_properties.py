"""Properties that keep hostile input harmless, checked on generated input (hypothesis).

- Any JSON values in any log field: reading never crashes, and each non-blank line is a
  record, a skip, a repeat or a duplicate, and they add up.
- Any text a person writes around the generated blocks, CRLF and lone CR included, survives a
  rebuild byte for byte.
- Any experiment name: building it never writes outside the spec's root.
- Any values given to ``paperkit log``: refused with a message, or written so that the reader
  takes the record without a skip or a warning.

Each test runs a few hundred examples, derandomized (the same examples on every run, so CI is
reproducible), with a deadline per example.
"""

from __future__ import annotations

import json
import string
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from paperkit.build import build_each, render_experiment
from paperkit.errors import PaperkitError
from paperkit.logs.load import _LAYOUTS, FILE_NAMES, LOG_MD, load_logs
from paperkit.paper.blocks import Block, parse
from paperkit.paper.update import plan
from paperkit.spec.load import load_spec
from paperkit.tracking.append import append_records
from paperkit.tracking.records import KINDS, build_record

FAST = settings(
    derandomize=True,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Every field any log file reads, and a few it does not.
FIELDS = sorted({c for layout in _LAYOUTS.values() for c in layout.columns} - {"line"}) + [
    "cost_estimate",
    "time_spent",
    "fix_time",
    "context",
    "line",
    "",
]
SPECIAL_TEXT = st.sampled_from(
    [
        "2025-01-14T09:00:00Z",
        "2025-01-14",
        "0001-01-01T00:00:00Z",
        "2300-01-01T00:00:00Z",
        "2025-01",
        "2025",
        "NaN",
        "Infinity",
        "$0.0135",
        "USD 1,234.50",
        "20min",
        "1h30m",
        "true",
        "\ud800x",
        "<!-- paperkit:begin x -->",
        "| pipe |",
        "9" * 400,
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    SPECIAL_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
RECORDS = st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=8)
RAW_LINES = st.sampled_from(
    [
        "",
        "   ",
        "{",
        "null",
        "[1, 2]",
        '"text"',
        '{"a": 1} {"b": 2}',
        "\x00",
        '{"model": "m", "x": ' + "[" * 100 + "]" * 100 + "}",
        '{"timestamp": "2025-01-14", "model": "m", "input_tokens": NaN}',
    ]
)


@st.composite
def log_line(draw: st.DrawFn) -> bytes:
    """One line of a log: a generated record written as JSON, or a raw broken line."""
    if draw(st.integers(0, 4)) == 0:
        return draw(RAW_LINES).encode("utf-8")
    text = json.dumps(draw(RECORDS), ensure_ascii=draw(st.booleans()), allow_nan=True)
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes invalid UTF-8


LOG_FILES = st.dictionaries(
    st.sampled_from(sorted(_LAYOUTS)),
    st.lists(log_line(), max_size=8).map(lambda lines: b"\n".join(lines)),
    min_size=1,
    max_size=3,
)


def _write_logs(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)


@settings(FAST, max_examples=200)
@given(files=LOG_FILES, log_md=st.text(max_size=200))
def test_any_json_in_any_log_field_is_read_and_every_line_is_accounted_for(
    files: dict[str, bytes], log_md: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write_logs(folder, files)
        (folder / LOG_MD).write_bytes(log_md.encode("utf-8", "surrogatepass"))
        logs = load_logs(folder)
    for name, data in files.items():
        stats = logs.files[name]
        non_blank = sum(1 for line in data.split(b"\n") if line.strip())
        assert stats.lines == non_blank
        assert stats.lines == stats.records + stats.skipped + stats.repeated + stats.duplicates
        assert len(getattr(logs, _LAYOUTS[name].attr)) == stats.records
    # Every skip and repeat is reported at a line of its file.
    per_file = {name: 0 for name in FILE_NAMES}
    for warning in logs.warnings:
        per_file[Path(warning.path).name] += 1
    for name in files:
        stats = logs.files[name]
        assert per_file[name] >= stats.skipped + stats.repeated + stats.duplicates


SPEC = "version: 1\nroot: runs\nexperiments:\n  exp: {}\n"


@settings(FAST, max_examples=30)
@given(files=LOG_FILES)
def test_any_json_in_any_log_field_never_crashes_a_build(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "experiments.yaml").write_text(SPEC)
        _write_logs(root / "runs" / "exp", files)
        try:
            result = render_experiment(load_spec(root / "experiments.yaml"), "exp")
        except PaperkitError:
            return  # a clear, located error is an allowed outcome; a traceback is not
    assert result.paper.startswith("<!-- paperkit:begin")


# --- user text around the blocks survives a rebuild ------------------------------------------


def _paper(calls: int) -> str:
    """A generated paper of experiment ``exp`` with ``calls`` calls logged."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "experiments.yaml").write_text(SPEC)
        line = '{"timestamp":"2025-01-14T09:00:0%dZ","model":"m","input_tokens":1}\n'
        _write_logs(root / "runs" / "exp", {"worker-ai.jsonl": b""})
        (root / "runs" / "exp" / "worker-ai.jsonl").write_text(
            "".join(line % i for i in range(calls))
        )
        return render_experiment(load_spec(root / "experiments.yaml"), "exp").paper


OLD, NEW = _paper(1), _paper(2)
OLD_BLOCKS = [s for s in parse(OLD, "old").segments if isinstance(s, Block)]

# A person's text: any characters, with plenty of line breaks of every kind, never a line that
# starts like a paperkit marker (that would be a marker, not text).
USER_TEXT = (
    st.lists(
        st.one_of(
            st.sampled_from(["\n", "\r\n", "\r", " ", "\t", "<!--", "-->", "|", "#", "\ufeff"]),
            st.characters(blacklist_categories=("Cs",)),
            st.sampled_from(string.ascii_letters),
        ),
        max_size=40,
    )
    .map("".join)
    .filter(lambda text: "paperkit:" not in text)
)


def _ends_a_line(text: str) -> str:
    """A marker must start a line: text before a block ends with a newline (or is empty)."""
    return text if not text or text.endswith("\n") else text + "\n"


@settings(FAST, max_examples=300)
@given(
    texts=st.lists(USER_TEXT, min_size=len(OLD_BLOCKS) + 1, max_size=len(OLD_BLOCKS) + 1),
    crlf=st.booleans(),
    bom=st.booleans(),
)
def test_text_around_the_blocks_survives_a_rebuild_byte_for_byte(
    texts: list[str], crlf: bool, bom: bool
) -> None:
    mine = [_ends_a_line(t) for t in texts[:-1]] + [texts[-1]]
    blocks = [b.text.replace("\n", "\r\n") if crlf else b.text for b in OLD_BLOCKS]
    document = "".join(t + b for t, b in zip(mine, blocks, strict=False)) + mine[-1]
    with tempfile.TemporaryDirectory() as tmp:
        paper = Path(tmp) / "PAPER.md"
        paper.write_bytes(("\ufeff" if bom else "").encode() + document.encode("utf-8"))
        update = plan(paper, Path(tmp) / "results.json", NEW, "{}\n", force=False)
    prefix = "\ufeff" if bom else ""
    assert update.paper.startswith(prefix)
    merged = update.paper[len(prefix) :]
    segments = parse(merged, "merged").segments
    plain: list[str] = []
    last_was_block = True
    for segment in segments:
        if isinstance(segment, Block):
            if last_was_block:
                plain.append("")
            last_was_block = True
        else:
            plain.append(segment)
            last_was_block = False
    if last_was_block:
        plain.append("")
    assert plain == mine
    assert merged != document or OLD == NEW  # the blocks were brought up to date


# --- experiment names never write outside the root --------------------------------------------

NAMES = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="./-_aZ09\\\x00 ~", max_size=12),
    st.sampled_from(
        ["exp", "exp.", "..", ".", "../..", "/tmp/x", "exp/../exp", "exp/..", "~", "a" * 300]
    ),
)


@settings(FAST, max_examples=200)
@given(name=NAMES)
def test_no_experiment_name_writes_outside_the_root(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp)
        spec = top / "project" / "experiments.yaml"
        spec.parent.mkdir()
        spec.write_text(SPEC)
        (top / "project" / "runs" / "exp").mkdir(parents=True)
        (top / "project" / "runs" / "exp" / "worker-ai.jsonl").write_text("")
        (top / "elsewhere").mkdir()
        (top / "elsewhere" / "worker-ai.jsonl").write_text("")
        runs = top / "project" / "runs"
        before = {p for p in top.rglob("*") if not p.is_relative_to(runs)}
        try:
            built = list(build_each(load_spec(spec), [name]))
        except PaperkitError:
            built = []
        after = {p for p in top.rglob("*") if not p.is_relative_to(runs)}
        assert after == before, sorted(map(str, after - before))
        for item in built:
            if item.result is not None and item.error is None:
                folder = item.result.folder.resolve()
                assert folder.is_relative_to(runs.resolve())


# --- whatever paperkit log writes, build reads back --------------------------------------------

LOG_VALUES = st.fixed_dictionaries(
    {"model": st.one_of(st.text(min_size=1, max_size=20), SPECIAL_TEXT)},
    optional={
        "timestamp": st.one_of(
            st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))])),
            st.datetimes().map(lambda moment: moment.isoformat()),
            SPECIAL_TEXT,
        ),
        "input_tokens": st.one_of(st.integers(), st.text(max_size=6), SPECIAL_TEXT),
        "latency_ms": st.one_of(st.integers(min_value=-5, max_value=2**60), st.floats()),
        "cost_estimate": st.one_of(st.floats(), st.integers(), SPECIAL_TEXT),
        "operation": st.one_of(st.text(max_size=20), SPECIAL_TEXT),
        "success": st.one_of(st.booleans(), st.text(max_size=5)),
        "context": JSON_VALUES,
    },
)


# Values paperkit log should take, at the edges of what the reader holds.
PLAUSIBLE = st.fixed_dictionaries(
    {"model": st.text(min_size=1, max_size=20).filter(str.strip)},
    optional={
        "timestamp": st.datetimes(
            min_value=datetime(1678, 1, 2),
            max_value=datetime(2261, 12, 30),
            timezones=st.sampled_from([UTC, timezone(timedelta(hours=14))]),
        ),
        "input_tokens": st.integers(min_value=0, max_value=2**53),
        "latency_ms": st.integers(min_value=0, max_value=10**9).map(str),
        "cost_estimate": st.floats(min_value=0, max_value=1e300),
        "operation": st.text(max_size=20),
        "success": st.booleans(),
        "context": JSON_VALUES,
    },
)


@settings(FAST, max_examples=200)
@given(values=st.one_of(LOG_VALUES, PLAUSIBLE))
def test_what_log_writes_build_reads_back(values: dict[str, object]) -> None:
    kind = KINDS["worker-ai"]
    try:
        record = build_record(kind, values, now=datetime(2025, 1, 14, tzinfo=UTC))
    except PaperkitError:
        event("refused")
        return  # refused, with a message: nothing is written
    event("written")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        append_records(folder / kind.file, [record])
        logs = load_logs(folder)
    assert logs.files[kind.file].records == 1
    assert [str(w) for w in logs.warnings] == []
