"""experiments.yaml → Spec: the full format, defaults, paths, and every error message exactly."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from paperkit.errors import PaperkitError
from paperkit.spec.load import (
    Comparison,
    ComparisonRow,
    Criterion,
    Experiment,
    Highlight,
    ModelPrice,
    Spec,
    Unit,
    load_spec,
    placeholder_experiment,
)

# Line numbers matter: the expected Criterion/Experiment/ModelPrice lines are counted by hand.
FULL = """\
version: 1
root: logs/experiments
timezone: Europe/London
pricing:
  models:
    "@cf/meta/llama-3.1-70b-instruct":
      input_per_mtok: 0.293
      output_per_mtok: 2.253
      source: https://developers.cloudflare.com/workers-ai/platform/pricing/
experiments:
  ai-content-pipeline:
    number: 7
    title: Building AI Content Pipeline with Worker AI + Workflows
    problem: Content teams glue four services together.
    hypothesis: One platform is cheaper and simpler.
    why_it_matters: Fewer moving parts.
    unit: {name: document, count: workflows.executions}
    criteria:
      - text: "99%+ workflow success rate"
        metric: workflows.success_rate
        op: ">="
        target: 0.99
      - text: Accuracy comparable to GPT-4o
        manual: true
        verdict: inconclusive
        evidence: Spot checks of 20 documents.
      - {text: Under 5 s per document, metric: workflows.duration_s.p95, op: "<", target: 5}
    comparison:
      name: OpenAI + AWS
      source: OpenAI pricing page, 2025-01
      cost_per_1k_units_usd: 8.20
      latency_s: 2.1
      latency_metric: workflows.duration_s.mean
      rows:
        - {label: Setup complexity, ours: Low (one platform), theirs: High (API + Lambda)}
    did_well: [{title: Retries, text: Steps retried on their own.}]
    when_to_use: [Batch jobs]
    when_not_to_use: [Sub-second chat]
    doesnt_prove: [Quality at scale]
    key_learning: Workflows make retries free.
    next_experiment: Try Vectorize.
  second.try_2:
    criteria:
      - {text: Some calls, metric: ai.calls, target: 1}
"""


def write(folder: Path, text: str, name: str = "experiments.yaml") -> Path:
    """Writes ``text`` (dedented) to ``folder/name``; returns the path."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path: Path | str) -> str:
    """Returns the message of the PaperkitError that loading ``path`` raises."""
    with pytest.raises(PaperkitError) as err:
        load_spec(path)
    return str(err.value)


def test_full_spec_becomes_the_expected_dataclasses(tmp_path: Path) -> None:
    spec = write(tmp_path, FULL)
    assert load_spec(spec) == Spec(
        path=spec,
        version=1,
        root=tmp_path / "logs" / "experiments",
        timezone="Europe/London",
        pricing=(
            ModelPrice(
                model="@cf/meta/llama-3.1-70b-instruct",
                input_per_mtok=0.293,
                output_per_mtok=2.253,
                source="https://developers.cloudflare.com/workers-ai/platform/pricing/",
                line=6,
            ),
        ),
        experiments=(
            Experiment(
                name="ai-content-pipeline",
                number=7,
                title="Building AI Content Pipeline with Worker AI + Workflows",
                problem="Content teams glue four services together.",
                hypothesis="One platform is cheaper and simpler.",
                why_it_matters="Fewer moving parts.",
                unit=Unit(name="document", count="workflows.executions"),
                criteria=(
                    Criterion(
                        text="99%+ workflow success rate",
                        metric="workflows.success_rate",
                        op=">=",
                        target=0.99,
                        line=19,
                    ),
                    Criterion(
                        text="Accuracy comparable to GPT-4o",
                        manual=True,
                        verdict="inconclusive",
                        evidence="Spot checks of 20 documents.",
                        line=23,
                    ),
                    Criterion(
                        text="Under 5 s per document",
                        metric="workflows.duration_s.p95",
                        op="<",
                        target=5.0,
                        line=27,
                    ),
                ),
                comparison=Comparison(
                    name="OpenAI + AWS",
                    source="OpenAI pricing page, 2025-01",
                    cost_per_1k_units_usd=8.20,
                    latency_s=2.1,
                    latency_metric="workflows.duration_s.mean",
                    line=29,
                    rows=(
                        ComparisonRow(
                            label="Setup complexity",
                            ours="Low (one platform)",
                            theirs="High (API + Lambda)",
                        ),
                    ),
                ),
                did_well=(Highlight(title="Retries", text="Steps retried on their own."),),
                when_to_use=("Batch jobs",),
                when_not_to_use=("Sub-second chat",),
                doesnt_prove=("Quality at scale",),
                key_learning="Workflows make retries free.",
                next_experiment="Try Vectorize.",
                line=11,
            ),
            Experiment(
                name="second.try_2",
                criteria=(
                    Criterion(text="Some calls", metric="ai.calls", op=">=", target=1.0, line=44),
                ),
                line=42,
            ),
        ),
    )


