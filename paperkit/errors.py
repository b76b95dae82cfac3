"""The one exception type of paperkit, and the data warnings it collects.

Every problem in a user's input is shown compiler-style, ``path:line: message``, so
editors and CI logs make it clickable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class PaperkitError(Exception):
    """A problem in the user's inputs (spec, logs, templates), shown as ``path:line: message``."""

    exit_code = 1

    def __init__(
        self, message: str, path: str | Path | None = None, line: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        return _located(self.path, self.line, self.message)


@dataclass(frozen=True)
class DataWarning:
    """A record paperkit skipped or a value it could not use, with where it came from."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return _located(self.path, self.line, self.message)


def _located(path: str | None, line: int | None, message: str) -> str:
    if path is None:
        return message
    if line is None:
        return f"{path}: {message}"
    return f"{path}:{line}: {message}"


def shown(path: Path) -> str:
    """Return ``path`` as a message shows it: relative to the working directory when inside it."""
    try:
        return path.absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
