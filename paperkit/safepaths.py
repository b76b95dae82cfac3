"""Where paperkit may read and write: experiment names, files inside a folder, regular files.

A paper is often built in CI on a pull request from someone the maintainers do not know, so
nothing a repository contains (a name on the command line, a symlink, a FIFO named like a log)
may make paperkit write outside an experiment's folder or read something that is not a file.
Every check here raises ``PaperkitError`` saying what was refused and why; docs/security.md
lists them.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from paperkit.errors import PaperkitError, shown
from paperkit.logs.files import check_regular as _check_regular
from paperkit.logs.files import not_regular

# As experiments.yaml's names (docs/spec.md), so a name is one folder, never a path.
_NAME = re.compile(r"[A-Za-z0-9._-]+")
MAX_NAME = 100  # characters; file systems allow 255 bytes in a name, and papers quote it


def name_problem(name: str) -> str | None:
    """Return why ``name`` cannot be an experiment's name (None when it can).

    A name is one folder under the spec's root: letters, digits, ``-``, ``_`` and ``.``, not
    only dots (``..`` is the parent), at most ``MAX_NAME`` characters.
    """
    shown_name = name if len(name) <= 60 else name[:57] + "..."
    shown_name = shown_name.encode("utf-8", "backslashreplace").decode("utf-8")
    if not _NAME.fullmatch(name) or set(name) == {"."}:
        return f"invalid experiment name '{shown_name}'; use letters, digits, '-', '_' and '.'"
    if len(name) > MAX_NAME:
        return f"experiment name too long ({len(name)} characters); the limit is {MAX_NAME}"
    return None


def check_name(name: str, where: str | Path | None = None) -> None:
    """Raise ``PaperkitError`` when ``name`` cannot be an experiment's name."""
    if (problem := name_problem(name)) is not None:
        raise PaperkitError(problem, where)


def check_inside(
    folder: Path, path: Path, *, what: str = "write", folder_is: str = "the experiment's folder"
) -> None:
    """Refuse ``path`` when it is a symlink (or under one) that leads out of ``folder``.

    A missing file is fine: paperkit creates it in ``folder``. A symlink whose target is inside
    the folder is followed as usual. Raises ``PaperkitError`` located at ``path``.
    """
    real_folder = Path(os.path.realpath(folder))
    real = Path(os.path.realpath(path))
    if real != real_folder and not real.is_relative_to(real_folder):
        raise PaperkitError(
            f"refusing to {what} through a symlink to {real.as_posix()}, outside "
            f"{folder_is} {shown(folder)}; replace the link with a regular file "
            "(see paperkit docs security)",
            shown(path),
        )


def check_regular(path: Path, *, what: str = "read") -> None:
    """Refuse ``path`` when it exists but is not a regular file (a FIFO, a device, a folder)."""
    _check_regular(path, shown(path), what=what)


def check_open_regular(fd: int, path: Path, *, what: str = "write") -> None:
    """Refuse an open descriptor that is not a regular file (checked after ``os.open``)."""
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        raise PaperkitError(not_regular(mode, what), shown(path))