def test_lookups_on_the_loaded_spec(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, FULL))
    assert spec.experiment("second.try_2").line == 42
    assert spec.experiment("missing") is None
    assert spec.price_override("@cf/meta/llama-3.1-70b-instruct").input_per_mtok == 0.293


def test_defaults(tmp_path: Path) -> None:
    spec = write(tmp_path, "version: 1\n")
    assert load_spec(spec) == Spec(
        path=spec,
        version=1,
        root=tmp_path / ".claude" / "experiments",
        timezone="UTC",
        pricing=(),
        experiments=(),
    )


def test_null_optional_values_count_as_absent(tmp_path: Path) -> None:
    text = """\
        version: 1
        pricing:
        experiments:
          bare:
          x:
            title:
            unit:
            criteria:
              - {text: Done, manual: true, verdict: ~}
        """
    spec = load_spec(write(tmp_path, text))
    assert spec.pricing == ()
    assert spec.experiments == (
        Experiment(name="bare", line=4),
        Experiment(name="x", criteria=(Criterion(text="Done", manual=True, line=9),), line=5),
    )


def test_unquoted_exponent_is_a_number(tmp_path: Path) -> None:
    # PyYAML alone would read 1e-3 as the string '1e-3'.
    text = """\
        version: 1
        experiments:
          x:
            criteria:
              - {text: Cheap, metric: cost.per_unit_usd, op: "<=", target: 1e-3}
        """
    criterion = load_spec(write(tmp_path, text)).experiments[0].criteria[0]
    assert criterion.target == 0.001


def test_relative_root_resolves_against_the_spec_folder_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "project", "version: 1\nroot: runs\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    spec = load_spec(Path("../project/experiments.yaml"))
    assert spec.path == elsewhere / "../project/experiments.yaml"
    assert spec.root == elsewhere / "../project/runs"


def test_absolute_root_is_kept(tmp_path: Path) -> None:
    spec = write(tmp_path, f"version: 1\nroot: {tmp_path / 'abs'}\n")
    assert load_spec(spec).root == tmp_path / "abs"


def test_errors_keep_the_path_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "version: 1\nexperiments:\n  x: {titel: Hi}\n")
    monkeypatch.chdir(tmp_path)
    assert error_of(Path("experiments.yaml")) == (
        "experiments.yaml:3: experiments.x.titel: unknown key; did you mean 'title'?"
    )


def test_missing_file(tmp_path: Path) -> None:
    spec = tmp_path / "experiments.yaml"
    assert error_of(spec) == f"{spec}: no such file; create it or pass --spec PATH"


def test_bom_and_crlf(tmp_path: Path) -> None:
    spec = tmp_path / "experiments.yaml"
    spec.write_bytes(b"\xef\xbb\xbfversion: 1\r\nexperiments:\r\n  x:\r\n    title: Hi\r\n")
    assert load_spec(spec).experiments == (Experiment(name="x", title="Hi", line=3),)
    spec.write_bytes(b"\xef\xbb\xbfversion: 1\r\nexperiments:\r\n  x:\r\n    titel: Hi\r\n")
    assert error_of(spec) == f"{spec}:4: experiments.x.titel: unknown key; did you mean 'title'?"


