"""The one Jinja environment, the filters that decide how every number looks, and rendering.

Numbers keep full precision until they reach a filter here; a missing value (None/NaN) is
always shown as "n/a", never as 0.
"""

from __future__ import annotations

import math
import os
import traceback
from collections.abc import Callable
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from paperkit.errors import PaperkitError, shown
from paperkit.logs.files import check_regular
from paperkit.paper.blocks import wrap

MISSING = "n/a"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def usd(value: Any, digits: int = 4) -> str:
    """Format US dollars with a fixed number of decimals: 0.01234 -> "$0.0123".

    A cost that is not zero but rounds to it is "<$0.0001" ("> -$0.0001" below zero): a known
    cost never reads as nothing.
    """
    if _missing(value):
        return MISSING
    amount = float(value)
    text = f"{abs(amount):,.{digits}f}"
    if amount and not text.strip("0.,"):
        step = f"{10.0**-digits:.{digits}f}"
        return f"<${step}" if amount > 0 else f"> -${step}"
    return f"-${text}" if amount < 0 else f"${text}"


def pct(value: Any, digits: int = 1) -> str:
    """Format a fraction as a percentage: 0.992 -> "99.2%".

    A fraction strictly between 0 and 1 never reads as 0% or 100%: 0.001 at no decimals is
    "<1%", and 0.9996 at one decimal ">99.9%".
    """
    if _missing(value):
        return MISSING
    fraction = float(value)
    text = f"{fraction * 100:.{digits}f}"
    step = 10.0**-digits
    if 0 < fraction < 1 and float(text) == 0:
        return f"<{step:.{digits}f}%"
    if 0 < fraction < 1 and float(text) == 100:
        return f">{100 - step:.{digits}f}%"
    return f"{text}%"


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


def block(content: str, name: str) -> str:
    """Wrap a generated section in paperkit's markers, with the hash of its content."""
    text = content.strip("\n")
    try:
        return wrap(name, text + "\n" if text else "")
    except ValueError as e:
        raise jinja2.TemplateRuntimeError(str(e)) from e


FILTERS: dict[str, Callable[..., str]] = {
    "block": block,
    "usd": usd,
    "pct": pct,
    "num": num,
    "unit": unit,
    "cell": cell,
    "inline": inline,
}


OVERRIDES = "templates"  # the folder beside the spec whose files replace the built-in ones


class ConfinedLoader(jinja2.FileSystemLoader):
    """A file loader that reads only regular files really inside its folders, as UTF-8.

    A template that is a symlink to a file outside its folder (``paper.md.j2 -> ~/.ssh/id_rsa``)
    or is a FIFO or a device is refused, since a template's text ends up in the paper; a file
    that is not UTF-8 is a template error at its first bad line.
    """

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        found = template
        for folder in self.searchpath:
            candidate = os.path.join(folder, *jinja2.loaders.split_template_path(template))
            if os.path.lexists(candidate):
                _confine(Path(folder), Path(candidate), template)
                found = candidate
                break
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as e:
            data = e.object if isinstance(e.object, bytes) else b""
            line = data.count(b"\n", 0, e.start) + 1
            message = f"not UTF-8 text (byte 0x{data[e.start]:02x}); save the template as UTF-8"
            raise jinja2.TemplateSyntaxError(message, line, template, found) from e


def _confine(folder: Path, path: Path, template: str) -> None:
    """Raise a Jinja SecurityError when ``path`` leads out of ``folder`` or is not a file."""
    real_folder, real = os.path.realpath(folder), os.path.realpath(path)
    if os.path.commonpath([real_folder, real]) != real_folder:
        raise _Refused(
            f"{template} is a symlink to {Path(real).as_posix()}, outside the templates folder; "
            "a template must be a file in the folder (see paperkit docs security)",
            path,
        )
    try:
        check_regular(path, what="read a template")
    except PaperkitError as e:
        raise _Refused(e.message, path) from e


class _Refused(jinja2.exceptions.SecurityError):
    """A template file paperkit will not read; ``path`` is where the error is located when
    no template was running yet (the top-level template itself)."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def make_environment(template_dirs: list[Path]) -> jinja2.Environment:
    """Return the Jinja environment used for every paper, searching ``template_dirs`` in order.

    Sandboxed: a template may come from a pull request, so it reads the context and calls the
    filters but cannot reach Python's internals (``cycler.__init__.__globals__``) to run
    commands or open files. StrictUndefined turns a misspelt variable into an error instead of
    a blank cell; autoescape is off because the output is Markdown, not HTML.
    """
    env = jinja2.sandbox.SandboxedEnvironment(  # noqa: S701 - Markdown output, not HTML
        loader=ConfinedLoader([str(d) for d in template_dirs]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    return env


def _where(error: BaseException, dirs: list[Path]) -> tuple[str | None, int | None]:
    """Return the template file and line an error was raised from, from its traceback.

    Jinja compiles templates to Python whose frames carry the template's file name and line,
    so the innermost such frame is where the template went wrong.
    """
    roots = [str(d) for d in dirs]
    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith(".j2") and any(frame.filename.startswith(r) for r in roots):
            found = (frame.filename, frame.lineno)
    return found


def _shown_template(filename: str | None, dirs: list[Path]) -> str | None:
    """Return a template's path as the user knows it: their own file, or the built-in name."""
    if filename is None:
        return None
    path = Path(filename)
    if dirs[:-1] and path.is_relative_to(dirs[0]):
        return shown(path)
    return f"templates/{path.relative_to(dirs[-1]).as_posix()}"


def render(template_name: str, context: dict[str, Any], overrides: Path | None = None) -> str:
    """Render a paper template with ``context`` and return the text.

    Files in ``overrides`` (the ``templates/`` folder beside the spec, when it exists) replace
    the built-in templates of the same name. Errors are located at the template's file:line.
    """
    with as_file(files("paperkit.templates")) as builtin:
        dirs = [overrides, Path(builtin)] if overrides is not None else [Path(builtin)]
        env = make_environment(dirs)
        try:
            return env.get_template(template_name).render(context)
        except jinja2.TemplateSyntaxError as e:
            where = _shown_template(e.filename, dirs) or e.name or template_name
            raise PaperkitError(f"template error: {e.message}", where, e.lineno) from e
        except jinja2.TemplateError as e:
            filename, line = _where(e, dirs)
            if filename is None and isinstance(e, _Refused):
                filename = str(e.path)
            where = _shown_template(filename, dirs) or template_name
            raise PaperkitError(f"template error: {e.message}", where, line) from e
        except PaperkitError:
            raise
        except RecursionError as e:  # a macro calling itself without end
            filename, line = _where(e, dirs)
            where = _shown_template(filename, dirs) or template_name
            message = "template error: recursion too deep (a macro or include calls itself?)"
            raise PaperkitError(message, where, line) from None
        except Exception as e:  # noqa: BLE001 - any failure inside a template is the template's
            filename, line = _where(e, dirs)
            where = _shown_template(filename, dirs) or template_name
            raise PaperkitError(f"template error: {type(e).__name__}: {e}", where, line) from e
