"""Where a paper's numbers come from: each input file's record count and sha256.

No wall-clock time goes in, so rebuilding from the same inputs gives the same bytes; a reader
who has the logs can check with ``sha256sum`` that they are the ones the paper was built from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from paperkit.logs.load import FileStats

SHORT = 12  # hex digits of sha256 shown: enough to tell files apart, short enough to read


@dataclass(frozen=True)
class Source:
    """One input file: its name as shown, whether it exists, records read, short sha256."""

    name: str
    present: bool
    records: int | None
    sha256: str | None


def file_hash(path: Path) -> str | None:
    """Return the first ``SHORT`` hex digits of the file's sha256, or None if it is absent."""
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:SHORT]


def sources(files: Mapping[str, FileStats]) -> list[Source]:
    """Return a Source for each file read, in the given order, from the hashes taken as read.

    Hashing the bytes that were parsed, rather than reading the file again, means a log that
    grows during the build cannot get a hash that does not match its numbers.
    """
    return [
        Source(
            name,
            stats.present,
            stats.records if stats.present else None,
            stats.sha256[:SHORT] if stats.sha256 else None,
        )
        for name, stats in files.items()
    ]
