"""Turn YAML text into checked Python values, with the line of every problem.

The YAML is composed into nodes rather than loaded into dicts, so that every problem can name
the line of the offending key or value. A ``Parser`` takes a node and its dotted key
(``experiments.x.title``, ``criteria[0]``) and returns a Python value or raises ``Invalid``;
the caller adds the file path, giving ``path:line: dotted.key: message``. The parsers here
know only YAML types; what a file's keys mean is up to the module that reads it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

__all__ = [
    "Invalid",
    "Parser",
    "boolean",
    "choice",
    "compose",
    "dotted",
    "fields",
    "is_null",
    "items",
    "line_of",
    "list_of",
    "non_negative",
    "number",
    "record",
    "scalar",
    "string",
    "suggest",
    "text",
    "whole",
]

_TAG = "tag:yaml.org,2002:"

# Parses one value node; the str is the dotted key used in error messages.
Parser = Callable[[Node, str], Any]


class Invalid(Exception):
    """A problem found while walking the nodes; the caller adds the file path."""

    def __init__(self, where: str, message: str, line: int | None) -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.line = line


def compose(raw: bytes) -> Node | None:
    """Decode UTF-8 (a BOM is allowed) and compose; returns the root node, None if there is none.

    Syntax errors keep PyYAML's exception as the cause, and the line it points at.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Invalid("", "not UTF-8 text", raw.count(b"\n", 0, e.start) + 1) from None
    _check_depth(text)
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        line = _mark_line(e.problem_mark or e.context_mark)
        if "quoted scalar" in (e.context or "") and e.context_mark is not None:
            line = _mark_line(e.context_mark)  # where the open quote is, not the end of the file
        raise Invalid("", _explained(e, text, line), line) from e
    except ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        raise Invalid("", f"YAML syntax error: {e.reason} #x{e.character:04x}", line) from e


MAX_DEPTH = 64  # mappings and lists inside each other; a spec needs five or six


def _check_depth(text: str) -> None:
    """Raise before composing when collections nest deeper than ``MAX_DEPTH``.

    PyYAML composes recursively, so 1,000 nested ``[`` end in a RecursionError; its scanner
    does not recurse, and counting the start and end tokens it yields costs one pass over a
    file of a few kilobytes.
    """
    level = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, _STARTS):
                level += 1
                if level > MAX_DEPTH:
                    line = token.start_mark.line + 1
                    message = f"nested more than {MAX_DEPTH} levels deep; a spec needs a few"
                    raise Invalid("", message, line)
            elif isinstance(token, _ENDS):
                level -= 1
    except (yaml.MarkedYAMLError, ReaderError):
        return  # composing reports the syntax error, with its line


_STARTS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_ENDS = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _yaml_problem(e: yaml.MarkedYAMLError) -> str:
    """Returns PyYAML's problem, with where the construct it was reading starts."""
    message = f"YAML syntax error: {e.problem or e.context}"
    if e.problem and e.context and e.problem.startswith("but "):
        message = f"YAML syntax error: {e.context}, {e.problem}"  # "expected X", "but found Y"
    elif e.problem and e.context and e.context_mark:
        message += f" ({e.context} that starts on line {_mark_line(e.context_mark)})"
    return message


_OPERATOR = re.compile(r":\s*(>=|<=|==|>|<)(?:\s|,|}|$)")


