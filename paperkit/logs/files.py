"""Reading a file paperkit was pointed at, safely: only regular files, none too large, and
text that can be written back. Standard library only, so the commands that start fast (``log``,
``init``, a build served from the rebuild cache) can use it without loading pandas.

- a file that is not a regular file (a FIFO never ends a read, ``/dev/zero`` never ends at all)
  or is larger than the reader can hold is refused (``check_regular``, ``read_log``);
- text that cannot be written as UTF-8 (a lone surrogate, from a JSON escape or from an
  argument's bytes) is named (``text_problem``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from paperkit.errors import PaperkitError

MAX_LOG_BYTES = 2**31 - 1  # pyarrow reads a file as one block, and a block must be under 2 GiB
# pandas holds times as nanoseconds since 1970: 1677-09-21 to 2262-04-11. Whole years only.
FIRST_YEAR, LAST_YEAR = 1678, 2261


def not_regular(mode: int, what: str = "read") -> str:
    """Return the message refusing a file of ``mode`` that is not a regular file."""
    kinds = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISSOCK, "a socket"),
    )
    kind = next((name for test, name in kinds if test(mode)), "not a file")
    return (
        f"refusing to {what}: not a regular file ({kind}); paperkit reads and writes only "
        "regular files (see paperkit docs security)"
    )


def check_regular(path: Path, where: str | None = None, *, what: str = "read") -> None:
    """Raise when ``path`` exists but is not a regular file; a missing file is fine.

    ``os.stat`` never blocks, where opening a FIFO to read it would.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise PaperkitError(f"cannot {what}: {error.strerror}", where or str(path)) from error
    if not stat.S_ISREG(mode):
        raise PaperkitError(not_regular(mode, what), where or str(path))


def check_within(folder: Path, path: Path, where: str | None = None) -> None:
    """Refuse to read ``path`` when it is a symlink (or under one) that leads out of ``folder``.

    A pull request can commit a symlink named like a log that points at a file of the machine
    that builds it; read, its lines would land in the paper and its warnings. A link to a file
    inside the folder is read as usual; a missing file is fine (nothing is read).
    """
    real_folder = os.path.realpath(folder)
    real = os.path.realpath(path)
    if real != real_folder and not real.startswith(real_folder.rstrip(os.sep) + os.sep):
        raise PaperkitError(
            f"refusing to read through a symlink to {Path(real).as_posix()}, outside the "
            "experiment's folder; put the file itself in the folder (see paperkit docs security)",
            where or str(path),
        )


def read_log(path: Path, where: str | None = None) -> bytes:
    """Return the bytes of the log at ``path``, refusing what is not a regular file or too big.

    Raises ``PaperkitError`` (located at ``where``, default the path) for a FIFO, a device or
    a file over ``MAX_LOG_BYTES``; ``OSError`` when it cannot be read.
    """
    with open_log(path, where) as handle:
        return handle.read()


@contextmanager
def open_log(path: Path, where: str | None = None) -> Iterator[BinaryIO]:
    """Open the log at ``path`` to read its bytes, refusing what ``read_log`` refuses.

    For a reader that takes a large log a piece at a time, so its memory does not grow with
    the file.
    """
    where = where or str(path)
    check_regular(path, where)
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):  # swapped for a FIFO since the check
            raise PaperkitError(not_regular(info.st_mode), where)
        if info.st_size > MAX_LOG_BYTES:
            raise PaperkitError(
                f"{info.st_size / 2**30:.1f} GiB is more than paperkit reads in one log "
                f"({MAX_LOG_BYTES / 2**30:.0f} GiB); split it into files by period and build "
                "each part as an experiment of its own",
                where,
            )
        yield handle


def text_problem(text: str) -> str | None:
    """Return why ``text`` cannot be written as UTF-8, or None when it can.

    A command-line argument with bytes that are not UTF-8 reaches Python as lone surrogates
    (``\udcff`` for the byte 0xff); so does a JSON ``"\ud800"`` escape. Neither is text.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        half = ord(text[error.start])
        if 0xDC80 <= half <= 0xDCFF:
            return f"not UTF-8 text (the byte 0x{half - 0xDC00:02x}); pass UTF-8 text"
        return f"holds \\u{half:04x}, half of a UTF-16 surrogate pair, which is not text"
    return None
