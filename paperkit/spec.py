"""Load experiments.yaml into frozen dataclasses, checking every key and value up front.

The YAML is composed into nodes rather than loaded into dicts, so that every problem can name
the line of the offending key or value: ``experiments.yaml:7: experiments.x.titel: unknown
key; did you mean 'title'?``. The format is described in docs/spec.md.
"""

from __future__ import annotations

import difflib
import math
import re
import zoneinfo
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from .catalogue import METRIC_NAMES
from .errors import PaperkitError
from .spec_types import (
    LATENCY_METRICS,
    OPS,
    UNIT_COUNTS,
    VERDICTS,
    Comparison,
    ComparisonRow,
    Criterion,
    Experiment,
    Highlight,
    ModelPrice,
    Spec,
    Unit,
)

__all__ = [
    "DEFAULT_ROOT",
    "DEFAULT_TIMEZONE",
    "OPS",
    "SPEC_VERSION",
    "UNIT_COUNTS",
    "VERDICTS",
    "Comparison",
    "ComparisonRow",
    "Criterion",
    "Experiment",
    "Highlight",
    "ModelPrice",
    "Spec",
    "Unit",
    "load_spec",
    "placeholder_experiment",
]

SPEC_VERSION = 1
DEFAULT_ROOT = ".claude/experiments"
DEFAULT_TIMEZONE = "UTC"

_TAG = "tag:yaml.org,2002:"
_FOLDER_NAME = re.compile(r"[A-Za-z0-9._-]+")
_MISSING_HINTS = {
    "version": "; add 'version: 1'",
    "source": "; every price needs a source",
}

# Parses one value node; the str is the dotted key used in error messages.
Parser = Callable[[Node, str], Any]


class _Invalid(Exception):
    """A problem found while walking the nodes; ``load_spec`` adds the file path."""

    def __init__(self, where: str, message: str, line: int | None) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.line = line


def load_spec(path: Path) -> Spec:
    """Read and check the spec at ``path``; returns it as a frozen ``Spec``.

    Raises ``PaperkitError`` for the first problem in file order, located at ``path:line`` with
    ``path`` as given.
    """
    try:
        return _spec(_compose(Path(path)), Path(path).absolute())
    except _Invalid as e:
        # Keep the YAML error as the cause; hide our own plumbing exception.
        raise PaperkitError(str(e), path, e.line) from e.__cause__


def placeholder_experiment(name: str) -> Experiment:
    """An experiment for a folder the spec does not declare; returns it with ``declared=False``."""
    return Experiment(name=name, declared=False)


def _compose(path: Path) -> Node:
    """Read the file as UTF-8 (a BOM is allowed); returns its root YAML node."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _Invalid("", "no such file; create it or pass --spec PATH", None) from None
    except OSError as e:
        raise _Invalid("", f"cannot read the spec: {e.strerror}", None) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _Invalid("", "not UTF-8 text", raw.count(b"\n", 0, e.start) + 1) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        raise _Invalid("", _yaml_problem(e), _mark_line(e.problem_mark or e.context_mark)) from e
    except ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        raise _Invalid("", f"YAML syntax error: {e.reason} #x{e.character:04x}", line) from e
    if node is None:
        raise _Invalid("", "the spec is empty; it needs at least 'version: 1'", 1)
    return node


def _yaml_problem(e: yaml.MarkedYAMLError) -> str:
    """Returns PyYAML's problem, with where the construct it was reading starts."""
    message = f"YAML syntax error: {e.problem or e.context}"
    if e.problem and e.context and e.problem.startswith("but "):
        message = f"YAML syntax error: {e.context}, {e.problem}"  # "expected X", "but found Y"
    elif e.problem and e.context and e.context_mark:
        message += f" ({e.context} that starts on line {_mark_line(e.context_mark)})"
    return message


def _mark_line(mark: yaml.Mark | None) -> int | None:
    """Returns the 1-based line of a PyYAML mark."""
    return mark.line + 1 if mark else None


def _spec(node: Node, path: Path) -> Spec:
    """Check the top-level mapping; returns the Spec with ``root`` resolved against its folder."""
    parsers = {
        "version": _version,
        "root": _text,
        "timezone": _timezone,
        "pricing": _pricing,
        "experiments": _experiments,
    }
    values, _ = _fields(node, "", parsers, required=("version",))
    return Spec(
        path=path,
        version=values["version"],
        root=path.parent / values.get("root", DEFAULT_ROOT),
        timezone=values.get("timezone", DEFAULT_TIMEZONE),
        pricing=values.get("pricing", ()),
        experiments=values.get("experiments", ()),
    )


# --- mappings and lists ---------------------------------------------------------------------


def _items(node: Node, where: str) -> Iterator[tuple[str, int, Node]]:
    """Yields each (key, key line, value node) of a mapping in file order; rejects duplicates."""
    if not isinstance(node, MappingNode):
        raise _wrong(node, where, "a mapping")
    first_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = _line(key_node)
        if not (isinstance(key_node, ScalarNode) and key_node.tag == _TAG + "str"):
            hint = "; put it in quotes" if isinstance(key_node, ScalarNode) else ""
            raise _Invalid(where, f"expected a text key, got {_describe(key_node)}{hint}", line)
        key = key_node.value
        if key in first_lines:
            message = f"duplicate key; the first is on line {first_lines[key]}"
            raise _Invalid(_join(where, key), message, line)
        first_lines[key] = line
        yield key, line, value_node


