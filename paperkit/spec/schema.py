"""A JSON Schema of experiments.yaml (format version 1), for editors and other checkers.

``paperkit.spec.load`` stays the authority: it checks things no schema can (IANA time zone names,
``end`` not before ``start``, duplicate keys), and its messages carry line numbers. The schema
lets an editor complete keys, show what each one means and flag mistakes as they are typed. Its
lists of metrics, ops, verdicts, outcomes, unit counts, latency metrics, scopes and plans are
the very tuples spec.py checks against, so they cannot drift apart.

Only keywords that mean the same in draft-07 and draft 2020-12 are used (no ``$ref``, ``$defs``
or ``unevaluatedProperties``): the YAML language server behind most editors implements draft-07.
"""

from __future__ import annotations

import json
import re
from typing import Any

from paperkit.spec.catalogue import METRIC_NAMES
from paperkit.spec.load import DEFAULT_ROOT, DEFAULT_TIMEZONE, PLANS, SPEC_VERSION
from paperkit.spec.types import (
    DEFAULT_CONFIDENCE,
    DEFAULT_MIN_N,
    DEFAULT_RECONCILE_TOLERANCE,
    LATENCY_METRICS,
    OPS,
    OUTCOMES,
    SCOPES,
    UNIT_COUNTS,
    VERDICTS,
    Billing,
    Comparison,
    Unit,
)

__all__ = ["DRAFT", "schema_text", "spec_schema"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# The keys a manual criterion must not have (spec.py's ``measured_only``).
_MEASURED_ONLY = ("metric", "op", "target", "where", "confidence", "min_n", "interval")
_MANUAL_ONLY = ("verdict", "evidence")

# An experiment's name is its folder's name: letters, digits, '-', '_', '.', and not only dots.
_EXPERIMENT_NAME = r"^(?!\.+$)[A-Za-z0-9._-]+$"

# What spec.py's ``_moment`` reads: a date, or a date and a time with an optional offset.
_MOMENT = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"([T ]([01]\d|2[0-3])(:[0-5]\d(:[0-5]\d(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"
)

_NULL = {"type": "null"}