def _explained(e: yaml.MarkedYAMLError, text: str, line: int | None) -> str:
    """Returns a YAML syntax error in words a user can act on, then PyYAML's own words.

    The usual slips: an unquoted operator (``op: >=`` starts a YAML block scalar), a tab
    (YAML indents with spaces only), a key indented off its neighbours, a value holding ": ",
    a quote left open. Anything else keeps PyYAML's description alone.
    """
    problem = _yaml_problem(e)
    lines = text.splitlines()
    here = lines[line - 1] if line and line <= len(lines) else ""
    said = f"{e.problem or ''} {e.context or ''}"
    found = _OPERATOR.search(here)
    if found:
        op = found.group(1)
        hint = (
            f'quote the operator: write op: "{op}" (an unquoted {op} means something else in YAML)'
        )
    elif "\\t" in said or "\t" in said or here.startswith("\t"):
        hint = "a tab: YAML indents with spaces only; replace the tab with spaces"
    elif "expected <block end>" in said or "did not find expected key" in said:
        hint = "the indentation is off: the keys of one mapping must start in the same column"
    elif "mapping values are not allowed here" in said:
        hint = 'a value holding ": " must be quoted, as in title: "Cost: a study"'
    elif "end of stream" in said and "quoted scalar" in said:
        hint = "a quote is not closed: end the value with the quote it starts with"
    else:
        return problem
    return f"{hint} ({problem})"


def _mark_line(mark: yaml.Mark | None) -> int | None:
    """Returns the 1-based line of a PyYAML mark."""
    return mark.line + 1 if mark else None


# --- mappings and lists ---------------------------------------------------------------------


def items(node: Node, where: str) -> Iterator[tuple[str, int, Node]]:
    """Yields each (key, key line, value node) of a mapping in file order; rejects duplicates."""
    if not isinstance(node, MappingNode):
        raise _wrong(node, where, "a mapping")
    first_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = line_of(key_node)
        if not (isinstance(key_node, ScalarNode) and key_node.tag == _TAG + "str"):
            hint = "; put it in quotes" if isinstance(key_node, ScalarNode) else ""
            raise Invalid(where, f"expected a text key, got {_describe(key_node)}{hint}", line)
        key = key_node.value
        if key in first_lines:
            message = f"duplicate key; the first is on line {first_lines[key]}"
            raise Invalid(dotted(where, key), message, line)
        first_lines[key] = line
        yield key, line, value_node


def fields(
    node: Node,
    where: str,
    parsers: Mapping[str, Parser],
    required: Collection[str] = (),
    hints: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, int]]:
    """Parses a mapping's known keys in file order; returns the values and each key's line.

    A null value of an optional key counts as absent, so the dataclass default applies.
    ``hints`` says what to write when a required key is missing, for keys that need more than
    the key's name.
    """
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, line, value in items(node, where):
        here = dotted(where, key)
        if key not in parsers:
            raise Invalid(here, f"unknown key; {suggest(key, parsers)}", line)
        lines[key] = line
        if key in required or not is_null(value):
            values[key] = parsers[key](value, here)
    for key in required:
        if key not in values:
            hint = f"; {hints[key]}" if hints and key in hints else ""
            raise Invalid(where, f"missing required key '{key}'{hint}", line_of(node))
    return values, lines


def record(
    cls: Callable[..., Any], parsers: Mapping[str, Parser], required: Collection[str] = ()
) -> Parser:
    """Returns a parser that builds ``cls`` from a mapping whose keys are its field names."""

    def parse(node: Node, where: str) -> Any:
        return cls(**fields(node, where, parsers, required)[0])

    return parse


def list_of(item: Parser) -> Parser:
    """Returns a parser for a list whose items ``item`` parses, giving them as a tuple."""

    def parse(node: Node, where: str) -> tuple[Any, ...]:
        if not isinstance(node, SequenceNode):
            raise _wrong(node, where, "a list")
        return tuple(item(child, f"{where}[{i}]") for i, child in enumerate(node.value))

    return parse


# --- scalars --------------------------------------------------------------------------------


def string(node: Node, where: str) -> str:
    """Returns the node's text; a number, list or mapping is an error naming the type."""
    if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
        try:
            node.value.encode("utf-8")
        except UnicodeEncodeError as e:  # "\ud800" in a double-quoted scalar
            half = f"\\u{ord(node.value[e.start]):04x}"
            message = f"holds {half}, half of a UTF-16 surrogate pair, which is not text"
            raise Invalid(where, message, line_of(node)) from None
        return node.value
    raise _wrong(node, where, "a string")


def text(node: Node, where: str) -> str:
    """Returns the node's text, which must not be empty."""
    value = string(node, where)
    if not value.strip():
        raise Invalid(where, "must not be empty", line_of(node))
    return value