def test_not_utf8(tmp_path: Path) -> None:
    spec = tmp_path / "experiments.yaml"
    spec.write_bytes(b"version: 1\nexperiments:\n  x: {title: caf\xe9}\n")
    assert error_of(spec) == f"{spec}:3: not UTF-8 text"


def test_yaml_syntax_error_keeps_the_cause(tmp_path: Path) -> None:
    spec = write(tmp_path, "version: 1\nexperiments:\n  x: {title: a\n  y: 2\n")
    with pytest.raises(PaperkitError) as err:
        load_spec(spec)
    assert str(err.value) == (
        f"{spec}:4: YAML syntax error: expected ',' or '}}', but got ':'"
        " (while parsing a flow mapping that starts on line 3)"
    )
    assert err.value.line == 4
    assert err.value.__cause__ is not None


def test_placeholder_experiment() -> None:
    assert placeholder_experiment("stray") == Experiment(name="stray", declared=False)


# Each case: the spec text, then the expected "line: message" written out by hand.
ERRORS = {
    "empty file": ("", "1: the spec is empty; it needs at least 'version: 1'"),
    "top level is a list": ("- version: 1\n", "1: expected a mapping, got a list"),
    "missing version": ("root: x\n", "1: missing required key 'version'; add 'version: 1'"),
    "version 2": (
        "version: 2\n",
        "1: version: unsupported version 2; this paperkit reads version 1",
    ),
    "version as text": ('version: "1"\n', "1: version: expected a whole number, got '1'"),
    "unknown top-level key": (
        "version: 1\nexperiment: {}\n",
        "2: experiment: unknown key; did you mean 'experiments'?",
    ),
    "empty root": ('version: 1\nroot: ""\n', "2: root: must not be empty"),
    "timezone typo": (
        "version: 1\ntimezone: Europe/Londn\n",
        "2: timezone: unknown timezone 'Europe/Londn'; did you mean 'Europe/London'?",
    ),
    "timezone case": (
        "version: 1\ntimezone: utc\n",
        "2: timezone: unknown timezone 'utc'; did you mean 'UTC'?",
    ),
    "timezone unknown": (
        "version: 1\ntimezone: Nowhere/Atall\n",
        "2: timezone: unknown timezone 'Nowhere/Atall';"
        " use an IANA name such as UTC or Europe/London",
    ),
    "syntax error": (
        'version: 1\nexperiments:\n  x:\n    title: "unclosed\n',
        "4: a quote is not closed: end the value with the quote it starts with (YAML syntax"
        " error: found unexpected end of stream (while scanning a quoted scalar that starts on"
        " line 4))",
    ),
    "two documents": (
        "version: 1\n---\nversion: 1\n",
        "2: YAML syntax error: expected a single document in the stream,"
        " but found another document",
    ),
    "control character": (
        "version: 1\nexperiments:\n  x: {title: a\x07b}\n",
        "3: YAML syntax error: special characters are not allowed #x0007",
    ),
    "duplicate top-level key": (
        "version: 1\nroot: a\nroot: b\n",
        "3: root: duplicate key; the first is on line 2",
    ),
    "duplicate experiment": (
        "version: 1\nexperiments:\n  x: {}\n  y: {}\n  x: {}\n",
        "5: experiments.x: duplicate key; the first is on line 3",
    ),
    "duplicate field": (
        "version: 1\nexperiments:\n  x:\n    title: a\n    title: b\n",
        "5: experiments.x.title: duplicate key; the first is on line 4",
    ),
    "experiments is a list": (
        "version: 1\nexperiments:\n  - x\n",
        "3: experiments: expected a mapping, got a list",
    ),
    "experiment name with a space": (
        "version: 1\nexperiments:\n  my exp: {}\n",
        "3: experiments: invalid experiment name 'my exp'; use letters, digits, '-', '_' and '.'",
    ),
    "experiment name ..": (
        "version: 1\nexperiments:\n  ..: {}\n",
        "3: experiments: invalid experiment name '..'; use letters, digits, '-', '_' and '.'",
    ),
    "experiment name is a number": (
        "version: 1\nexperiments:\n  2024: {}\n",
        "3: experiments: expected a text key, got 2024; put it in quotes",
    ),
    "unknown experiment key": (
        "version: 1\nexperiments:\n  x:\n    titel: Hello\n",
        "4: experiments.x.titel: unknown key; did you mean 'title'?",
    ),
    "unknown key without a close match": (
        "version: 1\nexperiments:\n  x:\n    unit: {name: page, colour: red}\n",
        "4: experiments.x.unit.colour: unknown key; expected one of 'name', 'count'",
    ),
    "title is a number": (
        "version: 1\nexperiments:\n  x:\n    title: 2024\n",
        "4: experiments.x.title: expected a string, got 2024",
    ),
    "number is text": (
        "version: 1\nexperiments:\n  x:\n    number: seven\n",
        "4: experiments.x.number: expected a whole number, got 'seven'",
    ),
    "unit is text": (
        "version: 1\nexperiments:\n  x:\n    unit: document\n",
        "4: experiments.x.unit: expected a mapping, got 'document'",
    ),
    "unit count is not a count": (
        "version: 1\nexperiments:\n  x:\n    unit: {count: ai.success_rate}\n",
        "4: experiments.x.unit.count: unknown unit count 'ai.success_rate'; expected one of"
        " 'workflows.executions', 'workflows.succeeded', 'ai.calls', 'ai.succeeded'",
    ),
    "list is text": (
        "version: 1\nexperiments:\n  x:\n    when_to_use: Batch jobs\n",
        "4: experiments.x.when_to_use: expected a list, got 'Batch jobs'",
    ),
    "list item is a mapping": (
        "version: 1\nexperiments:\n  x:\n    doesnt_prove:\n      - ok\n      - {a: b}\n",
        "6: experiments.x.doesnt_prove[1]: expected a string, got a mapping",
    ),
    "highlight without text": (
        "version: 1\nexperiments:\n  x:\n    did_well:\n      - {title: Fast}\n",
        "5: experiments.x.did_well[0]: missing required key 'text'",
    ),
    "unknown metric": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - text: Reliable\n        metric: workflow.success_rate\n        target: 0.99\n",
        "6: experiments.x.criteria[0].metric: unknown metric 'workflow.success_rate';"
        " did you mean 'workflows.success_rate'?",
    ),
    "metric far from any name": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Nice, metric: vibes, target: 1}\n",
        "5: experiments.x.criteria[0].metric: unknown metric 'vibes';"
        " see paperkit docs metrics for the names",
    ),
    "target is text": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - text: Fast\n        metric: ai.latency_ms.p95\n        op: '<'\n"
        "        target: abc\n",
        "8: experiments.x.criteria[0].target: expected a number, got 'abc'",
    ),
    "target is quoted": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.success_rate, target: '0.99'}\n",
        "5: experiments.x.criteria[0].target: expected a number, got '0.99'",
    ),
    "target is a boolean": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.success_rate, target: true}\n",
        "5: experiments.x.criteria[0].target: expected a number, got true",
    ),
    "target is nan": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.success_rate, target: .nan}\n",
        "5: experiments.x.criteria[0].target: expected a number, got .nan",
    ),
    "unknown op": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: ai.calls, op: '=>', target: 1}\n",
        "5: experiments.x.criteria[0].op: unknown op '=>';"
        " expected one of '>=', '>', '<=', '<', '=='",
    ),
    "criterion without text": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n      - {metric: ai.calls, target: 1}\n",
        "5: experiments.x.criteria[0]: missing required key 'text'",
    ),
    "measured criterion without target": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n      - {text: Ok, metric: ai.calls}\n",
        "5: experiments.x.criteria[0]: missing required key 'target' (or write manual: true)",
    ),
    "measured criterion with a verdict": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - text: Ok\n        metric: ai.calls\n        target: 1\n        verdict: pass\n",
        "8: experiments.x.criteria[0].verdict: only allowed with manual: true",
    ),
    "manual criterion with a metric": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - text: Ok\n        manual: true\n        target: 1\n        metric: ai.calls\n",
        "7: experiments.x.criteria[0].target: not allowed with manual: true",
    ),
    "manual is not a boolean": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n      - {text: Ok, manual: yes please}\n",
        "5: experiments.x.criteria[0].manual: expected true or false, got 'yes please'",
    ),
    "unknown verdict": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, manual: true, verdict: passed}\n",
        "5: experiments.x.criteria[0].verdict: unknown verdict 'passed';"
        " expected one of 'pass', 'fail', 'inconclusive'",
    ),
    "comparison without name": (
        "version: 1\nexperiments:\n  x:\n    comparison:\n      latency_s: 2\n",
        "5: experiments.x.comparison: missing required key 'name'",
    ),
    "negative comparison cost": (
        "version: 1\nexperiments:\n  x:\n    comparison: {name: AWS, cost_per_1k_units_usd: -1}\n",
        "4: experiments.x.comparison.cost_per_1k_units_usd: must not be negative, got -1",
    ),
    "unknown latency metric": (
        "version: 1\nexperiments:\n  x:\n"
        "    comparison: {name: AWS, latency_metric: workflows.duration.mean}\n",
        "4: experiments.x.comparison.latency_metric: unknown latency metric "
        "'workflows.duration.mean'; did you mean 'workflows.duration_s.mean'?",
    ),
    "comparison row without theirs": (
        "version: 1\nexperiments:\n  x:\n    comparison:\n      name: AWS\n      rows:\n"
        "        - {label: Setup, ours: Low}\n",
        "7: experiments.x.comparison.rows[0]: missing required key 'theirs'",
    ),
    "price without a source": (
        "version: 1\npricing:\n  models:\n    m: {input_per_mtok: 1, output_per_mtok: 2}\n",
        "4: pricing.models.m: missing required key 'source'; every price needs a source",
    ),
    "price with an empty source": (
        "version: 1\npricing:\n  models:\n"
        "    m: {input_per_mtok: 1, output_per_mtok: 2, source: ''}\n",
        "4: pricing.models.m.source: must not be empty",
    ),
    "negative price": (
        "version: 1\npricing:\n  models:\n"
        "    m:\n      input_per_mtok: -0.5\n      output_per_mtok: 2\n      source: s\n",
        "5: pricing.models.m.input_per_mtok: must not be negative, got -0.5",
    ),
    "unknown pricing key": (
        "version: 1\npricing:\n  model: {}\n",
        "3: pricing.model: unknown key; did you mean 'models'?",
    ),
    "first error in file order": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: Ok, metric: nope, target: 1}\n    titel: later\n",
        "5: experiments.x.criteria[0].metric: unknown metric 'nope';"
        " see paperkit docs metrics for the names",
    ),
}


