"""The rebuild cache: an unchanged experiment's paper without reading its logs again.

A build records what it read: every file (its size, mtime, ctime, inode and SHA-256) and every
folder listing its output depends on: the spec, every file in the experiment's folder but the
outputs, the built-in templates and the spec's own ``templates/`` folder, paperkit's own code
and price data (``cloudflare-rates.yaml``), and the installed versions of the libraries that
shape the numbers (a version change renames its ``.dist-info`` folder), and the time zone
database's file for the spec's time zone. The next build of the
same spec and experiment checks those, as git's index does: a file whose stat is unchanged is
taken as unchanged, one whose stat differs is hashed and compared, and one changed within two
seconds of the record (too close for its times to tell) is always hashed. The ctime cannot be
set back by hand, so a file rewritten with its old size and mtime restored still differs.
Only if everything matches is the recorded paper served; anything missing, unreadable or
corrupt is a miss, never an error, and a build whose inputs changed while it ran is not
recorded at all.

This module uses only the standard library, so the check runs before pandas is imported. The
cache lives in ``$PAPERKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/paperkit``, else
``~/.cache/paperkit``: never in the experiment's folder. ``PAPERKIT_NO_CACHE=1`` or
``--no-cache`` bypasses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
OUTPUTS = frozenset({"PAPER.md", "results.json", "PAPER.md.bak"})
# The libraries whose versions can change a paper's numbers or text.
LIBRARIES = (
    "click",
    "genai-prices",
    "jinja2",
    "markdown-it-py",
    "numpy",
    "pandas",
    "pyarrow",
    "pyyaml",
    "scipy",
    "tzdata",
)
_RACY_NS = 2_000_000_000  # a file changed this close to its record is hashed, whatever its stat
_CHUNK = 1 << 20


def enabled() -> bool:
    """False when ``PAPERKIT_NO_CACHE`` is set to anything but ``""`` or ``0``."""
    return os.environ.get("PAPERKIT_NO_CACHE", "") in ("", "0")


def cache_dir() -> Path:
    """Where entries live: ``$PAPERKIT_CACHE_DIR``, ``$XDG_CACHE_HOME/paperkit`` or
    ``~/.cache/paperkit``."""
    if explicit := os.environ.get("PAPERKIT_CACHE_DIR"):
        return Path(explicit)
    if xdg := os.environ.get("XDG_CACHE_HOME"):
        return Path(xdg) / "paperkit"
    return Path.home() / ".cache" / "paperkit"


def _entry_path(spec_path: Path, name: str) -> Path:
    slot = f"{Path(spec_path).resolve()}\0{name}".encode()
    return cache_dir() / f"{hashlib.sha256(slot).hexdigest()[:32]}.json"


@dataclass(frozen=True)
class Payload:
    """What a build of one experiment produced, as the cache keeps it."""

    folder: str  # the experiment's folder, absolute
    paper: str
    results: str
    outcome: str
    warnings: tuple[tuple[str, int | None, str], ...]  # DataWarning's path, line, message
    criteria_failed: bool


def _stat(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _ignored(name: str) -> bool:
    """paperkit's outputs, the temporary files they are written through, and bytecode."""
    return (
        name in OUTPUTS
        or name.startswith((".PAPER.md.", ".results.json."))
        or name == "__pycache__"
        or name.endswith(".pyc")
    )


def _listing(folder: Path | str) -> list[str] | None:
    """The folder's names but the ignored ones, sorted; None when it cannot be listed."""
    try:
        return sorted(n for n in os.listdir(folder) if not _ignored(n))
    except OSError:
        return None


def file_hash(path: Path | str) -> str:
    """SHA-256 of the file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _libraries() -> list[Path]:
    """The ``.dist-info`` folder of each installed library in LIBRARIES (renamed on upgrade)."""
    from importlib import metadata  # only when recording, not when checking

    found = []
    for name in LIBRARIES:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        location = getattr(dist, "_path", None)
        if location is not None:
            found.append(Path(location))
    return found


@dataclass
class Snapshot:
    """The stats of a build's inputs, taken before it ran (see ``record``)."""

    spec_path: Path
    name: str
    files: dict[str, list[int] | None]
    folders: dict[str, list[str] | None]
    taken_ns: int


