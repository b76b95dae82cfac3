"""The pipeline from spec and logs to PAPER.md and results.json; the one writer of papers.

``render_experiment`` reads, computes and renders, returning text; ``plan_update`` merges it
into the existing PAPER.md (:mod:`paperkit.paper.update`); ``write_update`` writes atomically, so a
failed build leaves the previous paper untouched. ``build_each`` runs them per experiment.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from paperkit.atomic import write_atomic
from paperkit.errors import DataWarning, PaperkitError, shown
from paperkit.logs import window
from paperkit.logs.load import Logs, load_logs
from paperkit.measure import criteria, metrics, provenance
from paperkit.measure.evidence import check_scope, measure
from paperkit.measure.reconcile import reconcile
from paperkit.measure.reprice import reprice
from paperkit.paper import context as paper
from paperkit.paper import criteria as paper_criteria
from paperkit.paper.render import OVERRIDES, render
from paperkit.paper.results import results_json
from paperkit.paper.update import BACKUP_SUFFIX, Update, plan
from paperkit.prices import pricing
from paperkit.prices.rates import Rates, load_rates
from paperkit.spec.load import placeholder_experiment
from paperkit.spec.types import Criterion, Experiment, Spec

PAPER_NAME = "PAPER.md"
RESULTS_NAME = "results.json"


@dataclass(frozen=True)
class BuildResult:
    """One experiment's rendered paper and results, not yet written."""

    name: str
    folder: Path
    paper: str
    results: str
    outcome: str
    warnings: tuple[DataWarning, ...]
    metrics: metrics.Metrics
    criteria_failed: bool = False

    @property
    def paper_path(self) -> Path:
        return self.folder / PAPER_NAME

    @property
    def results_path(self) -> Path:
        return self.folder / RESULTS_NAME


def experiment_names(spec: Spec) -> list[str]:
    """Return every experiment: those in the spec and every folder under ``root``, sorted."""
    names = {exp.name for exp in spec.experiments}
    if spec.root.is_dir():
        names.update(
            p.name for p in spec.root.iterdir() if p.is_dir() and not p.name.startswith(".")
        )
    return sorted(names)


def find_experiment(spec: Spec, name: str) -> Experiment:
    """Return the spec's entry for ``name``, or a placeholder when only its folder exists."""
    declared = spec.experiment(name)
    if declared is not None:
        return declared
    if (spec.root / name).is_dir():
        return placeholder_experiment(name)
    known = experiment_names(spec)
    close = difflib.get_close_matches(name, known, n=1)
    hint = (
        f"; did you mean '{close[0]}'?"
        if close
        else (f"; known: {', '.join(known)}" if known else "; there are none yet")
    )
    folder = relative_to_spec(spec, spec.root / name)
    raise PaperkitError(
        f"no experiment '{name}': not in the spec and no folder {folder}{hint}", shown(spec.path)
    )


def relative_to_spec(spec: Spec, path: Path) -> str:
    """Return ``path`` relative to the spec's folder (stable whatever the working directory)."""
    try:
        return path.relative_to(spec.path.parent).as_posix()
    except ValueError:
        return path.as_posix()


def load_experiment_logs(spec: Spec, name: str) -> Logs:
    """Return the logs of one experiment, with warnings located relative to the spec's folder."""
    return load_logs(spec.root / name, display_path=lambda p: relative_to_spec(spec, p))


@dataclass(frozen=True)
class Priced:
    """One experiment's logs inside its window, each usage frame with its cost columns.

    The paper and ``paperkit costs`` both start here, so they price the same records alike.
    """

    exp: Experiment
    span: window.Window | None
    logs: Logs
    left_out: dict[str, int]
    ai: pd.DataFrame
    wf: pd.DataFrame
    cf: pd.DataFrame
    prices: tuple[pricing.ModelPriceInfo, ...]
    rates: Rates


def priced_logs(spec: Spec, name: str) -> Priced:
    """Return experiment ``name``'s logs, windowed and priced; raise for an unknown name."""
    exp = find_experiment(spec, name)
    span = window.window_of(exp, spec.timezone)
    logs, left_out = window.apply(load_experiment_logs(spec, name), span)
    ai, prices = pricing.price_inferences(logs.worker_ai, spec)
    rates = load_rates()
    wf = pricing.price_workflows(logs.workflows, rates)
    cf = pricing.price_services(logs.cloudflare, rates)
    return Priced(exp, span, logs, left_out, ai, wf, cf, tuple(prices), rates)


def render_experiment(spec: Spec, name: str) -> BuildResult:
    """Return the paper and results.json of one experiment without writing anything."""
    p = priced_logs(spec, name)
    exp, logs = p.exp, p.logs
    computed = metrics.compute(logs, p.ai, p.wf, p.cf, exp, spec.timezone)
    gaps = reconcile(p.ai, p.wf, p.cf, logs.cost_breakdown, spec.timezone, spec.reconcile_tolerance)
    scope_warnings: list[DataWarning] = []
    results = tuple(_judge(c, p.ai, p.wf, computed, spec, scope_warnings) for c in exp.criteria)
    outcome = paper_criteria.outcome_of(criteria.outcome(results), exp, results)
    warnings = (*logs.warnings, *scope_warnings)
    declared = paper_criteria.outcome_warning(outcome, exp, spec.path.name)
    if declared is not None:
        warnings = (*warnings, declared)
    inputs = paper.PaperInputs(
        name=name,
        exp=exp,
        logs=logs,
        metrics=computed,
        results=results,
        outcome=outcome,
        prices=p.prices,
        rates=p.rates,
        folder=relative_to_spec(spec, spec.root / name),
        spec_name=spec.path.name,
        timezone=spec.timezone,
        window=p.span,
        left_out=p.left_out,
        sources=tuple(provenance.sources(logs.files)),
        spec_sha=provenance.spec_part_hash(spec.path, name),
        confidence=spec.confidence,
        reconciliation=gaps,
        repriced=tuple(
            reprice(p.ai, exp.comparison.reprice, shown(spec.path)) if exp.comparison else ()
        ),
    )
    return BuildResult(
        name=name,
        folder=spec.root / name,
        paper=render("paper.md.j2", paper.context(inputs), _overrides(spec)),
        results=results_json(inputs),
        outcome=outcome.computed,
        warnings=warnings,
        metrics=computed,
        criteria_failed=any(r.verdict == criteria.FAIL for r in results),
    )


