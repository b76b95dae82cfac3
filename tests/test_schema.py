"""The JSON Schema of experiments.yaml agrees with spec.py, and the committed copy is current."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from test_spec import ERRORS, FULL

from paperkit.errors import PaperkitError
from paperkit.spec.load import load_spec
from paperkit.spec.schema import schema_text, spec_schema

REPO = Path(__file__).resolve().parent.parent
VALIDATOR = jsonschema.Draft202012Validator(spec_schema())


class _Yaml12ishLoader(yaml.SafeLoader):
    """Reads YAML as an editor's YAML 1.2 language server does, and as spec.py reads values.

    Unquoted dates stay text (YAML 1.1 would make them ``datetime.date``, which JSON lacks),
    and an unquoted ``1e-3`` is a number, not the text PyYAML's YAML 1.1 makes of it.
    """


_Yaml12ishLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith(":timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12ishLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def parse(text: str) -> Any:
    """Returns the YAML document as the schema sees it (see ``_Yaml12ishLoader``)."""
    return yaml.load(text, Loader=_Yaml12ishLoader)  # noqa: S506 - a SafeLoader subclass


def schema_errors(text: str) -> list[str]:
    """Returns the schema's complaints about the YAML ``text`` (empty when it is valid)."""
    return [error.message for error in VALIDATOR.iter_errors(parse(text))]


def spec_error(tmp_path: Path, text: str | bytes) -> str | None:
    """Returns spec.py's error for ``text``, or None when load_spec accepts it."""
    path = tmp_path / "experiments.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    try:
        load_spec(path)
    except PaperkitError as e:
        return str(e)
    return None


def test_committed_schema_is_current() -> None:
    committed = (REPO / "docs" / "experiments.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "run: paperkit schema > docs/experiments.schema.json"


def test_schema_text_is_deterministic_json() -> None:
    assert schema_text() == schema_text()
    assert schema_text().endswith("}\n")
    assert schema_text().startswith('{\n  "$schema": "https://json-schema.org/draft/2020-12/')


@pytest.mark.parametrize(
    "meta", [jsonschema.Draft202012Validator, jsonschema.Draft7Validator], ids=["2020-12", "7"]
)
def test_schema_is_a_valid_schema_in_2020_12_and_in_draft_7_that_editors_use(meta: Any) -> None:
    meta.check_schema(spec_schema())
    # Only keywords both drafts read alike, so a draft-07 editor checks exactly what we do.
    assert "$ref" not in schema_text()
    assert "$defs" not in schema_text()


def test_the_repos_own_spec_is_valid() -> None:
    text = (REPO / "experiments.yaml").read_text(encoding="utf-8")
    assert schema_errors(text) == []


def _spec_fixtures() -> list[str | bytes]:
    """Returns every string and bytes literal of tests/test_spec.py: its specs, and more."""
    tree = ast.parse((REPO / "tests" / "test_spec.py").read_text(encoding="utf-8"))
    return [
        textwrap.dedent(node.value) if isinstance(node.value, str) else node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)
    ]


def test_every_fixture_spec_that_spec_py_accepts_is_valid(tmp_path: Path) -> None:
    accepted = [text for text in _spec_fixtures() if spec_error(tmp_path, text) is None]
    assert len(accepted) >= 5, "expected test_spec.py's FULL, defaults, nulls and more"
    assert FULL in accepted
    for text in accepted:
        document = text.decode("utf-8-sig") if isinstance(text, bytes) else text
        assert schema_errors(document) == [], document


# What no JSON Schema can say: a YAML mapping with the same key twice loads as one, the list
# of IANA time zones depends on the machine's time zone data, and JSON has no NaN or infinity
# (YAML's .nan and .inf) for a schema to name.
_BEYOND_A_SCHEMA = ("duplicate key", "unknown timezone", "got .nan", "got .inf", "got -.inf")


@pytest.mark.parametrize(("text", "expected"), ERRORS.values(), ids=ERRORS.keys())
def test_every_spec_error_of_test_spec_py_is_a_schema_error_too(text: str, expected: str) -> None:
    try:
        document = parse(text)
    except yaml.YAMLError:
        return  # a YAML syntax error: no document for a schema to judge
    valid = VALIDATOR.is_valid(document)
    if any(reason in expected for reason in _BEYOND_A_SCHEMA):
        assert valid
    else:
        assert not valid, f"the schema accepts what spec.py rejects with: {expected}"


