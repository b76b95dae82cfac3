"""Writing a whole file so that readers see the old bytes or the new, never half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from paperkit.paper.update import BACKUP_SUFFIX, Update


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


def write_update(update: Update) -> None:
    """Write the files an update changes (atomically), saving PAPER.md.bak first if asked."""
    # A declared experiment may have no folder yet; its paper says every log is missing.
    update.paper_path.parent.mkdir(parents=True, exist_ok=True)
    if update.backup and update.old_paper is not None:
        backup = update.paper_path.with_name(update.paper_path.name + BACKUP_SUFFIX)
        write_atomic(backup, update.old_paper.encode("utf-8"))
    if update.results_changed:
        write_atomic(update.results_path, update.results.encode("utf-8"))
    if update.paper_changed:
        write_atomic(update.paper_path, update.paper.encode("utf-8"))
    if update.html_changed and update.html_path is not None and update.html is not None:
        write_atomic(update.html_path, update.html.encode("utf-8"))