def number(node: Node, where: str) -> float:
    """Returns the node's number as a float; text, booleans, .inf and .nan are errors."""
    value: Any = None
    if isinstance(node, ScalarNode) and node.tag in (_TAG + "int", _TAG + "float"):
        value = _construct(node, where)
    elif isinstance(node, ScalarNode) and node.tag == _TAG + "str" and node.style is None:
        # PyYAML (YAML 1.1) reads an unquoted 1e-3 as text; YAML 1.2 and people read a number.
        try:
            value = float(node.value)
        except ValueError:
            pass
    if value is None or not math.isfinite(value):
        raise _wrong(node, where, "a number")
    return float(value)


def non_negative(node: Node, where: str) -> float:
    """Returns the node's number, which must be zero or more."""
    value = number(node, where)
    if value < 0:
        raise Invalid(where, f"must not be negative, got {node.value}", line_of(node))
    return value


def scalar(tag: str, expected: str) -> Parser:
    """Returns a parser for a YAML scalar of one type (int, bool), built as PyYAML builds it."""

    def parse(node: Node, where: str) -> Any:
        if isinstance(node, ScalarNode) and node.tag == _TAG + tag:
            return _construct(node, where)
        raise _wrong(node, where, expected)

    return parse


MAX_DIGITS = 30  # more is no count or price anyone writes, and a float cannot hold 400 digits


def _construct(node: ScalarNode, where: str) -> Any:
    """Return a scalar as PyYAML builds it; a number too long to be one is an error."""
    digits = sum(c.isdigit() for c in node.value)
    if node.tag == _TAG + "int" and digits > MAX_DIGITS:
        message = f"a number of {digits} digits is too long; write at most {MAX_DIGITS}"
        raise Invalid(where, message, line_of(node))
    try:
        value = SafeConstructor().construct_object(node)
    except (ValueError, OverflowError) as e:
        raise Invalid(where, f"cannot read {node.value[:30]!r} as a number", line_of(node)) from e
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        message = f"{node.value[:30]} is too large; paperkit holds numbers up to 2**53 exactly"
        raise Invalid(where, message, line_of(node))
    return value


whole = scalar("int", "a whole number")
boolean = scalar("bool", "true or false")


def choice(choices: Collection[str], what: str, where_listed: str | None = None) -> Parser:
    """Returns a parser for a string that must be one of ``choices``.

    A short list is given in full in the error; a long one (``where_listed`` says where to read
    it) gets a did-you-mean guess instead.
    """

    def parse(node: Node, where: str) -> str:
        value = string(node, where)
        if value not in choices:
            hint = suggest(value, choices, where_listed) if where_listed else _one_of(choices)
            raise Invalid(where, f"unknown {what} '{value}'; {hint}", line_of(node))
        return value

    return parse


# --- small helpers --------------------------------------------------------------------------


def line_of(node: Node) -> int:
    """Returns the 1-based line where the node starts."""
    return node.start_mark.line + 1


def dotted(where: str, key: str) -> str:
    """Returns the dotted key of ``key`` inside ``where``."""
    return f"{where}.{key}" if where else key


def is_null(node: Node) -> bool:
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


def _wrong(node: Node, where: str, expected: str) -> Invalid:
    """Returns the error for a value of the wrong type, to raise."""
    return Invalid(where, f"expected {expected}, got {_describe(node)}", line_of(node))


def suggest(word: str, choices: Collection[str], fallback: str | None = None) -> str:
    """Returns "did you mean 'x'?" for the closest choice (ignoring case), else a list of them."""
    by_lower = {option.lower(): option for option in choices}
    close = difflib.get_close_matches(word.lower(), by_lower, n=1)
    if close:
        return f"did you mean '{by_lower[close[0]]}'?"
    return fallback or _one_of(choices)


def _one_of(choices: Collection[str]) -> str:
    """Returns "expected one of 'a', 'b'" for an error message."""
    return "expected one of " + ", ".join(f"'{option}'" for option in choices)
