"""What a rebuild would change in an experiment's PAPER.md and results.json, before writing.

A rebuild replaces only the generated blocks of an existing PAPER.md (:mod:`paperkit.paper.blocks`);
every byte a person wrote outside them stays. A block edited by hand since paperkit wrote it
stops the build unless ``force`` is given, and then the old file is kept as PAPER.md.bak.
results.json is paperkit's alone and is rewritten whole. ``--check`` uses the same plan and
writes nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path

from paperkit.errors import DataWarning, PaperkitError, shown
from paperkit.paper.blocks import Block, Merge, NoAnchorError, merge, parse

BACKUP_SUFFIX = ".bak"
BOM = "\ufeff"


@dataclass(frozen=True)
class Update:
    """The new text of both files, whether each changes, and what the merge found.

    ``backup`` is True when the existing PAPER.md must be saved as PAPER.md.bak first (a
    forced overwrite of hand edits, or of a file without paperkit's markers).
    """

    paper_path: Path
    results_path: Path
    paper: str
    results: str
    old_paper: str | None
    old_results: str | None
    backup: bool
    orphaned: tuple[Block, ...]
    # PAPER.html (``build --html``): the merged PAPER.md as a page; None when not asked for.
    html_path: Path | None = None
    html: str | None = None
    old_html: str | None = None

    @property
    def paper_changed(self) -> bool:
        return self.paper != self.old_paper

    @property
    def html_changed(self) -> bool:
        return self.html is not None and self.html != self.old_html

    @property
    def results_changed(self) -> bool:
        return self.results != self.old_results

    @property
    def changed(self) -> bool:
        return self.paper_changed or self.results_changed or self.html_changed

    def warnings(self) -> list[DataWarning]:
        """Return a warning per block the templates no longer produce (kept, not deleted)."""
        return [
            DataWarning(
                shown(self.paper_path),
                block.begin_line,
                f"block '{block.name}' is no longer generated; left as it is (delete it by "
                "hand if it is not wanted)",
            )
            for block in self.orphaned
        ]

    def diff(self) -> str:
        """Return a unified diff of both files, old to new (empty when nothing changes)."""
        parts = []
        for path, old, new in (
            (self.paper_path, self.old_paper, self.paper),
            (self.results_path, self.old_results, self.results),
            (self.html_path, self.old_html, self.html),
        ):
            if path is None or new is None or old == new:
                continue
            name = shown(path)
            parts.extend(
                difflib.unified_diff(
                    (old or "").splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile=f"{name} (on disk)" if old is not None else "/dev/null",
                    tofile=f"{name} (rebuilt)",
                )
            )
        return "".join(line if line.endswith("\n") else line + "\n" for line in parts)


def _read(path: Path) -> str | None:
    """Return a file's text exactly, or None when it does not exist.

    Decoded from the bytes, not read as text: a text read turns CRLF and a lone CR into LF,
    and a rebuild would then rewrite every line ending of the person's text.
    """
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as e:
        raise PaperkitError(
            "not valid UTF-8; paperkit will not rewrite a file it cannot read whole "
            "(fix the encoding, or move the file aside)",
            shown(path),
        ) from e
    except OSError as e:
        raise PaperkitError(f"cannot read: {e.strerror}", shown(path)) from e


def _edited(result: Merge, path: Path) -> PaperkitError:
    """Return the error for blocks edited by hand: each block, its line and the diff."""
    names = ", ".join(f"'{e.block.name}'" for e in result.edits)
    them = "it" if len(result.edits) == 1 else "them"
    first = result.edits[0].block
    lines = [
        f"{len(result.edits)} generated block{'s' if len(result.edits) != 1 else ''} "
        f"edited by hand ({names}); paperkit will not overwrite {them}. Move your words outside "
        "the markers (text there is never touched), or rebuild with --force to overwrite "
        f"them (the old file is kept as {path.name}{BACKUP_SUFFIX})."
    ]
    for edit in result.edits:
        lines.append(edit.diff.rstrip("\n"))
    return PaperkitError("\n".join(lines), shown(path), first.begin_line)


def plan(
    paper_path: Path,
    results_path: Path,
    paper: str,
    results: str,
    *,
    force: bool,
    html_path: Path | None = None,
) -> Update:
    """Return what rebuilding would write, merging ``paper`` into the existing PAPER.md.

    With ``html_path``, the update also holds PAPER.html, made from the merged PAPER.md.
    Raises when blocks were edited by hand (unless ``force``) and when the existing file's
    markers are broken or absent (a file without markers only with ``force``).
    """
    update = _plan(paper_path, results_path, paper, results, force=force)
    if html_path is None:
        return update
    return replace(update, html_path=html_path, html=_html(update.paper), old_html=_read(html_path))


def _plan(paper_path: Path, results_path: Path, paper: str, results: str, *, force: bool) -> Update:
    old_paper, old_results = _read(paper_path), _read(results_path)
    # The generated paper must itself be well formed (a custom template could repeat a block
    # name), or the next rebuild could not merge into what this one writes.
    parse(paper, f"{shown(paper_path)} (as generated)")
    if old_paper is None:
        return Update(paper_path, results_path, paper, results, None, old_results, False, ())
    # A BOM an editor put first stays first, and is not part of the first marker line.
    bom = BOM if old_paper.startswith(BOM) else ""
    try:
        merged = merge(old_paper[len(bom) :], paper, shown(paper_path), force=force)
    except NoAnchorError:
        if not force:
            raise
        return Update(paper_path, results_path, paper, results, old_paper, old_results, True, ())
    if merged.edits and not force:
        raise _edited(merged, paper_path)
    return Update(
        paper_path,
        results_path,
        bom + merged.text,
        results,
        old_paper,
        old_results,
        bool(merged.edits) and merged.changed,
        merged.orphaned,
    )


def _html(paper: str) -> str:
    """PAPER.html of ``paper``; markdown-it is imported only by a build that writes HTML."""
    from paperkit.paper.html import paper_html

    return paper_html(paper)