def _overrides(spec: Spec) -> Path | None:
    """Return the spec's own templates folder, when there is one beside it."""
    folder = spec.path.parent / OVERRIDES
    return folder if folder.is_dir() else None


def _judge(
    criterion: Criterion,
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    computed: metrics.Metrics,
    spec: Spec,
    warnings: list[DataWarning],
) -> criteria.CriterionResult:
    """Return the verdict on one criterion, measured over its scope at its confidence.

    A scope nothing can match yet (no records logged) adds a warning to ``warnings``.
    """
    confidence = criterion.confidence or spec.confidence
    if criterion.manual:
        return criteria.judge(criterion, None, confidence)
    assert criterion.metric is not None
    if criterion.where is not None:
        warnings.extend(check_scope(criterion.where, ai, wf, shown(spec.path)))
    measured = measure(criterion.metric, ai, wf, computed, confidence, criterion.where)
    return criteria.judge(criterion, measured, confidence)


def render_all(spec: Spec, names: list[str]) -> list[BuildResult]:
    """Render each named experiment, or every one when ``names`` is empty; write nothing."""
    return [render_experiment(spec, name) for name in names_to_build(spec, names)]


def names_to_build(spec: Spec, names: list[str]) -> list[str]:
    """Return ``names``, or every experiment when it is empty; raise when there are none."""
    for name in names:
        find_experiment(spec, name)  # an unknown name is a mistake in the command: stop early
    todo = names or experiment_names(spec)
    if not todo:
        raise PaperkitError(
            f"no experiments: the spec lists none and {shown(spec.root)} has no folders",
            shown(spec.path),
        )
    return todo


def check_strict(results: list[BuildResult]) -> None:
    """Raise when any log had a problem: what ``--strict`` demands before writing or printing."""
    problems = sum(len(r.warnings) for r in results)
    if problems:
        raise PaperkitError(
            f"{problems} problem{'s' if problems != 1 else ''} in the logs or the spec; "
            "--strict accepts none (see the warnings above)"
        )


def plan_update(result: BuildResult, *, force: bool = False) -> Update:
    """Return what writing ``result`` would change, merged into the existing PAPER.md."""
    return plan(result.paper_path, result.results_path, result.paper, result.results, force=force)


def write_update(update: Update) -> None:
    """Write the files an update changes (atomically), saving PAPER.md.bak first if asked."""
    # A declared experiment may have no folder yet; its paper says every log is missing.
    update.paper_path.parent.mkdir(parents=True, exist_ok=True)
    if update.backup and update.old_paper is not None:
        backup = update.paper_path.with_name(update.paper_path.name + BACKUP_SUFFIX)
        write_atomic(backup, update.old_paper.encode("utf-8"))
    if update.results_changed:
        write_atomic(update.results_path, update.results.encode("utf-8"))
    if update.paper_changed:
        write_atomic(update.paper_path, update.paper.encode("utf-8"))


@dataclass(frozen=True)
class Built:
    """What building one experiment came to: its result and update, or the error it met."""

    name: str
    result: BuildResult | None = None
    update: Update | None = None
    error: PaperkitError | None = None

    @property
    def criteria_failed(self) -> bool:
        return self.result is not None and self.result.criteria_failed

    def exit_code(self, *, check: bool, fail_on_criteria: bool) -> int:
        """Return this experiment's exit code (docs/cli.md): 1, 3, 4 or 0."""
        if self.error is not None:
            return self.error.exit_code
        if check and self.update is not None and self.update.changed:
            return STALE
        if fail_on_criteria and self.criteria_failed:
            return CRITERIA_FAILED
        return 0


def build_each(
    spec: Spec,
    names: list[str],
    *,
    strict: bool = False,
    force: bool = False,
    write: bool = True,
) -> Iterator[Built]:
    """Build each experiment in turn, yielding as each is done; a failure does not stop the rest.

    An experiment that fails (bad logs under ``strict``, hand-edited blocks, broken markers)
    leaves its own files as they were. With ``write`` False nothing is written (``--check``).
    """
    for name in names_to_build(spec, names):
        result = None
        try:
            result = render_experiment(spec, name)
            if strict:
                check_strict([result])
            update = plan_update(result, force=force)
            if write:
                write_update(update)
        except PaperkitError as error:
            yield Built(name, result=result, error=error)
            continue
        yield Built(name, result=result, update=update)


STALE = 3
CRITERIA_FAILED = 4
_SEVERITY = (1, 2, STALE, CRITERIA_FAILED)


def worst(codes: list[int]) -> int:
    """Return the exit code of a run: bad input (1) over stale (3) over criteria failed (4)."""
    for code in _SEVERITY:
        if code in codes:
            return code
    return max(codes, default=0)
