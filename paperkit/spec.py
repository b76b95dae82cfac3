"""Load experiments.yaml into frozen dataclasses, checking every key and value up front.

Every problem names the line of the offending key or value: ``experiments.yaml:7:
experiments.x.titel: unknown key; did you mean 'title'?``. The general YAML checks (types,
duplicate keys, unknown keys) live in ``yamlnodes``; this module holds the schema of format
version 1 and the rules between its keys. The format is described in docs/spec.md.
"""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path

from yaml.nodes import Node

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
from .yamlnodes import (
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


def placeholder_experiment(name: str) -> Experiment:
    """An experiment for a folder the spec does not declare; returns it with ``declared=False``."""
    return Experiment(name=name, declared=False)


def _compose(path: Path) -> Node:
    """Read the spec file; returns its root YAML node, which an empty file lacks."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise Invalid("", "no such file; create it or pass --spec PATH", None) from None
    except OSError as e:
        raise Invalid("", f"cannot read the spec: {e.strerror}", None) from None
    node = compose(raw)
    if node is None:
        raise Invalid("", "the spec is empty; it needs at least 'version: 1'", 1)
    return node


def _spec(node: Node, path: Path) -> Spec:
    """Check the top-level mapping; returns the Spec with ``root`` resolved against its folder."""
    parsers = {
        "version": _version,
        "root": text,
        "timezone": _timezone,
        "pricing": _pricing,
        "experiments": _experiments,
    }
    hints = {"version": "add 'version: 1'"}
    values, _ = fields(node, "", parsers, required=("version",), hints=hints)
    return Spec(
        path=path,
        version=values["version"],
        root=path.parent / values.get("root", DEFAULT_ROOT),
        timezone=values.get("timezone", DEFAULT_TIMEZONE),
        pricing=values.get("pricing", ()),
        experiments=values.get("experiments", ()),
    )


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


_metric = choice(METRIC_NAMES, "metric", "see docs/metrics.md for the names")


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
    banned = ("metric", "op", "target") if manual else ("verdict", "evidence")
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
    return Criterion(**values, line=line_of(node))


_CRITERION: dict[str, Parser] = {
    "text": text,
    "metric": _metric,
    "op": choice(OPS, "op"),
    "target": number,
    "manual": boolean,
    "verdict": choice(VERDICTS, "verdict"),
    "evidence": string,
}

_ROW_KEYS = ("label", "ours", "theirs")
_COMPARISON: dict[str, Parser] = {
    "name": text,
    "source": string,
    "cost_per_1k_units_usd": non_negative,
    "latency_s": non_negative,
    "latency_metric": choice(LATENCY_METRICS, "latency metric", "see docs/spec.md"),
    "rows": list_of(record(ComparisonRow, dict.fromkeys(_ROW_KEYS, string), required=_ROW_KEYS)),
}

_EXPERIMENT: dict[str, Parser] = {
    "number": whole,
    "title": string,
    "problem": string,
    "hypothesis": string,
    "why_it_matters": string,
    "unit": record(Unit, {"name": text, "count": choice(UNIT_COUNTS, "unit count")}),
    "criteria": list_of(_criterion),
    "comparison": record(Comparison, _COMPARISON, required=("name",)),
    "did_well": list_of(record(Highlight, {"title": string, "text": string}, ("title", "text"))),
    "when_to_use": list_of(string),
    "when_not_to_use": list_of(string),
    "doesnt_prove": list_of(string),
    "key_learning": string,
    "next_experiment": string,
}


def _experiments(node: Node, where: str) -> tuple[Experiment, ...]:
    """Returns the declared experiments in file order, each with its key's line."""
    experiments = []
    for name, line, value in items(node, where):
        if not _FOLDER_NAME.fullmatch(name) or set(name) == {"."}:
            message = f"invalid experiment name '{name}'; use letters, digits, '-', '_' and '.'"
            raise Invalid(where, message, line)
        here = dotted(where, name)
        values = {} if is_null(value) else fields(value, here, _EXPERIMENT)[0]
        experiments.append(Experiment(name=name, line=line, **values))
    return tuple(experiments)
