"""An experiment's results.json as it was at a git revision, for ``paperkit diff --against``.

The committed results.json at the revision is used when there is one. Otherwise the
revision's spec and the experiment's logs are copied out of git into a temporary folder
(``git show REV:path``, one file at a time) and built there with the current paperkit. Nothing
from the repository is ever run: git is called with a fixed argument list and no shell, from
the spec's repository, and only to read objects.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from paperkit.build import RESULTS_NAME, find_experiment, render_experiment
from paperkit.errors import PaperkitError, shown
from paperkit.spec.load import load_spec
from paperkit.spec.types import Spec


@dataclass(frozen=True)
class AtRevision:
    """One experiment's results at a revision, and where they came from (for the report).

    ``results`` is None when the experiment did not exist at the revision.
    """

    results: dict[str, Any] | None
    source: str


def _git(args: list[str], cwd: Path, what: str) -> bytes:
    """Run ``git ARGS`` in ``cwd`` (never through a shell) and return its output, or raise."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            ["git", *args], cwd=cwd, capture_output=True, check=False
        )
    except FileNotFoundError as e:
        raise PaperkitError(f"{what}: git is not installed or not on PATH") from e
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PaperkitError(f"{what}: {message[-1] if message else 'git failed'}", shown(cwd))
    return done.stdout


def _exists(sha: str, path: str, top: Path) -> bool:
    """Return True when ``path`` is a file in the tree of commit ``sha``."""
    done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        ["git", "cat-file", "-e", f"{sha}:{path}"], cwd=top, capture_output=True, check=False
    )
    return done.returncode == 0


def repository(spec: Spec) -> Path:
    """Return the top folder of the git repository holding the spec, or raise."""
    folder = spec.path.absolute().parent
    try:
        out = _git(["rev-parse", "--show-toplevel"], folder, "git")
    except PaperkitError as e:
        raise PaperkitError(
            f"not inside a git repository, so there is no revision to compare with ({e.message})",
            shown(spec.path),
        ) from e
    return Path(out.decode("utf-8").strip())


def resolve(rev: str, top: Path) -> str:
    """Return the commit ``rev`` names (a full SHA), or raise for a name git does not know."""
    if not rev or rev.startswith("-"):
        raise PaperkitError(f"'{rev}' is not a revision (a revision does not start with '-')")
    out = _git(
        ["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top, f"unknown revision '{rev}'"
    )
    return out.decode("ascii").strip()


def _relative(path: Path, top: Path) -> str:
    """Return ``path`` relative to the repository's top folder, as git names it."""
    try:
        return path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError as e:
        raise PaperkitError(f"{shown(path)} is outside the git repository {top}") from e


def results_at(spec: Spec, name: str, rev: str, *, rebuild: bool = False) -> AtRevision:
    """Return experiment ``name``'s results.json as of ``rev`` (committed, or built from it).

    ``rebuild`` builds the revision's logs and spec even when a results.json is committed
    there (one written by an older paperkit lacks what the difference tests need).
    """
    top = repository(spec)
    sha = resolve(rev, top)
    short = sha[:12]
    folder = _relative(spec.root / name, top)
    committed = f"{folder}/{RESULTS_NAME}"
    if not rebuild and _exists(sha, committed, top):
        text = _git(["show", f"{sha}:{committed}"], top, f"reading {committed} at {rev}")
        try:
            doc = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise PaperkitError(f"{committed} at {rev} ({short}) is not valid JSON: {e}") from e
        return AtRevision(doc, f"the committed {committed} at {rev} ({short})")
    return _built_at(spec, name, rev, sha, top)


def _spec_at(sha: str, rev: str, spec_rel: str, top: Path, base: Path) -> tuple[Spec, str]:
    """Copy the spec of commit ``sha`` under ``base`` and load it; return it and its root."""
    _copy(sha, spec_rel, top, base)
    try:
        old_spec = load_spec(base / spec_rel)
        root_rel = old_spec.root.resolve().relative_to(base.resolve()).as_posix()
    except PaperkitError as e:
        where = f"{spec_rel}:{e.line}" if e.line else spec_rel
        raise PaperkitError(f"the spec at {rev} ({sha[:12]}): {where}: {e.message}") from e
    except ValueError as e:
        raise PaperkitError(
            f"the spec at {rev} ({sha[:12]}) has a root outside the repository"
        ) from e
    return old_spec, root_rel


def names_at(spec: Spec, rev: str) -> list[str]:
    """Return the experiments at ``rev``: its spec's, and every folder under its root, sorted.

    Empty when the spec did not exist at ``rev``.
    """
    top = repository(spec)
    sha = resolve(rev, top)
    spec_rel = _relative(spec.path, top)
    if not _exists(sha, spec_rel, top):
        return []
    with tempfile.TemporaryDirectory(prefix="paperkit-diff-") as tmp:
        old_spec, root_rel = _spec_at(sha, rev, spec_rel, top, Path(tmp))
    where = [] if root_rel == "." else ["--", f"{root_rel}/"]
    listed = _git(["ls-tree", "-z", "-d", "--name-only", sha, *where], top, f"listing at {rev}")
    folders = {PurePosixPath(p).name for p in listed.decode("utf-8").split("\0") if p}
    names = {exp.name for exp in old_spec.experiments}
    return sorted(names | {f for f in folders if not f.startswith(".")})


def _built_at(spec: Spec, name: str, rev: str, sha: str, top: Path) -> AtRevision:
    """Build ``name`` from the spec and logs of commit ``sha``, copied into a temporary folder."""
    spec_rel = _relative(spec.path, top)
    if not _exists(sha, spec_rel, top):
        return AtRevision(None, f"no {spec_rel} at {rev} ({sha[:12]})")
    with tempfile.TemporaryDirectory(prefix="paperkit-diff-") as tmp:
        base = Path(tmp)
        old_spec, root_rel = _spec_at(sha, rev, spec_rel, top, base)
        folder = f"{root_rel}/{name}" if root_rel != "." else name
        listed = _git(
            ["ls-tree", "-r", "-z", "--name-only", sha, "--", folder],
            top,
            f"listing {folder} at {rev}",
        )
        paths = [p for p in listed.decode("utf-8").split("\0") if p]
        if not paths and old_spec.experiment(name) is None:
            return AtRevision(None, f"no experiment '{name}' at {rev} ({sha[:12]})")
        for path in paths:
            _copy(sha, path, top, base)
        try:
            find_experiment(old_spec, name)
            doc = json.loads(render_experiment(old_spec, name).results)
        except PaperkitError as e:
            # Name files as the repository does, not by the temporary folder they were read from.
            text = str(e).replace(str(base.resolve()) + "/", "").replace(str(base) + "/", "")
            raise PaperkitError(f"building '{name}' as of {rev} ({sha[:12]}): {text}") from e
    return AtRevision(doc, f"built from the logs and spec at {rev} ({sha[:12]})")


def _copy(sha: str, path: str, top: Path, base: Path) -> None:
    """Write the file ``path`` of commit ``sha`` under ``base``, refusing paths that escape it."""
    parts = PurePosixPath(path).parts
    if not parts or ".." in parts or PurePosixPath(path).is_absolute():
        raise PaperkitError(f"refusing to copy '{path}' out of git: not a plain relative path")
    target = base.joinpath(*parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_git(["show", f"{sha}:{path}"], top, f"reading {path}"))
