"""The one Jinja environment, the filters that decide how every number looks, and rendering.

Numbers keep full precision until they reach a filter here; a missing value (None/NaN) is
always shown as "n/a", never as 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import jinja2

from .errors import PaperkitError

MISSING = "n/a"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def usd(value: Any, digits: int = 4) -> str:
    """Format US dollars with a fixed number of decimals: 0.01234 -> "$0.0123"."""
    if _missing(value):
        return MISSING
    text = f"{abs(float(value)):,.{digits}f}"
    return f"-${text}" if float(value) < 0 and text.strip("0.,") else f"${text}"


def pct(value: Any, digits: int = 1) -> str:
    """Format a fraction as a percentage: 0.992 -> "99.2%"."""
    if _missing(value):
        return MISSING
    return f"{float(value) * 100:.{digits}f}%"


def num(value: Any, digits: int = 0) -> str:
    """Format a number with thousands separators and fixed decimals: 1234.6 -> "1,235"."""
    if _missing(value):
        return MISSING
    return f"{float(value):,.{digits}f}"


def unit(value: Any, suffix: str, digits: int = 0) -> str:
    """Format a number with its unit: (850, "ms") -> "850 ms"; a missing value is just "n/a"."""
    if _missing(value):
        return MISSING
    return f"{num(value, digits)} {suffix}"


def cell(value: Any) -> str:
    """Make text safe inside a Markdown table cell: escape pipes, fold newlines."""
    if _missing(value):
        return MISSING
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return " ".join(part.strip() for part in text.split("\n")).replace("|", "\\|")


def inline(value: Any) -> str:
    """Fold free text onto one line (for list items and bold labels)."""
    if _missing(value):
        return MISSING
    return " ".join(str(value).split())


FILTERS: dict[str, Callable[..., str]] = {
    "usd": usd,
    "pct": pct,
    "num": num,
    "unit": unit,
    "cell": cell,
    "inline": inline,
}


def make_environment(template_dir: Path) -> jinja2.Environment:
    """Return the Jinja environment used for every paper.

    StrictUndefined turns a misspelt variable into an error instead of a blank cell;
    autoescape is off because the output is Markdown, not HTML.
    """
    env = jinja2.Environment(  # noqa: S701 - Markdown output, HTML escaping would corrupt it
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def render(template_name: str, context: dict[str, Any]) -> str:
    """Render one of paperkit's built-in templates with ``context`` and return the text."""
    with as_file(files("paperkit.templates")) as template_dir:
        env = make_environment(Path(template_dir))
        try:
            return env.get_template(template_name).render(context)
        except jinja2.TemplateSyntaxError as e:
            raise PaperkitError(
                f"template error: {e.message}", e.filename or e.name, e.lineno
            ) from e
        except jinja2.UndefinedError as e:
            raise PaperkitError(f"template error: {e.message}", template_name) from e