def _fields(
    node: Node, where: str, parsers: Mapping[str, Parser], required: Collection[str] = ()
) -> tuple[dict[str, Any], dict[str, int]]:
    """Parses a mapping's known keys in file order; returns the values and each key's line.

    A null value of an optional key counts as absent, so the dataclass default applies.
    """
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, line, value in _items(node, where):
        here = _join(where, key)
        if key not in parsers:
            raise _Invalid(here, f"unknown key; {_suggest(key, parsers)}", line)
        lines[key] = line
        if key in required or not _is_null(value):
            values[key] = parsers[key](value, here)
    for key in required:
        if key not in values:
            hint = _MISSING_HINTS.get(key, "")
            raise _Invalid(where, f"missing required key '{key}'{hint}", _line(node))
    return values, lines


def _record(
    cls: Callable[..., Any], parsers: Mapping[str, Parser], required: Collection[str] = ()
) -> Parser:
    """Returns a parser that builds ``cls`` from a mapping whose keys are its field names."""

    def parse(node: Node, where: str) -> Any:
        return cls(**_fields(node, where, parsers, required)[0])

    return parse


def _list(item: Parser) -> Parser:
    """Returns a parser for a list whose items ``item`` parses, giving them as a tuple."""

    def parse(node: Node, where: str) -> tuple[Any, ...]:
        if not isinstance(node, SequenceNode):
            raise _wrong(node, where, "a list")
        return tuple(item(child, f"{where}[{i}]") for i, child in enumerate(node.value))

    return parse


# --- scalars --------------------------------------------------------------------------------


def _string(node: Node, where: str) -> str:
    """Returns the node's text; a number, list or mapping is an error naming the type."""
    if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
        return node.value
    raise _wrong(node, where, "a string")


def _text(node: Node, where: str) -> str:
    """Returns the node's text, which must not be empty."""
    value = _string(node, where)
    if not value.strip():
        raise _Invalid(where, "must not be empty", _line(node))
    return value


def _number(node: Node, where: str) -> float:
    """Returns the node's number as a float; text, booleans, .inf and .nan are errors."""
    value: Any = None
    if isinstance(node, ScalarNode) and node.tag in (_TAG + "int", _TAG + "float"):
        value = SafeConstructor().construct_object(node)
    elif isinstance(node, ScalarNode) and node.tag == _TAG + "str" and node.style is None:
        # PyYAML (YAML 1.1) reads an unquoted 1e-3 as text; YAML 1.2 and people read a number.
        try:
            value = float(node.value)
        except ValueError:
            pass
    if value is None or not math.isfinite(value):
        raise _wrong(node, where, "a number")
    return float(value)


def _non_negative(node: Node, where: str) -> float:
    """Returns the node's number, which must be zero or more."""
    value = _number(node, where)
    if value < 0:
        raise _Invalid(where, f"must not be negative, got {node.value}", _line(node))
    return value


def _scalar(tag: str, expected: str) -> Parser:
    """Returns a parser for a YAML scalar of one type (int, bool), built as PyYAML builds it."""

    def parse(node: Node, where: str) -> Any:
        if isinstance(node, ScalarNode) and node.tag == _TAG + tag:
            return SafeConstructor().construct_object(node)
        raise _wrong(node, where, expected)

    return parse


_whole = _scalar("int", "a whole number")
_boolean = _scalar("bool", "true or false")


def _choice(choices: Collection[str], what: str, where_listed: str | None = None) -> Parser:
    """Returns a parser for a string that must be one of ``choices``.

    A short list is given in full in the error; a long one (``where_listed`` says where to read
    it) gets a did-you-mean guess instead.
    """

    def parse(node: Node, where: str) -> str:
        value = _string(node, where)
        if value not in choices:
            hint = _suggest(value, choices, where_listed) if where_listed else _one_of(choices)
            raise _Invalid(where, f"unknown {what} '{value}'; {hint}", _line(node))
        return value

    return parse


def _version(node: Node, where: str) -> int:
    """Returns the spec format version, which must be 1."""
    version = _whole(node, where)
    if version != SPEC_VERSION:
        message = f"unsupported version {version}; this paperkit reads version {SPEC_VERSION}"
        raise _Invalid(where, message, _line(node))
    return version


def _timezone(node: Node, where: str) -> str:
    """Returns the IANA time zone name after checking that zoneinfo knows it."""
    name = _text(node, where)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        zones = zoneinfo.available_timezones()
        hint = _suggest(name, zones, "use an IANA name such as UTC or Europe/London")
        raise _Invalid(where, f"unknown timezone '{name}'; {hint}", _line(node)) from None
    return name


_metric = _choice(METRIC_NAMES, "metric", "see docs/metrics.md for the names")


