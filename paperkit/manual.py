"""The documentation pages shipped with paperkit, for ``paperkit docs``.

Help texts, error messages and papers cite a page as ``paperkit docs NAME``, which works
wherever paperkit is installed: the pages are package data (``paperkit.docs``), not files of a
repository the user may not have.
"""

from __future__ import annotations

import difflib
from importlib import resources

from paperkit.errors import PaperkitError


def pages() -> list[tuple[str, str]]:
    """Return every page as (name, title): ``("metrics", "Metrics")``, sorted by name."""
    found = []
    for item in resources.files("paperkit.docs").iterdir():
        if item.name.endswith(".md"):
            first = item.read_text(encoding="utf-8").partition("\n")[0]
            found.append((item.name.removesuffix(".md"), first.lstrip("# ").strip()))
    return sorted(found)


def page(name: str) -> str:
    """Return the Markdown text of page ``name`` ("metrics" or "metrics.md").

    Raises ``PaperkitError`` for a page that does not exist, naming the closest one.
    """
    wanted = name.removesuffix(".md").removeprefix("docs/")
    names = [found for found, _ in pages()]
    if wanted not in names:
        close = difflib.get_close_matches(wanted, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "see paperkit docs for the list"
        raise PaperkitError(f"no page '{name}'; {hint}")
    return resources.files("paperkit.docs").joinpath(f"{wanted}.md").read_text(encoding="utf-8")