def spec_schema() -> dict[str, Any]:
    """Return the JSON Schema of experiments.yaml version 1 as a dict.

    It exists so that editors and CI checkers can validate the spec without running paperkit;
    the key order follows spec.py's, so the schema reads like docs/spec.md.
    """
    return {
        "$schema": DRAFT,
        "title": "paperkit experiments.yaml, format version 1",
        "description": (
            "What each experiment set out to show: the hypothesis, the success criteria and "
            "the stack it is compared with. paperkit reads the numbers from the logs. "
            "Reference: paperkit docs spec."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["version"],
        "properties": {
            "version": {
                "description": f"The format version. Must be {SPEC_VERSION}.",
                "type": "integer",
                "const": SPEC_VERSION,
            },
            "root": _optional(
                _text(
                    "The folder holding one folder per experiment, relative to this file's "
                    "folder. It must be inside this file's folder unless allow_outside_root "
                    "is true.",
                    default=DEFAULT_ROOT,
                )
            ),
            "allow_outside_root": _optional(
                _boolean(
                    "true lets root be outside this file's folder (absolute, or through .. "
                    "or a symlink); paperkit then writes papers there.",
                    default=False,
                )
            ),
            "timezone": _optional(
                _text(
                    "An IANA time zone name such as UTC or Europe/London; log records are "
                    "grouped into days in this zone.",
                    default=DEFAULT_TIMEZONE,
                )
            ),
            "confidence": _optional(
                _confidence(
                    "The confidence level of the intervals that judge rates, means and "
                    "percentiles, as a fraction (0.95, not 95).",
                    default=DEFAULT_CONFIDENCE,
                )
            ),
            "reconcile_tolerance": _optional(
                _number(
                    "Flag a logged cost and a priced cost that differ by more than this "
                    "fraction of the larger one (0.05 is 5%).",
                    minimum=0,
                    maximum=1,
                    default=DEFAULT_RECONCILE_TOLERANCE,
                )
            ),
            "billing": _optional(_billing()),
            "cloudflare": _optional(
                _object(
                    "The Cloudflare account `paperkit import cloudflare` reads from "
                    "(CLOUDFLARE_ACCOUNT_ID overrides it). Never put the API token here.",
                    {"account_id": _optional(_text("The account id (not secret)."))},
                )
            ),
            "pricing": _optional(_pricing()),
            "experiments": _optional(_experiments()),
        },
    }


def schema_text() -> str:
    """Return the schema as the text of docs/experiments.schema.json (2-space indent, "\\n").

    Key order is the order ``spec_schema`` builds, so the same paperkit gives the same bytes.
    """
    return json.dumps(spec_schema(), indent=2, ensure_ascii=False) + "\n"


# --- the sections -------------------------------------------------------------------------


def _billing() -> dict[str, Any]:
    """Returns the schema of ``billing``: which plan ``paperkit costs`` bills on."""
    return _object(
        "How costs are billed: list prices, or with a plan's free allowances taken off. The "
        "paper always uses list prices.",
        {
            "plan": _optional(_choice(PLANS, "The Cloudflare plan.", default=Billing().plan)),
            "apply_allowances": _optional(
                _boolean(
                    "Take the plan's free allowances off the list-priced usage.",
                    default=Billing().apply_allowances,
                )
            ),
        },
    )


def _pricing() -> dict[str, Any]:
    """Returns the schema of ``pricing``: token prices that replace paperkit's price data."""
    price = _object(
        "The model's token prices in USD, with where they come from.",
        {
            "input_per_mtok": _number("USD per million input tokens.", minimum=0),
            "output_per_mtok": _number(
                "USD per million output tokens; with 0 the calls need no output_tokens.",
                minimum=0,
            ),
            "source": _text("Where the prices come from (a URL or a document)."),
        },
        required=("input_per_mtok", "output_per_mtok", "source"),
    )
    models = {
        "description": "Model name, exactly as in the logs' model field (quote it), to its prices.",
        "type": "object",
        "additionalProperties": price,
    }
    return _object("Your own token prices for the models listed.", {"models": _optional(models)})


def _experiments() -> dict[str, Any]:
    """Returns the schema of ``experiments``: experiment names (folder names) to entries."""
    return {
        "description": (
            "One entry per experiment. The key is also the name of the experiment's folder "
            "under root."
        ),
        "type": "object",
        "propertyNames": {
            "description": "Letters, digits, '-', '_' and '.', and not only dots.",
            "type": "string",
            "pattern": _EXPERIMENT_NAME,
        },
        "additionalProperties": _experiment(),
    }


def _experiment() -> dict[str, Any]:
    """Returns the schema of one experiment; every key is optional and it may be empty."""
    unit_default = Unit()
    highlight = _object(
        "Something that went well.",
        {"title": _string("A short title."), "text": _string("What went well.")},
        required=("title", "text"),
    )
    return _optional(
        _object(
            "One experiment's statement. Every key is optional; an empty entry is valid.",
            {
                "number": _optional(_integer('The experiment\'s number, as in "Experiment 7".')),
                "title": _optional(_string("The paper's title.")),
                "problem": _optional(_string("The problem the experiment addresses.")),
                "hypothesis": _optional(_string("What the experiment set out to show.")),
                "why_it_matters": _optional(_string("Why the answer matters.")),
                "unit": _optional(
                    _object(
                        'What "per 1,000" counts.',
                        {
                            "name": _optional(
                                _text(
                                    'The word for one unit: "cost per 1,000 documents".',
                                    default=unit_default.name,
                                )
                            ),
                            "count": _optional(
                                _choice(
                                    UNIT_COUNTS,
                                    "The metric that counts units.",
                                    default=unit_default.count,
                                )
                            ),
                        },
                    )
                ),
                "criteria": _optional(_list(_criterion(), "The success criteria.")),
                "comparison": _optional(_comparison()),
                "did_well": _optional(_list(highlight, "Things that went well.")),
                "when_to_use": _optional(
                    _list(_string("A situation."), "Situations where this approach fits.")
                ),
                "when_not_to_use": _optional(
                    _list(_string("A situation."), "Situations where it does not.")
                ),
                "doesnt_prove": _optional(
                    _list(_string("A claim."), "What the results do not show.")
                ),
                "key_learning": _optional(_string("The one lesson to take away.")),
                "next_experiment": _optional(_string("What to try next.")),
                "start": _optional(
                    _moment(
                        "Leave out log records before this: a date (the whole day, in the "
                        "spec's time zone) or a date and time such as 2025-01-14T09:00:00Z."
                    )
                ),
                "end": _optional(
                    _moment(
                        "Leave out log records after this: a date (the whole day is kept) or "
                        "a date and time. Must not be before start."
                    )
                ),
                "outcome": _optional(
                    _object(
                        "The outcome the authors declare; the paper shows it beside the one "
                        "computed from the verdicts, and warns when they differ.",
                        {
                            "verdict": _choice(OUTCOMES, "The declared outcome."),
                            "reason": _optional(_string("Why the authors declare it.")),
                        },
                        required=("verdict",),
                    )
                ),
                "charts": _optional(
                    _boolean(
                        "false leaves the charts of cost, volume, latency and workflows per "
                        "day out of the paper.",
                        default=True,
                    )
                ),
            },
        )
    )


def _criterion() -> dict[str, Any]:
    """Returns the schema of one criterion: measured (metric/op/target) or manual."""
    schema = _object(
        "A success criterion: measured (metric, op, target) or manual (manual: true, with a "
        "verdict and evidence).",
        {
            "text": _text("The criterion as the paper states it."),
            "metric": _optional(
                _choice(METRIC_NAMES, "The metric compared with target (paperkit docs metrics).")
            ),
            "op": _optional(_choice(OPS, "How the metric is compared with target.", default=">=")),
            "target": _optional(_number("The value the metric is compared with.")),
            "manual": _optional(
                _boolean("true for a criterion the logs cannot decide.", default=False)
            ),
            "verdict": _optional(_choice(VERDICTS, "A manual criterion's verdict.")),
            "evidence": _optional(_string("What a manual verdict rests on.")),
            "where": _optional(_scope()),
            "confidence": _optional(
                _confidence("This criterion's confidence level; default: the spec's.")
            ),
            "min_n": _optional(
                _integer(
                    "The fewest records a rate, mean or percentile is judged on; below it "
                    "the verdict is inconclusive.",
                    minimum=1,
                    default=DEFAULT_MIN_N,
                )
            ),
            "interval": _optional(
                _boolean("false judges the point value alone, without its interval.", default=True)
            ),
        },
        required=("text",),
    )
    schema["if"] = {"required": ["manual"], "properties": {"manual": {"const": True}}}
    schema["then"] = {"properties": dict.fromkeys(_MEASURED_ONLY, _NULL)}
    schema["else"] = {
        "required": ["metric", "target"],
        "properties": {
            "metric": {"type": "string"},
            "target": {"type": "number"},
            **dict.fromkeys(_MANUAL_ONLY, _NULL),
        },
    }
    # Each where key applies to some families of metrics only (where.operation to ai.* ones).
    schema["allOf"] = [
        {
            "if": {
                "required": ["where"],
                "properties": {"where": {"type": "object", **_set(key)}},
            },
            "then": {
                "properties": {
                    "metric": {"pattern": "^(" + "|".join(map(re.escape, families)) + ")"}
                }
            },
        }
        for key, families in SCOPES.items()
    ]
    return schema


_RATER_NOTE = (
    " human or llm name a kind of rater, any other value one rater's id; without it, quality"
    " metrics count human raters only."
)


def _scope() -> dict[str, Any]:
    """Returns the schema of ``where``: the records a criterion is measured on."""
    names = {
        "anyOf": [
            _text("One value."),
            {**_list(_text("One value."), "Any of these values."), "minItems": 1},
        ]
    }
    properties = {
        key: _optional(
            {
                "description": f"Only records with this {key} (or any of a list); applies to "
                f"{' and '.join(family + '*' for family in families)} metrics."
                + (_RATER_NOTE if key == "rater" else ""),
                **names,
            }
        )
        for key, families in SCOPES.items()
    }
    schema = _object("Measure the metric on some records only.", properties)
    schema["anyOf"] = [_set(key) for key in SCOPES]
    return schema


def _comparison() -> dict[str, Any]:
    """Returns the schema of ``comparison``: the stack the experiment would otherwise use."""
    row = _object(
        "An extra row of the comparison table.",
        {
            "label": _string("What the row compares."),
            "ours": _string("This experiment's value."),
            "theirs": _string("The other stack's value."),
        },
        required=("label", "ours", "theirs"),
    )
    reprice = {
        "description": (
            "Our model (as in the logs) to 'provider:model' of genai-prices, such as "
            "'openai:gpt-4o-mini': our own tokens priced on their model."
        ),
        "type": "object",
        "additionalProperties": {"type": "string", "pattern": "^[^:]+:[\\s\\S]+$"},
    }
    return _object(
        "The stack you would otherwise use, from figures entered by hand.",
        {
            "name": _text("The other stack, such as OpenAI + AWS."),
            "source": _optional(_string("Where the figures come from.")),
            "cost_per_1k_units_usd": _optional(
                _number("The other stack's USD per 1,000 units.", minimum=0)
            ),
            "latency_s": _optional(_number("The other stack's latency in seconds.", minimum=0)),
            "latency_metric": _optional(
                _choice(
                    LATENCY_METRICS,
                    "Our metric compared with latency_s (ms values are turned into seconds).",
                    default=Comparison(name="").latency_metric,
                )
            ),
            "unit": _optional(
                _text("The unit the other stack's cost counts, if not the experiment's own.")
            ),
            "reprice": _optional(reprice),
            "rows": _optional(_list(row, "Extra rows for the comparison table.")),
            "baseline": _optional(
                _text(
                    "The other stack's model as quality.jsonl names it as a baseline, such as "
                    "openai:gpt-4o: the comparison table gains a quality row."
                )
            ),
        },
        required=("name",),
    )


# --- building blocks ----------------------------------------------------------------------


def _object(
    description: str, properties: dict[str, Any], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Returns a closed mapping: spec.py rejects every key it does not know."""
    schema: dict[str, Any] = {
        "description": description,
        "type": "object",
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    schema["properties"] = properties
    return schema


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    """Returns ``schema`` that also allows null: an optional key set to null counts as absent."""
    schema = dict(schema)
    if "anyOf" in schema:
        schema["anyOf"] = [*schema["anyOf"], _NULL]
        return schema
    schema["type"] = [schema["type"], "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _set(key: str) -> dict[str, Any]:
    """Returns a schema matching a mapping where ``key`` is present and not null."""
    return {"required": [key], "properties": {key: {"not": _NULL}}}


def _with_default(schema: dict[str, Any], default: Any) -> dict[str, Any]:
    """Returns ``schema`` with its default, which editors show and offer to fill in."""
    if default is not None:
        schema["default"] = default
    return schema


def _string(description: str) -> dict[str, Any]:
    """Returns a text value that may be empty."""
    return {"description": description, "type": "string"}


def _text(description: str, default: str | None = None) -> dict[str, Any]:
    """Returns a text value with at least one character that is not a space."""
    schema = {"description": description, "type": "string", "pattern": "\\S"}
    return _with_default(schema, default)


def _number(
    description: str,
    minimum: float | None = None,
    default: float | None = None,
    maximum: float | None = None,
) -> dict[str, Any]:
    """Returns a number (whole or not; never text or true/false), optionally bounded."""
    schema: dict[str, Any] = {"description": description, "type": "number"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return _with_default(schema, default)


def _confidence(description: str, default: float | None = None) -> dict[str, Any]:
    """Returns a confidence level: a fraction strictly between 0 and 1."""
    schema = {
        "description": description,
        "type": "number",
        "exclusiveMinimum": 0,
        "exclusiveMaximum": 1,
    }
    return _with_default(schema, default)


def _integer(
    description: str, minimum: int | None = None, default: int | None = None
) -> dict[str, Any]:
    """Returns a whole number, optionally bounded below."""
    schema: dict[str, Any] = {"description": description, "type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    return _with_default(schema, default)


def _boolean(description: str, default: bool | None = None) -> dict[str, Any]:
    """Returns true or false."""
    return _with_default({"description": description, "type": "boolean"}, default)


def _choice(
    choices: tuple[str, ...], description: str, default: str | None = None
) -> dict[str, Any]:
    """Returns a text value that must be one of ``choices``, in spec.py's order."""
    schema = {"description": description, "type": "string", "enum": list(choices)}
    return _with_default(schema, default)


def _moment(description: str) -> dict[str, Any]:
    """Returns a date (2025-01-14) or an ISO date and time, as text (YAML 1.2 reads it so)."""
    return {"description": description, "type": "string", "pattern": _MOMENT}


def _list(item: dict[str, Any], description: str) -> dict[str, Any]:
    """Returns a list whose items all match ``item``."""
    return {"description": description, "type": "array", "items": item}
