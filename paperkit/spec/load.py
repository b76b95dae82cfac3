"""Load experiments.yaml into frozen dataclasses, checking every key and value up front.

Every problem names the line of the offending key or value: ``experiments.yaml:7:
experiments.x.titel: unknown key; did you mean 'title'?``. The general YAML checks (types,
duplicate keys, unknown keys) live in ``yamlnodes``; this module holds the schema of format
version 1 and the rules between its keys. The format is described in docs/spec.md.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from paperkit.errors import PaperkitError
from paperkit.spec.catalogue import METRIC_NAMES
from paperkit.spec.types import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RECONCILE_TOLERANCE,
    LATENCY_METRICS,
    OPS,
    OUTCOMES,
    SCOPES,
    UNIT_COUNTS,
    VERDICTS,
    Billing,
    CloudflareAccount,
    Comparison,
    ComparisonRow,
    Criterion,
    DeclaredOutcome,
    Experiment,
    Highlight,
    ModelPrice,
    Reprice,
    Scope,
    Spec,
    Unit,
)
from paperkit.spec.yamlnodes import (
    Invalid,
    Parser,
    boolean,
    choice,
    compose,
    dotted,
    fields,
    is_null,
    items,
    line_of,
    list_of,
    non_negative,
    number,
    record,
    string,
    suggest,
    text,
    whole,
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

_FOLDER_NAME = re.compile(r"[A-Za-z0-9._-]+")
MAX_NAME = 100  # characters, as paperkit.safepaths (a later stage) checks a name given to build
# The years the logs' times can have, as paperkit.logs.guards (a later stage) reads them.
FIRST_YEAR, LAST_YEAR = 1678, 2261
# Dates only as YYYY-MM-DD: Python also reads 20250114, but as a time (midnight), so an end
# written that way would leave its own day out.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def load_spec(path: Path) -> Spec:
    """Read and check the spec at ``path``; returns it as a frozen ``Spec``.

    Raises ``PaperkitError`` for the first problem in file order, located at ``path:line`` with
    ``path`` as given.
    """
    try:
        return _spec(_compose(Path(path)), Path(path).absolute())
    except Invalid as e:
        # Keep the YAML error as the cause; hide our own plumbing exception.
        raise PaperkitError(str(e), path, e.line) from e.__cause__


def find_spec(start: Path, name: str = "experiments.yaml") -> Path | None:
    """Return the nearest ``name`` in ``start`` or one of its parents, as git finds .git.

    Returns the path relative to ``start`` ("experiments.yaml", "../../experiments.yaml"),
    or None when no folder up to the root has one.
    """
    here = start.absolute()
    for steps, folder in enumerate([here, *here.parents]):
        if (folder / name).is_file():
            return Path(*([".."] * steps), name)
    return None


def placeholder_experiment(name: str) -> Experiment:
    """An experiment for a folder the spec does not declare; returns it with ``declared=False``."""
    return Experiment(name=name, declared=False)


def _compose(path: Path) -> Node:
    """Read the spec file; returns its root YAML node, which an empty file lacks.

    A FIFO or a device is refused before it is opened: reading it would never end.
    """
    if path.exists() and not path.is_file():
        message = (
            "not a regular file; paperkit reads the spec only from a file "
            "(see paperkit docs security)"
        )
        raise Invalid("", message, None)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise Invalid("", "no such file; create it or pass --spec PATH", None) from None
    except OSError as e:
        raise Invalid("", f"cannot read the spec: {e.strerror}", None) from None
    node = compose(raw)
    if node is None:
        raise Invalid("", "the spec is empty; it needs at least 'version: 1'", 1)
    _check_marker_lines(node)
    return node


# A line the paper's block parser (paperkit.paper.blocks, a later stage) takes for a marker.
_MARKER_LINE = re.compile(r"^[ \t]*<!--[ \t]*paperkit:", re.IGNORECASE | re.MULTILINE)


def _check_marker_lines(root: Node) -> None:
    """Raises when a text value holds a line that the paper would read as a block marker.

    Spec text goes into the paper as it is written; such a line would break the paper's blocks,
    so it is refused here, at its line, rather than as an error in a template.
    """
    todo = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, ScalarNode):
            if isinstance(node.value, str) and _MARKER_LINE.search(node.value):
                message = (
                    "holds a line starting with '<!-- paperkit:', which the paper would read "
                    "as the marker of a generated block; reword that line"
                )
                raise Invalid("", message, line_of(node))
        elif isinstance(node, MappingNode):
            todo.extend(value for pair in node.value for value in pair)
        elif isinstance(node, SequenceNode):
            todo.extend(node.value)


def _spec(node: Node, path: Path) -> Spec:
    """Check the top-level mapping; returns the Spec with ``root`` resolved against its folder."""
    parsers = {
        "version": _version,
        "root": _root,
        "allow_outside_root": boolean,
        "timezone": _timezone,
        "confidence": _confidence,
        "reconcile_tolerance": _tolerance,
        "billing": record(Billing, {"plan": choice(PLANS, "plan"), "apply_allowances": boolean}),
        "cloudflare": record(CloudflareAccount, {"account_id": text}),
        "pricing": _pricing,
        "experiments": _experiments,
    }
    hints = {"version": "add 'version: 1'"}
    values, lines = fields(node, "", parsers, required=("version",), hints=hints)
    timezone = values.get("timezone", DEFAULT_TIMEZONE)
    for exp in values.get("experiments", ()):
        _check_window(exp, timezone)
    root = path.parent / values.get("root", DEFAULT_ROOT)
    allow_outside = values.get("allow_outside_root", False)
    if not allow_outside:
        _check_root_inside(path.parent, root, lines.get("root"))
    return Spec(
        path=path,
        version=values["version"],
        root=root,
        allow_outside_root=allow_outside,
        timezone=timezone,
        pricing=values.get("pricing", ()),
        experiments=values.get("experiments", ()),
        confidence=values.get("confidence", DEFAULT_CONFIDENCE),
        reconcile_tolerance=values.get("reconcile_tolerance", DEFAULT_RECONCILE_TOLERANCE),
        billing=values.get("billing", Billing()),
        cloudflare=values.get("cloudflare", CloudflareAccount()),
    )


PLANS = ("free", "paid")


def _root(node: Node, where: str) -> str:
    """Returns ``root`` as written; a NUL byte cannot be in a path."""
    value = text(node, where)
    if "\0" in value:
        raise Invalid(where, "must not contain a NUL character", line_of(node))
    return value


def _check_root_inside(folder: Path, root: Path, line: int | None) -> None:
    """Raises when ``root`` (symlinks followed) is outside the spec's folder.

    paperkit writes papers under ``root``; a spec from a pull request must not point it at
    another part of the machine. ``allow_outside_root: true`` says it is meant.
    """
    real_folder, real_root = folder.resolve(), root.resolve()
    if real_root == real_folder or real_root.is_relative_to(real_folder):
        return
    message = (
        f"{real_root.as_posix()} is outside the spec's folder {real_folder.as_posix()}; "
        "paperkit writes papers under root, so add 'allow_outside_root: true' if that is meant"
    )
    raise Invalid("root", message, line)


# --- values with rules of their own ---------------------------------------------------------


def _version(node: Node, where: str) -> int:
    """Returns the spec format version, which must be 1."""
    version = whole(node, where)
    if version != SPEC_VERSION:
        message = f"unsupported version {version}; this paperkit reads version {SPEC_VERSION}"
        raise Invalid(where, message, line_of(node))
    return version


def _timezone(node: Node, where: str) -> str:
    """Returns the IANA time zone name after checking that zoneinfo knows it."""
    name = text(node, where)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        zones = zoneinfo.available_timezones()
        hint = suggest(name, zones, "use an IANA name such as UTC or Europe/London")
        raise Invalid(where, f"unknown timezone '{name}'; {hint}", line_of(node)) from None
    return name


_metric = choice(METRIC_NAMES, "metric", "see paperkit docs metrics for the names")


def _confidence(node: Node, where: str) -> float:
    """Returns a confidence level, a fraction strictly between 0 and 1 (0.95, not 95)."""
    value = number(node, where)
    if not 0 < value < 1:
        message = f"must be a fraction between 0 and 1 such as 0.95, got {node.value}"
        raise Invalid(where, message, line_of(node))
    return value


def _tolerance(node: Node, where: str) -> float:
    """Returns a reconcile tolerance: a fraction from 0 to 1 (0.05 for 5%, not 5)."""
    value = non_negative(node, where)
    if value > 1:
        message = f"is a fraction from 0 to 1: write 0.05 for 5%, not {node.value}"
        raise Invalid(where, message, line_of(node))
    return value


def _check_fraction_target(values: dict[str, Any], lines: dict[str, int], where: str) -> None:
    """Raise when a rate's target is outside 0 to 1: 95 was meant as 95%, and reads as 9500%.

    A success rate is a fraction from 0 to 1, and a cost reduction at most 1 (all of the cost).
    """
    metric, target = values["metric"], values["target"]
    if metric.endswith("success_rate") and not 0 <= target <= 1:
        bound = "from 0 to 1"
    elif metric.endswith("cost_reduction") and target > 1:
        bound = "of at most 1"
    else:
        return
    example = f"{target / 100:g}" if 1 < target <= 100 else "0.95"
    percent = f"{target:g}%" if 1 < target <= 100 else "95%"
    message = f"{metric} is a fraction {bound}: write {example} for {percent}, not {target:g}"
    raise Invalid(dotted(where, "target"), message, lines["target"])


def _min_n(node: Node, where: str) -> int:
    """Returns the smallest sample a criterion may be judged on: a whole number, 1 or more."""
    value = whole(node, where)
    if value < 1:
        raise Invalid(where, f"must be 1 or more, got {value}", line_of(node))
    return int(value)


def _moment(node: Node, where: str) -> date | datetime:
    """Returns a date (2025-01-14) or a date and time (2025-01-14T09:00, offset optional).

    Its year must be one the logs' times can have (1678 to 2261), so ``end: 9999-12-31`` is
    an error, not an overflow when the window is computed.
    """
    raw = node.value if isinstance(node.value, str) else None
    if raw is not None and _DATE.fullmatch(raw[:10]) and not FIRST_YEAR < int(raw[:4]) < LAST_YEAR:
        message = f"{raw!r} is outside the years {FIRST_YEAR + 1} to {LAST_YEAR - 1} paperkit reads"
        raise Invalid(where, message, line_of(node))
    if raw is not None:
        try:
            if _DATE.fullmatch(raw):
                return date.fromisoformat(raw)
            if _DATE.fullmatch(raw[:10]) and raw[10:11] in ("T", " "):
                return datetime.fromisoformat(raw)
        except ValueError:
            pass
    message = (
        f"expected a date such as 2025-01-14 or a time such as 2025-01-14T09:00:00Z, got {raw!r}"
    )
    raise Invalid(where, message, line_of(node))


def _names(node: Node, where: str) -> tuple[str, ...]:
    """Returns one name or a list of names as a tuple (``model: a`` or ``model: [a, b]``)."""
    if isinstance(node.value, list):
        names = list_of(text)(node, where)
        if not names:
            raise Invalid(where, "an empty list matches nothing; name at least one", line_of(node))
        return names
    return (text(node, where),)


def _scope(node: Node, where: str) -> Scope:
    """Returns a ``where:`` scope; its keys are checked against the metric by ``_criterion``."""
    values, _ = fields(node, where, dict.fromkeys(SCOPES, _names))
    if not values:
        message = f"an empty where matches everything; name one of {', '.join(SCOPES)}"
        raise Invalid(where, message, line_of(node))
    return Scope(**values, line=line_of(node))


def _reprice(node: Node, where: str) -> tuple[Reprice, ...]:
    """Returns ``our model: provider:model`` pairs, priced with genai-prices at build time."""
    pairs = []
    for model, line, value in items(node, where):
        here = dotted(where, model)
        target = text(value, here)
        provider, sep, name = target.partition(":")
        if not sep or not provider or not name:
            message = f"expected 'provider:model' such as 'openai:gpt-4o-mini', got '{target}'"
            raise Invalid(here, message, line)
        pairs.append(Reprice(model=model, provider=provider, target=name, line=line))
    return tuple(pairs)


def _outcome(node: Node, where: str) -> DeclaredOutcome:
    """Returns the authors' declared outcome (one of the computed outcome names) and reason."""
    parsers = {"verdict": choice(OUTCOMES, "outcome"), "reason": string}
    values, _ = fields(node, where, parsers, required=("verdict",))
    return DeclaredOutcome(**values, line=line_of(node))


