"""``paperkit build NAME...`` served from the rebuild cache, before pandas is even imported.

``python -m paperkit`` and the ``paperkit`` command call ``serve`` first. It handles only the
plain form, ``build NAME... [--spec PATH]``, and only when every named experiment is in the
cache with unchanged inputs (``paperkit.cache``) and its PAPER.md merges cleanly; it then
writes and reports exactly as the full command would. Anything else (another command or
option, a miss, a hand-edited block) returns None and the full command runs, which checks the
cache again on its own. This module also holds how a build is reported, so both paths print
the same lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from paperkit import cache
from paperkit.atomic import folder_lock, write_update
from paperkit.errors import DataWarning, PaperkitError, shown
from paperkit.paper.update import plan
from paperkit.paper.wording import count


def warn(warnings: Any, spec_path: Path) -> None:
    """Print each data warning, located relative to the working directory (clickable there)."""
    base = spec_path.absolute().parent
    for w in warnings:
        where = DataWarning(shown(base / w.path), w.line, w.message)
        click.echo(f"warning: {where}", err=True)


def report(built: Any, spec_path: Path, *, check: bool, show_diff: bool) -> None:
    """Echo what building one experiment did (a ``paperkit.build.Built``): warnings, then one
    line (or its error)."""
    if built.result is not None:
        warn(built.result.warnings, spec_path)
    if built.error is not None:
        click.echo(str(built.error), err=True)
        click.echo(f"{built.name}: failed; nothing written for it", err=True)
        return
    assert built.result is not None and built.update is not None
    result, update = built.result, built.update
    for w in update.warnings():
        click.echo(f"warning: {w}", err=True)
    problems = f", {count(len(result.warnings), 'problem')}" if result.warnings else ""
    failed = ", a criterion failed" if result.criteria_failed else ""
    state = f"({result.outcome}{failed}{problems})"
    changed = [
        path.name
        for path, changes in (
            (update.paper_path, update.paper_changed),
            (update.results_path, update.results_changed),
            (update.html_path, update.html_changed),
        )
        if path is not None and changes
    ]
    listed = (
        ", ".join(changed[:-1]) + " and " + changed[-1] if len(changed) > 1 else "".join(changed)
    )
    where = f"{listed} in {shown(update.paper_path.parent)}"
    if check:
        if changed:
            click.echo(f"{result.name}: stale: {where} would change {state}", err=True)
            if show_diff:
                click.echo(update.diff(), nl=False)
        else:
            click.echo(f"{result.name}: up to date {state}", err=True)
        return
    kept = getattr(built, "backup", None)
    backup = f" (old file kept as {kept.name})" if kept else ""
    if changed:
        click.echo(f"{result.name}: wrote {where}{backup} {state}", err=True)
    else:
        click.echo(f"{result.name}: up to date {state}", err=True)


class _Served:
    """A cached build as ``report`` reads it (the fields of ``Built`` and ``BuildResult``)."""

    def __init__(self, name: str, found: cache.Payload, update: Any) -> None:
        self.name = name
        self.found = found
        self.error = None
        self.update = update
        self.result = self
        self.warnings = tuple(DataWarning(*w) for w in found.warnings)
        self.outcome = found.outcome
        self.criteria_failed = found.criteria_failed


def _plain_build(argv: list[str]) -> tuple[list[str], Path] | None:
    """The names and spec of ``build NAME... [--spec PATH]``; None for any other command line."""
    if argv[:1] != ["build"]:
        return None
    names: list[str] = []
    spec_path = Path("experiments.yaml")
    rest = argv[1:]
    while rest:
        arg = rest.pop(0)
        if arg == "--spec" and rest:
            spec_path = Path(rest.pop(0))
        elif arg.startswith("--spec="):
            spec_path = Path(arg.removeprefix("--spec="))
        elif arg.startswith("-") or not arg:
            return None
        else:
            names.append(arg)
    if not names or len(set(names)) != len(names):
        return None
    return names, spec_path


def serve(argv: list[str]) -> int | None:
    """Build from the cache when ``argv`` is a plain build whose every experiment is
    unchanged; return its exit code, or None when the full command must run."""
    plain = _plain_build(argv)
    if plain is None or not cache.enabled():
        return None
    names, spec_path = plain
    served = []
    for name in names:
        # Only a name a full build accepted has an entry (names are checked before a build).
        found = cache.lookup(spec_path, name)
        if found is None or not _plain_targets(Path(found.folder)):
            return None  # the full command checks and reports it
        try:
            served.append(_Served(name, found, _plan(found)))
        except PaperkitError:
            return None  # a hand-edited block: the full command reports it
    for built in served:
        folder = Path(built.found.folder)
        with folder_lock(folder):  # plan again under the lock, as build does
            try:
                built.update = _plan(built.found)
            except PaperkitError:
                return None  # edited meanwhile: the full command reports it
            write_update(built.update)
        report(built, spec_path, check=False, show_diff=False)
    return 0


def _plan(found: cache.Payload) -> Any:
    """What writing a cached paper would change in its folder (a ``paperkit.paper.update``)."""
    folder = Path(found.folder)
    return plan(
        folder / "PAPER.md", folder / "results.json", found.paper, found.results, force=False
    )


def _plain_targets(folder: Path) -> bool:
    """Whether the folder and the files a build writes in it are plain (no symlinks).

    Anything else goes through the full command, whose checks refuse what they must
    (docs/security.md); the cache never writes where a full build would not.
    """
    targets = (folder, folder / "PAPER.md", folder / "results.json", folder / "PAPER.md.bak")
    return folder.is_dir() and not any(path.is_symlink() for path in targets)