# Each case: a spec that spec.py rejects, with the start of its message after "experiments.yaml:".
REJECTED = {
    "unknown criterion key": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.calls, target: 1, colour: red}\n",
        "5: experiments.x.criteria[0].colour: unknown key",
    ),
    "bad op": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.calls, op: '!=', target: 1}\n",
        "5: experiments.x.criteria[0].op: unknown op '!='",
    ),
    "bad metric": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.sucess_rate, target: 0.9}\n",
        "5: experiments.x.criteria[0].metric: unknown metric 'ai.sucess_rate'",
    ),
    "confidence 95": ("version: 1\nconfidence: 95\n", "2: confidence: must be a fraction"),
    "confidence 1": ("version: 1\nconfidence: 1\n", "2: confidence: must be a fraction"),
    "confidence 0 on a criterion": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.success_rate, target: 0.9, confidence: 0}\n",
        "5: experiments.x.criteria[0].confidence: must be a fraction",
    ),
    "min_n 0": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.success_rate, target: 0.9, min_n: 0}\n",
        "5: experiments.x.criteria[0].min_n: must be 1 or more, got 0",
    ),
    "min_n 2.5": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.success_rate, target: 0.9, min_n: 2.5}\n",
        "5: experiments.x.criteria[0].min_n: expected a whole number, got 2.5",
    ),
    "negative reconcile_tolerance": (
        "version: 1\nreconcile_tolerance: -0.1\n",
        "2: reconcile_tolerance: must not be negative",
    ),
    "unknown plan": (
        "version: 1\nbilling: {plan: enterprise}\n",
        "2: billing.plan: unknown plan 'enterprise'",
    ),
    "apply_allowances as text": (
        "version: 1\nbilling: {apply_allowances: 'yes'}\n",
        "2: billing.apply_allowances: expected true or false",
    ),
    "where on the wrong family": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: workflows.success_rate, target: 0.9, where: {model: m}}\n",
        "5: experiments.x.criteria[0].where: where.model applies to ai.* metrics only",
    ),
    "workflow_name on an ai metric": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.calls, target: 1, where: {workflow_name: w}}\n",
        "5: experiments.x.criteria[0].where: where.workflow_name applies to workflows.*",
    ),
    "empty where": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.calls, target: 1, where: {model: ~}}\n",
        "5: experiments.x.criteria[0].where: an empty where matches everything",
    ),
    "where with an empty list": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.calls, target: 1, where: {model: []}}\n",
        "5: experiments.x.criteria[0].where.model: an empty list matches nothing",
    ),
    "unknown where key": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.calls, target: 1, where: {region: eu}}\n",
        "5: experiments.x.criteria[0].where.region: unknown key",
    ),
    "manual with where": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, manual: true, where: {model: m}}\n",
        "5: experiments.x.criteria[0].where: not allowed with manual: true",
    ),
    "measured with evidence": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.calls, target: 1, evidence: logs}\n",
        "5: experiments.x.criteria[0].evidence: only allowed with manual: true",
    ),
    "measured with a null metric": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n      - {text: Ok, metric: ~, target: 1}\n",
        "5: experiments.x.criteria[0]: missing required key 'metric'",
    ),
    "interval as text": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.success_rate, target: 0.9, interval: 'no'}\n",
        "5: experiments.x.criteria[0].interval: expected true or false",
    ),
    "start is not a date": (
        "version: 1\nexperiments:\n  x: {start: last tuesday}\n",
        "3: experiments.x.start: expected a date",
    ),
    "end is a number": (
        "version: 1\nexperiments:\n  x: {end: 2025}\n",
        "3: experiments.x.end: expected a date",
    ),
    "reprice without a provider": (
        "version: 1\nexperiments:\n  x:\n    comparison: {name: AWS, reprice: {m: gpt-4o}}\n",
        "4: experiments.x.comparison.reprice.m: expected 'provider:model'",
    ),
    "unknown declared outcome": (
        "version: 1\nexperiments:\n  x:\n    outcome: {verdict: Proven}\n",
        "4: experiments.x.outcome.verdict: unknown outcome 'Proven'",
    ),
    "outcome without verdict": (
        "version: 1\nexperiments:\n  x:\n    outcome: {reason: because}\n",
        "4: experiments.x.outcome: missing required key 'verdict'",
    ),
    "empty unit name": (
        "version: 1\nexperiments:\n  x:\n    unit: {name: ' '}\n",
        "4: experiments.x.unit.name: must not be empty",
    ),
    "experiment name of dots": (
        "version: 1\nexperiments:\n  ...: {}\n",
        "3: experiments: invalid experiment name '...'",
    ),
}


@pytest.mark.parametrize(("text", "expected"), REJECTED.values(), ids=REJECTED.keys())
def test_specs_spec_py_rejects_are_rejected_by_the_schema(
    tmp_path: Path, text: str, expected: str
) -> None:
    error = spec_error(tmp_path, text)
    assert error is not None and error.startswith(f"{tmp_path / 'experiments.yaml'}:{expected}")
    assert schema_errors(text) != []


