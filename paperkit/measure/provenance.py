"""Where a paper's numbers come from: each input file's record count and sha256.

No wall-clock time goes in, so rebuilding from the same inputs gives the same bytes; a reader
who has the logs can check with ``sha256sum`` that they are the ones the paper was built from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from paperkit.logs.load import FileStats

SHORT = 12  # hex digits of sha256 shown: enough to tell files apart, short enough to read


@dataclass(frozen=True)
class Source:
    """One input file: its name as shown, whether it exists, records read, short sha256."""

    name: str
    present: bool
    records: int | None
    sha256: str | None


def spec_part_hash(path: Path, name: str) -> str | None:
    """Return the first ``SHORT`` hex digits of the sha256 of experiment ``name``'s part of a spec.

    The part is the experiment's entry and every top-level setting (root, timezone,
    confidence, pricing, …), read as data and written as canonical JSON. Editing another
    experiment, a comment or the order of keys leaves it, and so the paper, unchanged: a paper
    is stale only when what it was built from changed. None when the file is absent.
    """
    if not path.is_file():
        return None
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    part = {key: value for key, value in doc.items() if key != "experiments"}
    part["experiments"] = {name: (doc.get("experiments") or {}).get(name)}
    text = json.dumps(part, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:SHORT]


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
