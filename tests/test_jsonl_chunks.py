"""read_jsonl takes a file a chunk at a time: the chunks' edges must change nothing.

Each file is read in one chunk (the reference, a file smaller than the default chunk) and again
in chunks of a few bytes, so lines, bad lines, blank lines and repeats fall on every side of an
edge. Frames, skipped lines, repeats, the line count and the digest must be the same. The
expected values of the hand-made cases are worked out by hand.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import paperkit.logs.load
import paperkit.logs.values
from paperkit.errors import DataWarning
from paperkit.logs.jsonl import CHUNK_BYTES, read_jsonl
from paperkit.logs.load import load_logs

TEXT = ["timestamp", "model", "cost_estimate"]

LINES = [
    '{"timestamp":"2025-01-14T09:00:00Z","model":"a","cost_estimate":0.5,"n":1}',
    '{"timestamp":"2025-01-14T09:01:00Z","model":"b","cost_estimate":"$0.25","n":2.5}',
    '{"timestamp":"2025-01-14T09:02:00Z","model":"a","cost_estimate":"0.5","tags":["x"]}',
    '{"model":"c","n":"three"}',
    '{"model": "a", "cost_estimate": 0.5, "n": 1}',
    '{"timestamp":"2025-01-14T09:03:00Z","model":"a","err',  # cut off
    "[1, 2]",
    "null",
    "42",
    "",
    "   ",
    '{"model":"d","deep":' + "[" * 70 + "]" * 70 + "}",
    "{}",
]


def read(path, chunk_bytes=CHUNK_BYTES):
    return read_jsonl(path, text_columns=TEXT, chunk_bytes=chunk_bytes)


def assert_same(one, many):
    pd.testing.assert_frame_equal(one.frame, many.frame)
    assert one.skipped == many.skipped
    assert one.repeated == many.repeated
    assert (one.lines, one.sha256) == (many.lines, many.sha256)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(st.sampled_from(range(len(LINES))), max_size=25),
    endings=st.lists(st.sampled_from(["\n", "\r\n", " \n"]), min_size=25, max_size=25),
    bom=st.booleans(),
    final_newline=st.booleans(),
    chunk=st.integers(min_value=1, max_value=120),
)
def test_chunk_edges_change_nothing(tmp_path, picks, endings, bom, final_newline, chunk):
    body = "".join(LINES[pick] + ending for pick, ending in zip(picks, endings, strict=False))
    if not final_newline:
        body = body.rstrip("\n")
    path = tmp_path / "worker-ai.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" * bom + body.encode())
    assert_same(read(path), read(path, chunk))


def test_repeats_across_chunks_are_found_and_counted_once(tmp_path):
    first = '{"model":"a","latency_ms":5}'
    path = tmp_path / "worker-ai.jsonl"
    # Line 4 repeats line 1 with other whitespace around it; line 5 repeats the bad line 3.
    path.write_text(f'{first}\n{{"model":"b"}}\n{{"model":\n  {first}\r\n{{"model":\n')
    whole, tiny = read(path), read(path, 3)
    assert_same(whole, tiny)
    assert whole.frame["line"].tolist() == [1, 2]
    assert whole.frame["model"].tolist() == ["a", "b"]
    assert [w.line for w in whole.skipped] == [3]
    assert whole.repeated == (
        DataWarning(str(path), 4, "repeats line 1 byte for byte; counted once"),
        DataWarning(str(path), 5, "repeats line 3 byte for byte; counted once"),
    )
    assert whole.lines == 5  # 2 records + 1 skipped + 2 repeats
    assert whole.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_quoted_numbers_do_not_make_lines_repeats(tmp_path):
    # The reader writes the number 0.5 as "0.5" before pyarrow reads it; the two lines are
    # equal only after that, so neither repeats the other.
    path = tmp_path / "worker-ai.jsonl"
    path.write_text('{"cost_estimate":0.5}\n{"cost_estimate":"0.5"}\n')
    raw = read(path, 1)
    assert raw.repeated == ()
    assert raw.frame["cost_estimate"].tolist() == ["0.5", "0.5"]


def test_text_columns_share_their_strings(tmp_path):
    path = tmp_path / "worker-ai.jsonl"
    path.write_text("".join(f'{{"model":"m{i % 2}","n":{i}}}\n' for i in range(1000)))
    raw = read(path, 500)
    models = raw.frame["model"].tolist()
    assert models[:3] == ["m0", "m1", "m0"]
    assert len({id(model) for model in models}) == 2


STAMPS = [
    "2025-01-14T09:00:00Z",
    "2025-01-14T09:00:00.123456+02:00",
    "2025-01-14 09:00:00",
    "  2025-01-14T10:00:00Z ",
    "2025-01",
    "1500-01-01T00:00:00Z",
    "yesterday",
    "",
    None,
    2025,
]


COSTS = ["$0.01", "0.010", "USD 1,234.50", "free", "", None, 0.5, "-1", "1e400", " $2 "]
SPENT = ["20min", "1h30m", "1.5 hours", "soon", "", None, 15, "-5 min", "2 h", "  "]


def test_converted_text_kept_as_pyarrow_text_reads_as_python_text_would(tmp_path, monkeypatch):
    # load_logs keeps the text it only converts (timestamps, money, durations) pyarrow's and
    # parses the timestamps a few values at a time; the same logs read with that text as
    # Python strings give the same frames and warnings, whichever way each value goes wrong.
    lines, notes, fixes = [], [], []
    for i, stamp in enumerate(STAMPS * 3):
        record = {"model": "m", "latency_ms": i, "cost_estimate": COSTS[i % len(COSTS)]}
        if stamp is not None:
            record["timestamp"] = stamp
        lines.append(json.dumps(record))
        spent = SPENT[i % len(SPENT)]
        notes.append(json.dumps({"timestamp": "2025-01-14T09:00:00Z", "time_spent": spent}))
        fixes.append(json.dumps({"timestamp": "2025-01-14T09:00:00Z", "fix_time": spent}))
    (tmp_path / "worker-ai.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "interventions.log").write_text("\n".join(notes) + "\n")
    (tmp_path / "errors.log").write_text("\n".join(fixes) + "\n")
    monkeypatch.setattr(paperkit.logs.values, "_TIMES_AT_ONCE", 4)
    arrow = load_logs(tmp_path)
    kept = read_jsonl(
        tmp_path / "worker-ai.jsonl",
        text_columns=["timestamp", "cost_estimate"],
        arrow_text=("timestamp", "cost_estimate"),
    )
    for name in ("timestamp", "cost_estimate"):  # all text (numbers quoted): pyarrow's
        assert isinstance(kept.frame[name].dtype, pd.ArrowDtype)
    real = paperkit.logs.load.read_jsonl

    def as_python(path, **options):
        return real(path, **{**options, "arrow_text": ()})

    monkeypatch.setattr(paperkit.logs.load, "read_jsonl", as_python)
    python = load_logs(tmp_path)
    pd.testing.assert_frame_equal(arrow.worker_ai, python.worker_ai)
    pd.testing.assert_frame_equal(arrow.interventions, python.interventions)
    pd.testing.assert_frame_equal(arrow.errors, python.errors)
    assert arrow.warnings == python.warnings
    assert arrow.interventions["time_spent_min"].tolist()[:3] == [20.0, 90.0, 90.0]
    assert arrow.errors["fix_time_min"].tolist()[:3] == [20.0, 90.0, 90.0]
    # By hand: the kept records are those of COSTS[0:4], "free" read as no cost.
    costs = arrow.worker_ai["cost_logged"]
    assert costs.iloc[:3].tolist() == [0.01, 0.01, 1234.5] and pd.isna(costs.iloc[3])
    # By hand: per repeat of STAMPS, the first four read (the fourth trimmed), the rest skip.
    assert arrow.worker_ai["latency_ms"].tolist() == [
        float(i + 10 * k) for k in range(3) for i in range(4)
    ]
    assert str(arrow.worker_ai["timestamp"].iat[1]) == "2025-01-14 07:00:00.123456+00:00"
