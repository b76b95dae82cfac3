"""Progress on stderr: shown on a terminal for a build that takes a while, never elsewhere."""

from __future__ import annotations

import io
import time

import paperkit.logs.jsonl
from paperkit.logs.load import load_logs
from paperkit.progress import progress_line

CALL = '{"timestamp":"2025-03-01T10:00:00Z","model":"m","latency_ms":%d}\n'
RUN = '{"timestamp":"2025-03-01T10:00:00Z","execution_id":"e%d"}\n'


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_drawn_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    with progress_line(stream, delay=0) as progress:
        assert progress is None
    assert stream.getvalue() == ""


def test_a_quick_build_draws_nothing_even_on_a_terminal() -> None:
    stream = Terminal()
    with progress_line(stream, delay=5) as progress:
        assert progress is not None
        progress("worker-ai.jsonl", 0)
    assert stream.getvalue() == ""


def test_a_long_build_names_the_file_and_the_records_then_erases_the_line() -> None:
    stream = Terminal()
    with progress_line(stream, delay=0) as progress:
        assert progress is not None
        progress("logs/worker-ai.jsonl", 1234567)
        deadline = time.monotonic() + 10
        while "reading" not in stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    drawn = stream.getvalue()
    assert "\r\033[Kpaperkit: reading logs/worker-ai.jsonl (1,234,567 lines so far)" in drawn
    assert drawn.endswith("\r\033[K")  # erased, so the build's report starts on a clean line


def test_the_reader_reports_each_file_before_reading_it(tmp_path) -> None:
    (tmp_path / "worker-ai.jsonl").write_text("".join(CALL % i for i in range(3)))
    (tmp_path / "workflows.jsonl").write_text("".join(RUN % i for i in range(2)))
    calls: list[tuple[str, int]] = []
    load_logs(tmp_path, display_path=lambda p: p.name, progress=lambda *a: calls.append(a))
    # Before each file, after each chunk (one each here), then the records in all.
    assert calls == [
        ("worker-ai.jsonl", 0),
        ("worker-ai.jsonl", 3),
        ("workflows.jsonl", 3),
        ("workflows.jsonl", 5),
        ("", 5),
    ]


def test_a_large_file_is_reported_chunk_by_chunk(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(paperkit.logs.jsonl, "CHUNK_BYTES", 200)
    lines = [CALL % i for i in range(10)]
    (tmp_path / "worker-ai.jsonl").write_text("".join(lines))
    calls: list[tuple[str, int]] = []
    load_logs(tmp_path, display_path=lambda p: p.name, progress=lambda *a: calls.append(a))
    counts = [n for path, n in calls if path == "worker-ai.jsonl"]
    # Each chunk holds the whole lines that fit in 200 bytes (and the one it cut into).
    assert counts[0] == 0 and counts[-1] == 10
    assert len(counts) > 3 and counts == sorted(counts)
    assert calls[-1] == ("", 10)