def snapshot(
    spec_path: Path, name: str, folders: Iterable[Path], extra: Iterable[Path] = ()
) -> Snapshot:
    """Stat every input of building ``name``: the spec, everything under ``folders`` (the
    experiment's folder, the template folders), paperkit's own package, the libraries'
    ``.dist-info`` folders and the ``extra`` files (the time zone's rules), before it runs.

    A folder that does not exist is recorded as absent, so creating it is a change.
    """
    import paperkit  # the package's own folder: its code, its version, its price data

    taken_ns = time.time_ns()
    package = Path(paperkit.__file__).resolve().parent
    files: dict[str, list[int] | None] = {}
    listings: dict[str, list[str] | None] = {}
    for root in [*map(Path, folders), package, *_libraries()]:
        root = root.absolute()
        if not root.is_dir():
            listings[str(root)] = None
            continue
        for here, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not _ignored(d))
            listings[here] = _listing(here)
            for n in sorted(names):
                if not _ignored(n):
                    files[os.path.join(here, n)] = _stat(Path(here) / n)
    for path in [Path(spec_path), *extra]:
        files[str(path.absolute())] = _stat(path.absolute())
    return Snapshot(Path(spec_path), name, files, listings, taken_ns)


def record(before: Snapshot, payload: Payload, known: dict[str, str]) -> None:
    """Store ``payload`` as the build of ``before``'s inputs, if none of them changed meanwhile.

    ``known`` maps paths to the SHA-256 of the bytes the build parsed (the logs hash what they
    read); other files are hashed now. Nothing is stored when a stat or a listing differs from
    the snapshot's, and a failure to write is ignored: a cache is never worth failing a build.
    """
    try:
        if any(_listing(f) != listing for f, listing in before.folders.items()):
            return
        files = {}
        for path, stat in before.files.items():
            if stat is None or _stat(Path(path)) != stat:
                return
            files[path] = [*stat, known.get(path) or file_hash(path)]
        if any(_stat(Path(path)) != stat for path, stat in before.files.items()):
            return  # changed while it was hashed
        _store(before.spec_path, before.name, files, before.folders, before.taken_ns, payload)
    except (OSError, ValueError):
        return


def _store(
    spec_path: Path,
    name: str,
    files: dict[str, list],
    folders: dict[str, list[str] | None],
    recorded_ns: int,
    payload: Payload,
) -> None:
    entry = {
        "format": FORMAT,
        "python": sys.version,
        "recorded_ns": recorded_ns,
        "files": files,
        "folders": folders,
        "payload": {
            "folder": payload.folder,
            "paper": payload.paper,
            "results": payload.results,
            "outcome": payload.outcome,
            "warnings": [list(w) for w in payload.warnings],
            "criteria_failed": payload.criteria_failed,
        },
    }
    _write(_entry_path(spec_path, name), json.dumps(entry).encode())


def lookup(spec_path: Path, name: str) -> Payload | None:
    """Return the recorded build of ``name`` when every input is as recorded, else None.

    Never raises: a missing, unreadable, corrupt or foreign entry is a miss. When a file had
    to be hashed (its stat changed, or it was too recent to trust) and matched, the entry is
    written again with the new stats, so the next check is by stat alone.
    """
    try:
        started_ns = time.time_ns()
        entry = json.loads(_entry_path(spec_path, name).read_bytes())
        if entry.get("format") != FORMAT or entry.get("python") != sys.version:
            return None
        recorded_ns = int(entry["recorded_ns"])
        for folder, listing in entry["folders"].items():
            if _listing(folder) != listing:
                return None
        hashed = False
        files = entry["files"]
        for path, (size, mtime_ns, ctime_ns, inode, digest) in files.items():
            now = _stat(Path(path))
            if now is None:
                return None
            racy = max(mtime_ns, ctime_ns) >= recorded_ns - _RACY_NS
            if now != [size, mtime_ns, ctime_ns, inode] or racy:
                if file_hash(path) != digest or _stat(Path(path)) != now:
                    return None
                files[path] = [*now, digest]
                hashed = True
        p = entry["payload"]
        found = Payload(
            str(p["folder"]),
            str(p["paper"]),
            str(p["results"]),
            str(p["outcome"]),
            tuple((str(w[0]), w[1], str(w[2])) for w in p["warnings"]),
            bool(p["criteria_failed"]),
        )
        if hashed:
            _store(spec_path, name, files, entry["folders"], started_ns, found)
        return found
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".entry.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def payload_of(result: Any) -> Payload:
    """The cache's copy of a ``BuildResult``."""
    return Payload(
        str(Path(result.folder).absolute()),
        result.paper,
        result.results,
        result.outcome,
        tuple((w.path, w.line, w.message) for w in result.warnings),
        bool(result.criteria_failed),
    )
