"""Writing a whole file so that readers see the old bytes or the new, never half a file."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from paperkit.errors import PaperkitError, shown
from paperkit.paper.update import BACKUP_SUFFIX, Update

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in its folder and a rename.

    The file keeps the mode of the one it replaces; a new file gets the mode a plain write
    would give it (mkstemp alone would make it private, 0600).
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_update(update: Update) -> Path | None:
    """Write the files an update changes (atomically), saving a backup of PAPER.md first if
    asked; returns the backup's path (PAPER.md.bak, or PAPER.md.bak.2... when that exists).

    A failure (a read-only folder, a full disk) is a ``PaperkitError``; the files not yet
    replaced keep their old bytes, since each is written whole or not at all.
    """
    backup = None
    path = update.paper_path
    try:
        if update.backup and update.old_paper is not None:
            path = path.with_name(path.name + BACKUP_SUFFIX)
            backup = write_new(path, update.old_paper.encode("utf-8"))
        if update.results_changed:
            path = update.results_path
            write_atomic(path, update.results.encode("utf-8"))
        if update.paper_changed:
            path = update.paper_path
            write_atomic(path, update.paper.encode("utf-8"))
        if update.html_changed and update.html_path is not None and update.html is not None:
            path = update.html_path
            write_atomic(path, update.html.encode("utf-8"))
    except OSError as error:
        message = f"cannot write: {error.strerror}; files not yet written keep their old bytes"
        raise PaperkitError(message, shown(path)) from error
    return backup


def write_new(path: Path, data: bytes) -> Path:
    """Write ``data`` to a new file: ``path``, or ``path.2``, ``path.3``... whichever is free.

    Never replaces a file (``O_EXCL``), so a second backup cannot destroy the first; returns
    the path written. A failed write removes its partial file.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for number in itertools.count(1):
        target = path if number == 1 else path.with_name(f"{path.name}.{number}")
        try:
            fd = os.open(target, flags | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` while the block runs (POSIX; a no-op elsewhere).

    Two builds of one experiment then write PAPER.md and results.json one after the other, so
    the pair on disk always comes from one run. The lock is on the folder itself: no lock file
    is left behind.
    """
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
