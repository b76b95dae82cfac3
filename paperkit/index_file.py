"""EXPERIMENTS.md: the index of every experiment, kept between generated-block markers.

The index is a block like PAPER.md's (``<!-- paperkit:begin index -->`` … ``<!-- paperkit:end
index sha=… -->``, :mod:`paperkit.paper.blocks`), so the text a person writes around it stays byte
for byte. A new file gets a heading and the block; a file with no markers keeps its text and
gets the block appended; a block edited by hand stops the update unless ``force`` (then the old
file is saved as EXPERIMENTS.md.bak). The file is written atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from paperkit.atomic import write_atomic, write_new
from paperkit.build import Built, build_each, find_experiment
from paperkit.errors import PaperkitError, shown
from paperkit.paper.blocks import merge, parse, wrap
from paperkit.paper.index import Entry, render_index
from paperkit.paper.update import BACKUP_SUFFIX
from paperkit.safepaths import check_inside, check_regular
from paperkit.spec.types import Spec

INDEX_NAME = "EXPERIMENTS.md"
BLOCK = "index"


@dataclass(frozen=True)
class IndexUpdate:
    """The index's new text, the old one (None when there is no file) and whether to back up."""

    path: Path
    old: str | None
    text: str
    backup: bool = False
    failed: tuple[str, ...] = ()  # "NAME: error" for each experiment whose build failed

    @property
    def changed(self) -> bool:
        return self.text != self.old


def default_path(spec: Spec) -> Path:
    """Return where the index goes by default: EXPERIMENTS.md beside the spec."""
    return spec.path.parent / INDEX_NAME


def entries(spec: Spec, built: Iterable[Built], index_path: Path, *, written: bool) -> list[Entry]:
    """Return one index entry per built experiment.

    ``written`` says whether the builds were written (then a built paper is current).
    """
    found = []
    for one in built:
        exp = find_experiment(spec, one.name)
        paper = spec.root / one.name / "PAPER.md"
        link = Path(os.path.relpath(paper, index_path.absolute().parent)).as_posix()
        if one.error is not None or one.result is None or one.update is None:
            message = one.error.message if one.error is not None else "not built"
            found.append(
                Entry(one.name, exp.number, exp.title, link, None, "build failed", message)
            )
            continue
        update = one.update
        if written or not update.changed:
            state = "current"
        elif update.old_paper is None:
            state = "not built yet"
        else:
            state = "stale"
        results = json.loads(one.result.results)
        found.append(Entry(one.name, exp.number, exp.title, link, results, state))
    return found


def plan_index(path: Path, found: list[Entry], *, force: bool = False) -> IndexUpdate:
    """Return the index file's new text, merged into the existing file around its block."""
    block = wrap(BLOCK, render_index(found))
    failed = tuple(f"{e.name}: {e.error}" for e in found if e.results is None)
    # Neither read nor written through a link out of its folder, nor a FIFO or a device: a
    # pull request could otherwise have the index (or its backup) copy a file of the machine.
    for target in (path, path.with_name(path.name + BACKUP_SUFFIX)):
        check_inside(path.parent, target, what="read or write", folder_is="the index's folder")
    check_regular(path, what="read the index")
    try:
        # From the bytes: a text read would turn the user's CRLF and lone CR into LF.
        old = path.read_bytes().decode("utf-8") if path.exists() else None
    except (OSError, UnicodeDecodeError) as e:
        raise PaperkitError(f"cannot read the index: {e}", shown(path)) from e
    if old is None:
        return IndexUpdate(path, None, "# Experiments\n\n" + block, failed=failed)
    if not parse(old, shown(path)).blocks:
        # The user's own file, with no markers yet: keep all of it and add the block after.
        gap = "" if old.endswith("\n\n") or not old else ("\n" if old.endswith("\n") else "\n\n")
        return IndexUpdate(path, old, old + gap + block, failed=failed)
    merged = merge(old, block, shown(path), force=force)
    if merged.edits and not force:
        first = merged.edits[0].block
        raise PaperkitError(
            "the index block was edited by hand; paperkit will not overwrite it. Move your "
            f"words outside the markers, or pass --force (the old file is kept as "
            f"{path.name}{BACKUP_SUFFIX}).\n" + merged.edits[0].diff.rstrip("\n"),
            shown(path),
            first.begin_line,
        )
    return IndexUpdate(path, old, merged.text, bool(merged.edits), failed)


def write_index(update: IndexUpdate) -> None:
    """Write the index when it changes (atomically), saving the old file first if asked."""
    if update.backup and update.old is not None:
        # A new file (.bak, or .bak.2...): an earlier backup is never overwritten.
        write_new(update.path.with_name(update.path.name + BACKUP_SUFFIX), update.old.encode())
    if update.changed:
        write_atomic(update.path, update.text.encode("utf-8"))


def index(
    spec: Spec, path: Path | None = None, *, force: bool = False, write: bool = True
) -> IndexUpdate:
    """Build every experiment in memory, and write (or with ``write`` False, plan) the index."""
    target = path or default_path(spec)
    built = list(build_each(spec, [], write=False))
    update = plan_index(target, entries(spec, built, target, written=False), force=force)
    if write:
        write_index(update)
    return update