# --- the sections -------------------------------------------------------------------------


def _pricing(node: Node, where: str) -> tuple[ModelPrice, ...]:
    """Returns the price overrides of ``pricing.models``, each with its key's line."""
    values, _ = fields(node, where, {"models": _models})
    return values.get("models", ())


def _models(node: Node, where: str) -> tuple[ModelPrice, ...]:
    """Returns one ModelPrice per model key; all three keys are required."""
    parsers = {"input_per_mtok": non_negative, "output_per_mtok": non_negative, "source": text}
    hints = {"source": "every price needs a source"}
    prices = []
    for model, line, value in items(node, where):
        here = dotted(where, model)
        values, _ = fields(value, here, parsers, required=tuple(parsers), hints=hints)
        prices.append(ModelPrice(model=model, line=line, **values))
    return tuple(prices)


def _criterion(node: Node, where: str) -> Criterion:
    """Returns a measured (metric/op/target) or manual (verdict/evidence) criterion."""
    values, lines = fields(node, where, _CRITERION, required=("text",))
    manual = values.get("manual", False)
    measured_only = ("metric", "op", "target", "where", "confidence", "min_n", "interval")
    banned = measured_only if manual else ("verdict", "evidence")
    present = [key for key in banned if key in values]
    if present:
        key = min(present, key=lines.__getitem__)
        rule = "not allowed with manual: true" if manual else "only allowed with manual: true"
        raise Invalid(dotted(where, key), rule, lines[key])
    if not manual:
        for key in ("metric", "target"):
            if key not in values:
                message = f"missing required key '{key}' (or write manual: true)"
                raise Invalid(where, message, line_of(node))
        values.setdefault("op", ">=")
        _check_fraction_target(values, lines, where)
        scope = values.get("where")
        if scope is not None:
            scope = values["where"] = replace(scope, line=lines["where"])
            for key, _ in scope.items():
                families = SCOPES[key]
                if not values["metric"].startswith(families):
                    allowed = " and ".join(f"{family}*" for family in families)
                    message = (
                        f"where.{key} applies to {allowed} metrics only, not to {values['metric']}"
                    )
                    raise Invalid(dotted(where, "where"), message, lines["where"])
    return Criterion(**values, line=line_of(node))