# --- the sections -------------------------------------------------------------------------


def _pricing(node: Node, where: str) -> tuple[ModelPrice, ...]:
    """Returns the price overrides of ``pricing.models``, each with its key's line."""
    values, _ = _fields(node, where, {"models": _models})
    return values.get("models", ())


def _models(node: Node, where: str) -> tuple[ModelPrice, ...]:
    """Returns one ModelPrice per model key; all three keys are required."""
    parsers = {"input_per_mtok": _non_negative, "output_per_mtok": _non_negative, "source": _text}
    prices = []
    for model, line, value in _items(node, where):
        values, _ = _fields(value, _join(where, model), parsers, required=tuple(parsers))
        prices.append(ModelPrice(model=model, line=line, **values))
    return tuple(prices)


def _criterion(node: Node, where: str) -> Criterion:
    """Returns a measured (metric/op/target) or manual (verdict/evidence) criterion."""
    values, lines = _fields(node, where, _CRITERION, required=("text",))
    manual = values.get("manual", False)
    banned = ("metric", "op", "target") if manual else ("verdict", "evidence")
    present = [key for key in banned if key in values]
    if present:
        key = min(present, key=lines.__getitem__)
        rule = "not allowed with manual: true" if manual else "only allowed with manual: true"
        raise _Invalid(_join(where, key), rule, lines[key])
    if not manual:
        for key in ("metric", "target"):
            if key not in values:
                message = f"missing required key '{key}' (or write manual: true)"
                raise _Invalid(where, message, _line(node))
        values.setdefault("op", ">=")
    return Criterion(**values, line=_line(node))


_CRITERION: dict[str, Parser] = {
    "text": _text,
    "metric": _metric,
    "op": _choice(OPS, "op"),
    "target": _number,
    "manual": _boolean,
    "verdict": _choice(VERDICTS, "verdict"),
    "evidence": _string,
}

_ROW_KEYS = ("label", "ours", "theirs")
_COMPARISON: dict[str, Parser] = {
    "name": _text,
    "source": _string,
    "cost_per_1k_units_usd": _non_negative,
    "latency_s": _non_negative,
    "latency_metric": _choice(LATENCY_METRICS, "latency metric", "see docs/spec.md"),
    "rows": _list(_record(ComparisonRow, dict.fromkeys(_ROW_KEYS, _string), required=_ROW_KEYS)),
}

_EXPERIMENT: dict[str, Parser] = {
    "number": _whole,
    "title": _string,
    "problem": _string,
    "hypothesis": _string,
    "why_it_matters": _string,
    "unit": _record(Unit, {"name": _text, "count": _choice(UNIT_COUNTS, "unit count")}),
    "criteria": _list(_criterion),
    "comparison": _record(Comparison, _COMPARISON, required=("name",)),
    "did_well": _list(_record(Highlight, {"title": _string, "text": _string}, ("title", "text"))),
    "when_to_use": _list(_string),
    "when_not_to_use": _list(_string),
    "doesnt_prove": _list(_string),
    "key_learning": _string,
    "next_experiment": _string,
}


def _experiments(node: Node, where: str) -> tuple[Experiment, ...]:
    """Returns the declared experiments in file order, each with its key's line."""
    experiments = []
    for name, line, value in _items(node, where):
        if not _FOLDER_NAME.fullmatch(name) or set(name) == {"."}:
            message = f"invalid experiment name '{name}'; use letters, digits, '-', '_' and '.'"
            raise _Invalid(where, message, line)
        here = _join(where, name)
        values = {} if _is_null(value) else _fields(value, here, _EXPERIMENT)[0]
        experiments.append(Experiment(name=name, line=line, **values))
    return tuple(experiments)


# --- small helpers --------------------------------------------------------------------------


def _line(node: Node) -> int:
    """Returns the 1-based line where the node starts."""
    return node.start_mark.line + 1


def _join(where: str, key: str) -> str:
    """Returns the dotted key of ``key`` inside ``where``."""
    return f"{where}.{key}" if where else key


def _is_null(node: Node) -> bool:
    """Returns whether the node is YAML null (``~``, ``null`` or nothing at all)."""
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


def _describe(node: Node) -> str:
    """Returns how an error message shows a value: 'abc' for text, 2024 as written, a list."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _TAG + "str":
        return f"'{node.value}'"
    return node.value or "nothing"


def _wrong(node: Node, where: str, expected: str) -> _Invalid:
    """Returns the error for a value of the wrong type, to raise."""
    return _Invalid(where, f"expected {expected}, got {_describe(node)}", _line(node))


def _suggest(word: str, choices: Collection[str], fallback: str | None = None) -> str:
    """Returns "did you mean 'x'?" for the closest choice (ignoring case), else a list of them."""
    by_lower = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.lower(), by_lower, n=1)
    if close:
        return f"did you mean '{by_lower[close[0]]}'?"
    return fallback or _one_of(choices)


def _one_of(choices: Collection[str]) -> str:
    """Returns "expected one of 'a', 'b'" for an error message."""
    return "expected one of " + ", ".join(f"'{choice}'" for choice in choices)
