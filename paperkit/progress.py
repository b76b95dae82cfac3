"""A one-line status on stderr while a long build reads its logs, for a person at a terminal.

Nothing is shown when stderr is not a terminal (CI logs, pipes, tests), nor for a build that
is done within ``delay`` seconds. Once shown, the line says which file is being read and how
many lines have been read so far (the reader reports after each chunk of a file), refreshed a
few times a second, and is erased before the build's own report is printed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class ProgressLine:
    """Called as ``progress(path, lines)`` by the reader, and ``progress("", records)`` when it is
    done; draws the line from a thread."""

    def __init__(self, stream: TextIO, *, delay: float = 2.0, interval: float = 0.25) -> None:
        self.stream = stream
        self.delay = delay
        self.interval = interval
        self._state: tuple[str, int] | None = None
        self._shown = False
        self._lock = threading.Lock()
        self._done = threading.Event()

    def __call__(self, path: str, records: int) -> None:
        with self._lock:
            self._state = (path, records)

    def text(self) -> str | None:
        """The line as it would be drawn now, or None when there is nothing to say."""
        if self._state is None:
            return None
        path, records = self._state
        if not path:
            return f"paperkit: read {records:,} records; computing the paper"
        return f"paperkit: reading {path} ({records:,} lines so far)"

    def clear(self) -> None:
        """Erase the line (before the build prints its report); it comes back on the next call."""
        with self._lock:
            self._state = None
            if self._shown:
                self.stream.write("\r\033[K")
                self.stream.flush()
                self._shown = False

    def _run(self) -> None:
        if self._done.wait(self.delay):
            return
        while not self._done.is_set():
            with self._lock:
                line = self.text()
                if line is not None:
                    self.stream.write("\r\033[K" + line)
                    self.stream.flush()
                    self._shown = True
            self._done.wait(self.interval)

    def start(self) -> None:
        threading.Thread(target=self._run, name="paperkit-progress", daemon=True).start()

    def stop(self) -> None:
        self._done.set()
        self.clear()


@contextmanager
def progress_line(stream: TextIO, *, delay: float = 2.0) -> Iterator[ProgressLine | None]:
    """Yield a ``ProgressLine`` drawing on ``stream`` when it is a terminal, else None."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        yield None
        return
    line = ProgressLine(stream, delay=delay)
    line.start()
    try:
        yield line
    finally:
        line.stop()