_CRITERION: dict[str, Parser] = {
    "text": text,
    "metric": _metric,
    "op": choice(OPS, "op"),
    "target": number,
    "manual": boolean,
    "verdict": choice(VERDICTS, "verdict"),
    "evidence": string,
    "where": _scope,
    "confidence": _confidence,
    "min_n": _min_n,
    "interval": boolean,
}

_ROW_KEYS = ("label", "ours", "theirs")
_COMPARISON: dict[str, Parser] = {
    "name": text,
    "source": string,
    "cost_per_1k_units_usd": non_negative,
    "latency_s": non_negative,
    "latency_metric": choice(LATENCY_METRICS, "latency metric", "see paperkit docs spec"),
    "unit": text,
    "reprice": _reprice,
    "rows": list_of(record(ComparisonRow, dict.fromkeys(_ROW_KEYS, string), required=_ROW_KEYS)),
    "baseline": text,
}


def _comparison(node: Node, where: str) -> Comparison:
    """Returns the comparison stack, with its line (the paper flags one without a source)."""
    values, _ = fields(node, where, _COMPARISON, required=("name",))
    return Comparison(**values, line=line_of(node))


_EXPERIMENT: dict[str, Parser] = {
    "number": whole,
    "title": string,
    "problem": string,
    "hypothesis": string,
    "why_it_matters": string,
    "unit": record(Unit, {"name": text, "count": choice(UNIT_COUNTS, "unit count")}),
    "criteria": list_of(_criterion),
    "comparison": _comparison,
    "did_well": list_of(record(Highlight, {"title": string, "text": string}, ("title", "text"))),
    "when_to_use": list_of(string),
    "when_not_to_use": list_of(string),
    "doesnt_prove": list_of(string),
    "key_learning": string,
    "next_experiment": string,
    "start": _moment,
    "end": _moment,
    "outcome": _outcome,
    "charts": boolean,
}


