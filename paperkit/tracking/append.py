"""Appending records to an experiment's files so that concurrent writers never tear a line.

Every append holds an exclusive lock on the file (``fcntl.flock`` on POSIX, ``msvcrt.locking``
on Windows) and writes all its lines with one ``os.write`` on a descriptor opened with
``O_APPEND``. Writers that take the lock wait for each other; a writer that does not (a shell's
``>>``) still gets whole lines, since one appending write is not split by another. A file whose
last line lost its newline (a crash mid-write) gets one first, so the new record starts on a
line of its own.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from paperkit.errors import PaperkitError, shown
from paperkit.safepaths import check_inside, check_name, check_open_regular, check_regular
from paperkit.spec.load import load_spec
from paperkit.tracking.records import ID_FIELD, Kind, build_record, encode

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

_ID_IN_LINE = re.compile(rb'"' + ID_FIELD.encode() + rb'"\s*:\s*"([^"\\]+)"')
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Appended:
    """What one append did: the file, the line number of its first record, what it wrote.

    ``line`` is None when it was not asked for (counting lines reads the whole file) or when
    nothing was written. ``already`` counts the records left out because their ``paperkit_id``
    was in the file (or earlier in the same batch).
    """

    path: Path
    line: int | None
    written: int
    already: int = 0


def experiment_folder(spec_path: Path, name: str) -> Path:
    """Return the folder of experiment ``name``: ``ROOT/NAME`` with ``ROOT`` from the spec.

    The folder must exist (``paperkit init`` makes it); the experiment need not be declared.
    Raises ``PaperkitError`` for a spec problem, a bad name or a missing folder.
    """
    check_name(name)
    spec = load_spec(spec_path)
    root = spec.root
    folder = root / name
    if not folder.is_dir():
        known = {exp.name for exp in spec.experiments}
        if spec.root.is_dir():
            known.update(p.name for p in spec.root.iterdir() if p.is_dir())
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f"did you mean '{close[0]}'? Or create it" if close else "create it"
        message = f"no such experiment folder; {hint} with: paperkit init {name}"
        raise PaperkitError(message, shown(folder))
    check_inside(root, folder, what="log", folder_is="the spec's root")
    return folder


def log_record(
    spec_path: Path,
    kind: Kind,
    experiment: str,
    values: Mapping[str, object],
    *,
    label: Callable[[str], str] = str,
) -> Appended:
    """Check ``values`` as a record of ``kind`` and append it to the experiment's file.

    Returns where it went, with its line number. Nothing is written when anything is wrong,
    nor when the record would hold nothing but its timestamp: ``paperkit log cost NAME`` alone
    is a slip, and is refused with the fields the kind has.
    """
    folder = experiment_folder(spec_path, experiment)
    record = build_record(kind, values, label=label)
    if set(record) <= {"timestamp"}:
        fields = ", ".join(label(name) for name in kind.fields if name != "timestamp")
        raise PaperkitError(f"nothing to log: give at least one of {fields}")
    return append_records(folder / kind.file, [record], number=True)


def append_records(
    path: Path,
    records: Sequence[Mapping[str, object]],
    *,
    number: bool = False,
    dedupe: bool = False,
) -> Appended:
    """Append ``records`` (already checked) to ``path`` as JSONL lines, under the file's lock.

    With ``number``, the result says on which line the first record landed. With ``dedupe``,
    records whose ``paperkit_id`` is already in the file, or earlier in ``records``, are left
    out; the check and the write happen under the same lock, so two imports cannot both add a
    record. The file is created when missing. A symlink out of the file's folder, a FIFO or a
    device is refused (docs/security.md).
    """
    check_inside(path.parent, path, what="append")
    check_regular(path, what="append to")
    try:
        with _locked(path) as fd:
            check_open_regular(fd, path, what="append to")
            size = os.fstat(fd).st_size
            content = _read_all(fd) if dedupe else b""
            seen = set(_ID_IN_LINE.findall(content)) if dedupe else set()
            lines: list[bytes] = []
            for record in records:
                key = str(record.get(ID_FIELD, "")).encode()
                if dedupe and key:
                    if key in seen:
                        continue
                    seen.add(key)
                lines.append(encode(record))
            line = None
            if lines:
                broken = size > 0 and _last_byte(fd, size) != b"\n"
                if number:
                    newlines = content.count(b"\n") if dedupe else _count_newlines(fd)
                    line = newlines + broken + 1
                _write_or_undo(fd, size, (b"\n" if broken else b"") + b"".join(lines))
    except OSError as error:
        raise PaperkitError(f"cannot append: {error.strerror}", shown(path)) from error
    return Appended(path, line, len(lines), len(records) - len(lines))


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    """Open ``path`` for appending (and reading) and hold its exclusive lock; yields the fd."""
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
    with locked(path, flags) as fd:
        yield fd


@contextmanager
def locked(path: Path, flags: int) -> Iterator[int]:
    """Open ``path`` with ``flags`` and hold its exclusive lock until the block ends.

    ``paperkit costs --write`` replaces cost-breakdown.jsonl by renaming a new file over it;
    a writer that waited for the lock on the old file would append to a file no longer
    there, so the lock is taken again on whatever ``path`` names once it is held.
    """
    while True:
        fd = os.open(path, flags, 0o666)
        try:
            _lock(fd)
            if _same_file(fd, path):
                break
            _unlock(fd)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield fd
    finally:
        try:
            _unlock(fd)
        finally:
            os.close(fd)


def _lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
    else:  # pragma: no cover - Windows: lock the first byte, retried for up to 10 s
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _same_file(fd: int, path: Path) -> bool:
    """Return whether ``path`` still names the file open as ``fd``."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _write_or_undo(fd: int, size: int, data: bytes) -> None:
    """Write ``data`` at the end of the file, or leave the file at ``size`` bytes if that fails.

    A full disk can take part of a write; the torn record would be a bad line for every later
    build, so the file is cut back to what it was and the error raised. The lock is held, so
    no other paperkit writer appended in between.
    """
    try:
        _write(fd, data)
    except OSError:
        try:
            os.ftruncate(fd, size)
        except OSError:
            pass
        raise


def _write(fd: int, data: bytes) -> None:
    """Write all of ``data``: one ``os.write`` unless the system takes only part of it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _last_byte(fd: int, size: int) -> bytes:
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1)


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    return b"".join(iter(lambda: os.read(fd, _CHUNK), b""))


def _count_newlines(fd: int) -> int:
    """Count the newlines in the file, a chunk at a time (the reader numbers lines by them)."""
    os.lseek(fd, 0, os.SEEK_SET)
    return sum(chunk.count(b"\n") for chunk in iter(lambda: os.read(fd, _CHUNK), b""))
