"""``paperkit init``: a new experiment's folder, its empty logs, and its entry in the spec.

The entry is added to ``experiments.yaml`` as text, at the end of the ``experiments:`` mapping
and with the indentation used there, so the comments and layout of the rest of the file stay
byte for byte as they were. The new text is loaded with ``load_spec`` before it replaces the
file; if it does not load, or does not hold exactly the entry that was meant, the file is left
alone. Nothing that exists is ever overwritten.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from paperkit.errors import PaperkitError, shown
from paperkit.logs.fields import LOG_MD
from paperkit.logs.files import text_problem
from paperkit.paper.render import render
from paperkit.safepaths import check_name
from paperkit.spec.load import DEFAULT_ROOT, Spec, load_spec
from paperkit.tracking.records import KINDS

_KEEP = re.compile(r"[|>](?:[1-9]?\+|\+[1-9])")  # a block scalar that keeps its last blank lines
EMPTY_FILES = (*(kind.file for kind in KINDS.values()), "metrics.jsonl")
NEW_SPEC = "version: 1\nexperiments:\n"
_EXISTS = "already exists; paperkit init never overwrites"
# Characters a YAML double-quoted scalar must not hold as they are (line breaks and the
# characters YAML calls non-printable); JSON leaves them unescaped.
_YAML_UNSAFE = re.compile("[\x7f-\x84\x86-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Initialised:
    """What ``init_experiment`` made: the folder and its files, and the spec's new entry."""

    folder: Path
    files: tuple[str, ...]
    spec_path: Path
    spec_created: bool
    spec_line: int


def init_experiment(
    name: str,
    spec_path: Path,
    *,
    title: str | None = None,
    hypothesis: str | None = None,
    today: date | None = None,
) -> Initialised:
    """Create experiment ``name``: its folder under the spec's root, log.md, the empty logs.

    Also adds ``name`` to the spec (creating a minimal spec when there is none), with
    ``title`` and ``hypothesis`` when given. Returns what was made. Raises ``PaperkitError``,
    having written nothing, when the name is invalid, the spec does not load, the folder
    exists or the spec already has the name.
    """
    check_name(name)
    for option, value in (("--title", title), ("--hypothesis", hypothesis)):
        if value is not None and (problem := text_problem(value)):
            raise PaperkitError(f"{option}: {problem}")
    spec_path = Path(spec_path)
    created = not spec_path.exists()
    if created:
        raw, root = NEW_SPEC.encode(), spec_path.absolute().parent / DEFAULT_ROOT
    else:
        spec = load_spec(spec_path)
        _refuse_declared(spec, name, spec_path)
        raw, root = spec_path.read_bytes(), spec.root
    folder = root / name
    if folder.exists():
        raise PaperkitError(_EXISTS, shown(folder))
    context = {
        "name": name,
        "title": title or name,
        "hypothesis": hypothesis,
        "date": (today or datetime.now(UTC).date()).isoformat(),
    }
    log_md = render("log.md.j2", context)
    entry = {key: value for key, value in (("title", title), ("hypothesis", hypothesis)) if value}
    new_spec = _checked_spec(spec_path, add_entry(raw, name, entry), name, entry)
    try:
        _make_folder(folder, log_md)
    except PaperkitError:
        new_spec.unlink()
        raise
    try:
        os.replace(new_spec, spec_path)
    except OSError as error:
        shutil.rmtree(folder)
        new_spec.unlink(missing_ok=True)
        raise PaperkitError(f"cannot write: {error.strerror}", spec_path) from error
    line = next(e.line for e in load_spec(spec_path).experiments if e.name == name)
    return Initialised(folder, (LOG_MD, *EMPTY_FILES), spec_path, created, line or 0)


def _refuse_declared(spec: Spec, name: str, spec_path: Path) -> None:
    for experiment in spec.experiments:
        if experiment.name == name:
            message = f"experiments.{name}: already declared; paperkit init never overwrites"
            raise PaperkitError(message, spec_path, experiment.line)


def _make_folder(folder: Path, log_md: str) -> None:
    """Create the folder (it must not exist) with log.md and the empty log files."""
    try:
        folder.mkdir(parents=True)
    except FileExistsError:
        raise PaperkitError(_EXISTS, shown(folder)) from None
    except OSError as error:
        raise PaperkitError(f"cannot create: {error.strerror}", shown(folder)) from error
    try:
        (folder / LOG_MD).write_text(log_md, encoding="utf-8", newline="\n")
        for file in EMPTY_FILES:
            (folder / file).touch(exist_ok=False)
    except OSError as error:
        shutil.rmtree(folder)
        raise PaperkitError(f"cannot create: {error.strerror}", shown(folder)) from error