EVERY_KEY = """\
version: 1
root: runs
timezone: Europe/London
confidence: 0.9
reconcile_tolerance: 0
billing: {plan: free, apply_allowances: true}
pricing:
  models:
    "@cf/x/free-model": {input_per_mtok: 0, output_per_mtok: 0, source: own test}
experiments:
  every-key:
    number: -1
    title: ""
    problem: p
    hypothesis: h
    why_it_matters: w
    unit: {name: page, count: ai.calls}
    criteria:
      - text: Fast 8b summaries
        metric: ai.latency_ms.p95
        op: "<"
        target: 2000
        where: {model: ["@cf/a", "@cf/b"], operation: summarization}
        confidence: 0.99
        min_n: 1
        interval: false
      - {text: Workflows ok, metric: workflows.success_rate, target: 1e-3,
         where: {workflow_name: main}}
      - {text: Judged, manual: true, verdict: pass, evidence: read 20 outputs, metric: ~}
      - {text: Not judged yet, manual: false, metric: days, target: 1, verdict: ~}
    comparison:
      name: OpenAI + AWS
      source: price pages
      cost_per_1k_units_usd: 0
      latency_s: 2.5
      latency_metric: ai.latency_ms.p99
      unit: page
      reprice: {"@cf/a": "openai:gpt-4o-mini"}
      rows: [{label: Setup, ours: "", theirs: Hard}]
    did_well: [{title: T, text: X}]
    when_to_use: [a]
    when_not_to_use: []
    doesnt_prove: [b]
    key_learning: k
    next_experiment: n
    start: 2025-01-14
    end: 2025-01-20T18:30:00+01:00
    outcome: {verdict: Validated with caveats, reason: ~}
  empty: {}
  nothing:
"""


def test_a_spec_using_every_key_is_valid_for_both(tmp_path: Path) -> None:
    assert spec_error(tmp_path, EVERY_KEY) is None
    assert schema_errors(EVERY_KEY) == []


def _properties(*path: str) -> list[str]:
    """Returns the keys the schema allows at ``path`` (mapping keys; "*" for any entry)."""
    node = spec_schema()
    for step in path:
        if step == "*":
            node = node["additionalProperties"] if "additionalProperties" in node else node
            node = node.get("items", node)
        else:
            node = node["properties"][step]
            node = node.get("items", node)
    return list(node["properties"])


# Each case: where in the schema, and a spec with an unknown key there. spec.py's message for a
# key that resembles none lists every key it accepts there, in its own order.
KEY_LISTS = {
    "top level": ((), "qqqqqqqq: 1"),
    "billing": (("billing",), "billing: {qqqqqqqq: 1}"),
    "pricing": (("pricing",), "pricing: {qqqqqqqq: 1}"),
    "a price": (("pricing", "models", "*"), "pricing: {models: {m: {qqqqqqqq: 1}}}"),
    "an experiment": (("experiments", "*"), "experiments: {x: {qqqqqqqq: 1}}"),
    "unit": (("experiments", "*", "unit"), "experiments: {x: {unit: {qqqqqqqq: 1}}}"),
    "a criterion": (
        ("experiments", "*", "criteria"),
        "experiments: {x: {criteria: [{qqqqqqqq: 1}]}}",
    ),
    "where": (
        ("experiments", "*", "criteria", "where"),
        "experiments: {x: {criteria: [{text: t, metric: ai.calls, target: 1,"
        " where: {qqqqqqqq: 1}}]}}",
    ),
    "comparison": (
        ("experiments", "*", "comparison"),
        "experiments: {x: {comparison: {qqqqqqqq: 1}}}",
    ),
    "a comparison row": (
        ("experiments", "*", "comparison", "rows"),
        "experiments: {x: {comparison: {name: n, rows: [{qqqqqqqq: 1}]}}}",
    ),
    "a highlight": (
        ("experiments", "*", "did_well"),
        "experiments: {x: {did_well: [{qqqqqqqq: 1}]}}",
    ),
    "outcome": (("experiments", "*", "outcome"), "experiments: {x: {outcome: {qqqqqqqq: 1}}}"),
}


@pytest.mark.parametrize(("path", "text"), KEY_LISTS.values(), ids=KEY_LISTS.keys())
def test_the_schema_knows_exactly_the_keys_spec_py_knows(
    tmp_path: Path, path: tuple[str, ...], text: str
) -> None:
    error = spec_error(tmp_path, f"version: 1\n{text}\n")
    assert error is not None and "unknown key; expected one of " in error
    accepted = re.findall(r"'([^']*)'", error.split("expected one of ", 1)[1])
    assert _properties(*path) == accepted
    assert VALIDATOR.is_valid(parse(f"version: 1\n{text}\n")) is False


# Dates and times spec.py reads, and what it does not; the schema agrees on each.
MOMENTS = {
    "2025-01-14": True,
    "2025-01-14T09:00": True,
    "2025-01-14T09:00:00Z": True,
    "2025-01-14 09:00:00+01:00": True,
    "2025-01-14T09:00:00.123456-05:00": True,
    "2025-01-14T09": True,
    "2025-1-14": False,
    "14/01/2025": False,
    "2025-13-01": False,
    "2025-01-14T24:00": False,
    "2025-01-14T9:00": False,
    "2025": False,
    "yesterday": False,
}


@pytest.mark.parametrize(("moment", "valid"), MOMENTS.items(), ids=MOMENTS.keys())
def test_start_and_end_read_the_same_dates_as_spec_py(
    tmp_path: Path, moment: str, valid: bool
) -> None:
    text = f'version: 1\nexperiments:\n  x: {{start: "{moment}"}}\n'
    assert (spec_error(tmp_path, text) is None) is valid
    assert VALIDATOR.is_valid(parse(text)) is valid