def instant(moment: date | datetime, timezone: str, *, end: bool) -> datetime:
    """Returns a window bound as an aware datetime: a date is its day's start in ``timezone``
    (for ``end``, the next day's start, so the whole day is in); a naive time is read there."""
    zone = zoneinfo.ZoneInfo(timezone)
    if not isinstance(moment, datetime):
        day = moment + timedelta(days=1) if end else moment
        return datetime(day.year, day.month, day.day, tzinfo=zone)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _check_window(exp: Experiment, timezone: str) -> None:
    """Raises when the window is empty: ``end`` at or before ``start`` once the zone applies."""
    if exp.start is None or exp.end is None:
        return
    if instant(exp.end, timezone, end=True) <= instant(exp.start, timezone, end=False):
        where = f"experiments.{exp.name}.end"
        raise Invalid(where, "is before start (the window would be empty)", exp.end_line)


def _experiments(node: Node, where: str) -> tuple[Experiment, ...]:
    """Returns the declared experiments in file order, each with its key's line."""
    experiments = []
    for name, line, value in items(node, where):
        if not _FOLDER_NAME.fullmatch(name) or set(name) == {"."}:
            message = f"invalid experiment name '{name}'; use letters, digits, '-', '_' and '.'"
            raise Invalid(where, message, line)
        if len(name) > MAX_NAME:
            message = f"experiment name too long ({len(name)} characters); the limit is {MAX_NAME}"
            raise Invalid(where, message, line)
        here = dotted(where, name)
        values, lines = ({}, {}) if is_null(value) else fields(value, here, _EXPERIMENT)
        # Report an outcome at its key's line, as written, whatever its style.
        if "outcome" in values:
            values["outcome"] = replace(values["outcome"], line=lines["outcome"])
        experiments.append(Experiment(name=name, line=line, end_line=lines.get("end"), **values))
    return tuple(experiments)