@pytest.mark.parametrize(("text", "expected"), ERRORS.values(), ids=ERRORS.keys())
def test_error_messages(tmp_path: Path, text: str, expected: str) -> None:
    spec = tmp_path / "experiments.yaml"
    spec.write_text(text, encoding="utf-8")
    assert error_of(spec) == f"{spec}:{expected}"


# --- the keys added for scopes, windows, outcomes, intervals and repricing ---------------------

# Line numbers matter: the expected lines below are counted by hand.
NEW_KEYS = """\
version: 1
confidence: 0.9
reconcile_tolerance: 0.1
billing: {plan: free, apply_allowances: true}
experiments:
  x:
    start: 2025-01-14
    end: 2025-01-20T18:00:00Z
    outcome: {verdict: Validated with caveats, reason: Spot checks}
    criteria:
      - text: Fast 8b
        metric: ai.latency_ms.p95
        op: "<"
        target: 2000
        where: {model: ["@cf/a", "@cf/b"], operation: summarize}
        confidence: 0.99
        min_n: 50
        interval: false
    comparison:
      name: OpenAI
      unit: page
      reprice: {"@cf/a": "openai:gpt-4o-mini"}
"""


def test_new_keys_become_the_expected_dataclasses(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from paperkit.spec.types import Billing, DeclaredOutcome, Reprice, Scope

    spec = load_spec(write(tmp_path, NEW_KEYS))
    assert (spec.confidence, spec.reconcile_tolerance) == (0.9, 0.1)
    assert spec.billing == Billing(plan="free", apply_allowances=True)
    (exp,) = spec.experiments
    assert exp.start == date(2025, 1, 14)
    assert exp.end == datetime(2025, 1, 20, 18, tzinfo=UTC)
    assert exp.outcome == DeclaredOutcome("Validated with caveats", "Spot checks", line=9)
    assert exp.criteria == (
        Criterion(
            text="Fast 8b",
            metric="ai.latency_ms.p95",
            op="<",
            target=2000.0,
            where=Scope(model=("@cf/a", "@cf/b"), operation=("summarize",), line=15),
            confidence=0.99,
            min_n=50,
            interval=False,
            line=11,
        ),
    )
    assert exp.comparison == Comparison(
        name="OpenAI",
        unit="page",
        reprice=(Reprice("@cf/a", "openai", "gpt-4o-mini", line=22),),
        line=20,
    )


def test_new_keys_have_their_defaults(tmp_path: Path) -> None:
    from paperkit.spec.types import Billing

    spec = load_spec(
        write(
            tmp_path,
            "version: 1\nexperiments:\n  x:\n    criteria:\n"
            "      - {text: T, metric: ai.calls, target: 1}\n",
        )
    )
    assert (spec.confidence, spec.reconcile_tolerance, spec.billing) == (0.95, 0.05, Billing())
    (exp,) = spec.experiments
    assert (exp.start, exp.end, exp.outcome) == (None, None, None)
    (criterion,) = exp.criteria
    assert (criterion.where, criterion.confidence, criterion.min_n, criterion.interval) == (
        None,
        None,
        30,
        True,
    )


CRITERION = (
    "version: 1\nexperiments:\n  x:\n    criteria:\n      - {text: T, metric: ai.calls, target: 1, "
)
EXPERIMENT = "version: 1\nexperiments:\n  x:\n    "

NEW_ERRORS = {
    "confidence as a percentage": (
        "version: 1\nconfidence: 95\n",
        "2: confidence: must be a fraction between 0 and 1 such as 0.95, got 95",
    ),
    "confidence of 1": (
        "version: 1\nconfidence: 1\n",
        "2: confidence: must be a fraction between 0 and 1 such as 0.95, got 1",
    ),
    "confidence as text": (
        'version: 1\nconfidence: "0.95"\n',
        "2: confidence: expected a number, got '0.95'",
    ),
    "criterion confidence of 0": (
        CRITERION + "confidence: 0}\n",
        "5: experiments.x.criteria[0].confidence: "
        "must be a fraction between 0 and 1 such as 0.95, got 0",
    ),
    "min_n of 0": (
        CRITERION + "min_n: 0}\n",
        "5: experiments.x.criteria[0].min_n: must be 1 or more, got 0",
    ),
    "min_n not whole": (
        CRITERION + "min_n: 2.5}\n",
        "5: experiments.x.criteria[0].min_n: expected a whole number, got 2.5",
    ),
    "interval not a boolean": (
        CRITERION + "interval: maybe}\n",
        "5: experiments.x.criteria[0].interval: expected true or false, got 'maybe'",
    ),
    "empty where": (
        CRITERION + "where: {}}\n",
        "5: experiments.x.criteria[0].where: an empty where matches everything; "
        "name one of model, operation, workflow_name, baseline, rater, rubric",
    ),
    "where with an empty list": (
        CRITERION + "where: {model: []}}\n",
        "5: experiments.x.criteria[0].where.model: an empty list matches nothing; "
        "name at least one",
    ),
    "where misspelt key": (
        CRITERION + "where: {modle: m}}\n",
        "5: experiments.x.criteria[0].where.modle: unknown key; did you mean 'model'?",
    ),
    "where as a list": (
        CRITERION + "where: [m]}\n",
        "5: experiments.x.criteria[0].where: expected a mapping, got a list",
    ),
    "where on a manual criterion": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: T, manual: true, where: {model: m}}\n",
        "5: experiments.x.criteria[0].where: not allowed with manual: true",
    ),
    "min_n on a manual criterion": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: T, manual: true, min_n: 5}\n",
        "5: experiments.x.criteria[0].min_n: not allowed with manual: true",
    ),
    "where.operation on a workflows metric": (
        "version: 1\nexperiments:\n  x:\n    criteria:\n"
        "      - {text: T, metric: workflows.executions, target: 1, where: {operation: o}}\n",
        "5: experiments.x.criteria[0].where: "
        "where.operation applies to ai.* metrics only, not to workflows.executions",
    ),
    "start as a word": (
        EXPERIMENT + "start: yesterday\n",
        "4: experiments.x.start: expected a date such as 2025-01-14 or a time such as "
        "2025-01-14T09:00:00Z, got 'yesterday'",
    ),
    "end on an impossible date": (
        EXPERIMENT + "end: 2025-02-30\n",
        "4: experiments.x.end: expected a date such as 2025-01-14 or a time such as "
        "2025-01-14T09:00:00Z, got '2025-02-30'",
    ),
    "end before start": (
        EXPERIMENT + "start: 2025-01-20\n    end: 2025-01-14\n",
        "5: experiments.x.end: is before start (the window would be empty)",
    ),
    "unknown outcome": (
        EXPERIMENT + "outcome: {verdict: Proven}\n",
        "4: experiments.x.outcome.verdict: unknown outcome 'Proven'; expected one of "
        "'Validated', 'Validated with caveats', 'Partially validated', 'Refuted', 'Inconclusive'",
    ),
    "outcome without a verdict": (
        EXPERIMENT + "outcome: {reason: it worked}\n",
        "4: experiments.x.outcome: missing required key 'verdict'",
    ),
    "reprice without a provider": (
        EXPERIMENT + 'comparison: {name: N, reprice: {"@cf/a": gpt-4o-mini}}\n',
        "4: experiments.x.comparison.reprice.@cf/a: expected 'provider:model' such as "
        "'openai:gpt-4o-mini', got 'gpt-4o-mini'",
    ),
    "reprice without a model": (
        EXPERIMENT + 'comparison:\n      name: N\n      reprice:\n        "@cf/a": "openai:"\n',
        "7: experiments.x.comparison.reprice.@cf/a: expected 'provider:model' such as "
        "'openai:gpt-4o-mini', got 'openai:'",
    ),
    "empty comparison unit": (
        EXPERIMENT + "comparison: {name: N, unit: ''}\n",
        "4: experiments.x.comparison.unit: must not be empty",
    ),
    "unknown billing plan": (
        "version: 1\nbilling: {plan: enterprise}\n",
        "2: billing.plan: unknown plan 'enterprise'; expected one of 'free', 'paid'",
    ),
    "misspelt billing key": (
        "version: 1\nbilling: {apply_allowance: true}\n",
        "2: billing.apply_allowance: unknown key; did you mean 'apply_allowances'?",
    ),
    "negative reconcile tolerance": (
        "version: 1\nreconcile_tolerance: -0.1\n",
        "2: reconcile_tolerance: must not be negative, got -0.1",
    ),
}


@pytest.mark.parametrize(("text", "expected"), NEW_ERRORS.values(), ids=NEW_ERRORS.keys())
def test_new_key_error_messages(tmp_path: Path, text: str, expected: str) -> None:
    spec = tmp_path / "experiments.yaml"
    spec.write_text(text, encoding="utf-8")
    assert error_of(spec) == f"{spec}:{expected}"