def _checked_spec(spec_path: Path, text: bytes, name: str, entry: dict[str, str]) -> Path:
    """Write ``text`` next to the spec and load it; returns the temporary file's path.

    The text must load, and hold the entry as meant, else the temporary file is removed and the
    error says what to add by hand.
    """
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{spec_path.name}.", suffix=".tmp", dir=spec_path.absolute().parent
        )
        path = Path(temporary)
        with os.fdopen(handle, "wb") as file:
            file.write(text)
        # mkstemp makes the file private; the spec keeps its own mode (a new one gets rw-r--r--).
        path.chmod(stat.S_IMODE(spec_path.stat().st_mode) if spec_path.exists() else 0o644)
    except OSError as error:
        raise PaperkitError(f"cannot write: {error.strerror}", spec_path) from error
    try:
        found = {e.name: e for e in load_spec(path).experiments}.get(name)
        problem = None if found else f"'{name}' is not among the experiments"
        for key, value in entry.items():
            if found and getattr(found, key) != value:
                problem = f"its {key} does not read back as written"
    except PaperkitError as error:
        problem = error.message
    if problem is not None:
        path.unlink()
        lines = "".join(f"\n    {key}: {_quoted(value)}" for key, value in entry.items())
        message = (
            f"cannot add '{name}' to the spec without breaking it ({problem}); nothing was"
            f" written. Add it under 'experiments:' by hand:\n  {_key(name)}:{lines or ' {}'}"
        )
        raise PaperkitError(message, spec_path)
    return path


# --- the text edit --------------------------------------------------------------------------


def add_entry(raw: bytes, name: str, entry: dict[str, str]) -> bytes:
    """Return the spec ``raw`` with ``name: entry`` added at the end of ``experiments:``.

    Only text is inserted (a ``{}`` or ``null`` value of ``experiments:`` is replaced); the
    rest of the file is kept as it was, including a BOM and Windows line endings. The result is
    not checked here: ``init_experiment`` loads it before using it.
    """
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    value = _experiments_value(root)
    if value is None:  # no experiments: key; add one at the end
        start = text if not text or text.endswith("\n") else text + newline
        text = start + "experiments:" + newline + _block(name, entry, "  ", "  ", newline)
    elif isinstance(value, MappingNode) and value.flow_style and value.value:
        end = value.end_mark.index - 1  # just before the closing brace
        pairs = ", ".join(f"{key}: {_quoted(item)}" for key, item in entry.items())  # flow: quoted
        text = f"{text[:end]}, {_key(name)}: {{{pairs}}}{text[end:]}"
    elif isinstance(value, MappingNode) and value.value:
        indent = " " * value.value[0][0].start_mark.column
        at = _line_end(text, _last_content(text, value))
        block = _block(name, entry, indent, _step(value), newline)
        text = text[:at] + ("" if text[:at].endswith("\n") else newline) + block + text[at:]
    else:  # an empty value: "experiments:", "experiments: {}", "experiments: null"
        before, after = text[: value.start_mark.index], text[value.end_mark.index :]
        if not after.split("\n", 1)[0].strip():  # nothing left on the line: no trailing spaces
            before, after = before.rstrip(" \t"), after.lstrip(" \t")
        text = before + after
        at = _line_end(text, len(before))
        block = _block(name, entry, "  ", "  ", newline)
        text = text[:at] + ("" if text[:at].endswith("\n") else newline) + block + text[at:]
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def _experiments_value(root: Node | None) -> Node | None:
    """Return the value node of the top-level ``experiments`` key, None when there is none."""
    if not isinstance(root, MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == "experiments":
            return value
    return None


def _last_content(text: str, node: Node) -> int:
    """Return the index just past the last character that belongs to ``node``.

    Block collections end where the next token starts (after any comments), so this follows
    their last item down to a scalar or a flow collection, whose ends are exact; a block scalar
    also takes the blank lines after it, which are stepped back over.
    """
    while isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    start = node.start_mark.index
    if isinstance(node, ScalarNode) and _KEEP.match(text, start):
        # "|+" keeps its blank lines: they are the value, so the entry goes after them.
        end = node.end_mark.index
        return end - 1 if end and text[end - 1] == "\n" else end
    return start + len(text[start : node.end_mark.index].rstrip())


def _line_end(text: str, index: int) -> int:
    """Return the index just past the end of the line holding ``index`` (its newline included)."""
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _step(mapping: MappingNode) -> str:
    """The indentation step inside an entry, as the first entry with nested keys uses it."""
    for key, value in mapping.value:
        if isinstance(value, MappingNode) and not value.flow_style and value.value:
            step = value.value[0][0].start_mark.column - key.start_mark.column
            if step > 0:
                return " " * step
    return "  "


def _block(name: str, entry: dict[str, str], indent: str, step: str, newline: str) -> str:
    """The entry as block YAML lines: ``name: {}``, or ``name:`` then one line per key."""
    if not entry:
        return f"{indent}{_key(name)}: {{}}{newline}"
    lines = [f"{indent}{_key(name)}:"]
    lines += [f"{indent}{step}{key}: {_scalar(value)}" for key, value in entry.items()]
    return newline.join(lines) + newline


def _key(name: str) -> str:
    """``name`` as a YAML key: quoted when YAML would read it as something else (``2024``)."""
    return _scalar(name)


def _scalar(text: str) -> str:
    """``text`` as a block YAML scalar: plain when YAML reads it back as the same one-line text."""
    plain = "\n" not in text and not _YAML_UNSAFE.search(text) and _loads_as(text) == text
    return text if plain else _quoted(text)


def _loads_as(text: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON's escapes are YAML's too)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", quoted)
